// An emulator no other web page can drive: requests for another host name (DNS rebinding) get 421, and log in,
// log out and faults take only a POST from the storefront's own pages. The repros of the security review, over
// raw HTTP (node:http sets any Host header a test wants).
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { checkHost, checkSameOrigin, localHosts } from '../../src/dev/request-guard.js';
import { logIn } from './helpers.js';

let emulator: Emulator;
let port: number;

beforeAll(async () => {
  emulator = await startEmulator({ clientId: 'guard-client', clientSecret: 'guard-secret-123' });
  port = Number(new URL(emulator.storefrontUrl).port);
});
afterAll(() => emulator?.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (Host included), bounded in time. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers, timeout: 5_000, setHost: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const own = () => `127.0.0.1:${port}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

describe('Host: only 127.0.0.1, localhost and [::1] on the emulator port', () => {
  it('answers its three names (any case), and nothing else, with 421 and a line saying why', async () => {
    for (const host of [...localHosts(port), `LOCALHOST:${port}`]) {
      expect((await send('GET', '/', { host })).status, host).toBe(200);
    }
    for (const host of [
      'evil.example:1234',
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      '127.0.0.1',
      `127.0.0.1:${port}.evil.example`,
    ]) {
      const answer = await send('GET', '/', { host });
      expect(answer.status, host).toBe(421);
      expect(answer.body).toMatch(/^refused: Host '.*'\. This emulator answers only 127\.0\.0\.1:/);
    }
    // A Host with userinfo never reaches a page: refused before the emulator (400) or by it (421).
    const userinfo = await send('GET', '/', { host: `evil@127.0.0.1:${port}` });
    expect([400, 421]).toContain(userinfo.status);
  });

  it('repro: a rebinding page can neither log in nor read a token (before: 303, then a signed token)', async () => {
    const host = 'evil.example:1234';
    const logins = emulator.stats.storefront.logins;
    const login = await send(
      'POST',
      '/login',
      { host, 'content-type': FORM },
      form({ customer: '4927' }),
    );
    expect(login.status).toBe(421);
    expect(login.headers['set-cookie']).toBeUndefined();
    expect(emulator.stats.storefront.logins).toBe(logins);

    // Even with a session cookie made on the right host, a token is not served to another name.
    const cookie = await logIn(emulator.storefrontUrl, 4927);
    const jwt = await send('GET', '/customer/current.jwt?app_client_id=guard-client', {
      host,
      cookie,
    });
    expect(jwt.status).toBe(421);
    expect(jwt.body).not.toMatch(/eyJ/);
    const right = await send('GET', '/customer/current.jwt?app_client_id=guard-client', {
      host: own(),
      cookie,
    });
    expect(right.status).toBe(200);
    expect(right.body).toMatch(/^eyJ/);
  });

  it('refuses a request without a Host header (HTTP/1.0)', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.0\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.[01] 421 /);
    expect(raw).toContain('refused: no Host header.');
  });
});

describe('log in, log out, switch and faults: POST only, from this origin only', () => {
  it('repro: a cross-site form POST to /__emulator/faults is refused with 403 (before: 303, faults changed)', async () => {
    const answer = await send(
      'POST',
      '/__emulator/faults',
      { host: own(), origin: 'https://evil.example', 'content-type': FORM },
      form({ storefront: '500' }),
    );
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(
      /^refused: POST \/__emulator\/faults came from another origin \(Origin: https:\/\/evil\.example\)\./,
    );
    expect(emulator.faults.storefront).toEqual({ kind: 'none' });
  });

  it('refuses Sec-Fetch-Site cross-site and same-site, another port, and Origin null', async () => {
    const refused: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: `http://127.0.0.1:${port + 1}` },
      { 'sec-fetch-site': 'same-site' },
      { origin: `http://127.0.0.1:${port + 1}` },
      { origin: `http://localhost:${port}` },
      { origin: 'null' },
    ];
    for (const headers of refused) {
      for (const path of ['/login', '/logout', '/login.php?action=logout', '/__emulator/faults']) {
        const answer = await send(
          'POST',
          path,
          { host: own(), 'content-type': FORM, ...headers },
          form({ customer: '5012', storefront: '429' }),
        );
        expect(answer.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(answer.body).toMatch(/^refused: POST \/\S+ came from another (site|origin)/);
        expect(answer.headers['set-cookie']).toBeUndefined();
      }
    }
    expect(emulator.faults.storefront).toEqual({ kind: 'none' });
  });

  it("takes a POST from the storefront's own pages (Origin and Sec-Fetch-Site as a browser sends them)", async () => {
    for (const host of [own(), `localhost:${port}`]) {
      const answer = await send(
        'POST',
        '/login',
        {
          host,
          origin: `http://${host}`,
          'sec-fetch-site': 'same-origin',
          'content-type': FORM,
        },
        form({ customer: '5012', redirect: '/about' }),
      );
      expect(answer.status, host).toBe(303);
      expect(answer.headers.location).toBe('/about');
      expect(String(answer.headers['set-cookie'])).toMatch(/^SHOP_SESSION_TOKEN=/);
    }
  });

  it('repro: GET /login?customer=4927 signs nobody in (before: 303 with a session); it shows the login page, whose buttons POST', async () => {
    const logins = emulator.stats.storefront.logins;
    const answer = await send('GET', '/login?customer=4927&redirect=/about', { host: own() });
    expect(answer.status).toBe(200);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(emulator.stats.storefront.logins).toBe(logins);
    expect(answer.body).toContain('<form method="post" action="/login">');
    expect(answer.body).toContain('<input type="hidden" name="redirect" value="/about">');
    expect(answer.body).toContain('data-login-customer="4927"');
  });

  it('GET /logout and /login.php?action=logout leave the session alone and show a button that POSTs', async () => {
    const cookie = await logIn(emulator.storefrontUrl, 4927);
    for (const path of ['/logout?redirect=/about', '/login.php?action=logout']) {
      const answer = await send('GET', path, { host: own(), cookie });
      expect(answer.status).toBe(200);
      expect(answer.headers['set-cookie']).toBeUndefined();
      expect(answer.body).toContain('<form method="post" action="/logout">');
    }
    const still = await send('GET', '/customer/current.jwt?app_client_id=guard-client', {
      host: own(),
      cookie,
    });
    expect(still.status).toBe(200);
  });

  it('answers other methods 405 with Allow', async () => {
    const faults = await send('GET', '/__emulator/faults?storefront=500', { host: own() });
    expect(faults.status).toBe(405);
    expect(faults.headers.allow).toBe('POST');
    expect(emulator.faults.storefront).toEqual({ kind: 'none' });
    const put = await send('PUT', '/login', { host: own() });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
  });
});

describe('the checks alone', () => {
  const at = (headers: Record<string, string>, method = 'POST') =>
    new Request('http://127.0.0.1:3737/login', { method, headers });

  it('checkHost reads the header as sent', () => {
    expect(checkHost(at({ host: '127.0.0.1:3737' }), 3737)).toBeNull();
    expect(checkHost(at({ host: '[::1]:3737' }), 3737)).toBeNull();
    expect(checkHost(at({ host: '[::1]:3738' }), 3737)?.status).toBe(421);
    expect(checkHost(at({}), 3737)?.reason).toContain('no Host header');
  });

  it('checkSameOrigin passes a request with neither header (curl) and one the user made (none)', () => {
    expect(checkSameOrigin(at({ host: '127.0.0.1:3737' }))).toBeNull();
    expect(checkSameOrigin(at({ host: '127.0.0.1:3737', 'sec-fetch-site': 'none' }))).toBeNull();
    expect(
      checkSameOrigin(at({ host: '127.0.0.1:3737', origin: 'http://127.0.0.1:3737' })),
    ).toBeNull();
    expect(
      checkSameOrigin(at({ host: '127.0.0.1:3737', origin: 'http://127.0.0.1:3737.evil' }))?.status,
    ).toBe(403);
  });
});
