import {
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type RequestListener,
  type RequestOptions,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CurrentCustomerHandlerOptions,
  createCurrentCustomerHandler,
  MAX_BODY_BYTES,
  type NodeRequestLike,
  toNodeListener,
} from '../../src/server/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  claims,
  NOW,
  nowMs,
  STORE_HASH,
  sign,
  writeHugeJsonBody,
} from './helpers.js';

const STOREFRONT = 'https://store.example.com';
const EVIL = 'https://evil.example.net';

const baseOptions: CurrentCustomerHandlerOptions = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  storeHash: STORE_HASH,
  now: nowMs,
  allowedOrigins: [STOREFRONT, 'http://localhost:3000/'],
  onCustomer: (customer) => ({ id: customer.customer.id, store: customer.storeHash }),
};

interface Running {
  url: string;
  server: Server;
}

function listen(listener: RequestListener): Promise<Running> {
  return new Promise((resolve) => {
    const server = createServer(listener);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/api/current-customer`, server });
    });
  });
}

const running: Running[] = [];
async function serve(overrides: Partial<CurrentCustomerHandlerOptions> = {}): Promise<string> {
  const handler = createCurrentCustomerHandler({
    ...baseOptions,
    ...overrides,
  } as CurrentCustomerHandlerOptions);
  const server = await listen(toNodeListener(handler));
  running.push(server);
  return server.url;
}

afterAll(async () => {
  await Promise.all(
    running.map(({ server }) => new Promise((resolve) => server.close(() => resolve(null)))),
  );
  for (const { server } of running) server.closeAllConnections();
});

afterEach(() => {
  vi.restoreAllMocks();
});

let url: string;
let token: string;
beforeAll(async () => {
  url = await serve();
  token = await sign();
});

const post = (
  body: string | null,
  headers: Record<string, string> = {},
  target = url,
): Promise<Response> =>
  fetch(target, {
    method: 'POST',
    headers: { origin: STOREFRONT, 'content-type': 'application/json', ...headers },
    body,
  });

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request through node:http, for what fetch cannot send: no Origin header, TRACE, an endless chunked body. */
function rawRequest(
  options: RequestOptions,
  send: (req: ClientRequest) => void,
  { serverMayCloseEarly = false } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // The server may close while a large body is still being sent: the answer is what counts then.
    req.on('error', serverMayCloseEarly ? () => {} : reject);
    req.setTimeout(10_000, () => reject(new Error('no answer')));
    send(req);
  });
}

describe('the handler through toNodeListener on a real http server', () => {
  it('answers a valid token from an allowed origin with 200, the customer and CORS headers', async () => {
    const response = await post(JSON.stringify({ token }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 4927, store: 'abc123' });
    expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('accepts the token as Authorization: Bearer, with no body', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { origin: STOREFRONT, authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: number }).id).toBe(4927);
  });

  it('answers the default { customer, storeHash } when there is no onCustomer', async () => {
    const target = await serve({ onCustomer: undefined });
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(await response.json()).toEqual({
      customer: { id: 4927, email: 'john.doe@gmail.com', groupId: '6' },
      storeHash: STORE_HASH,
    });
  });

  it('answers a preflight from an allowed origin with the methods and headers the module uses', async () => {
    const response = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(response.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'content-type, authorization',
    );
    expect(response.headers.get('access-control-max-age')).toBe('7200');
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('sends Access-Control-Allow-Credentials only when configured', async () => {
    const target = await serve({ allowCredentials: true });
    const preflight = await fetch(target, {
      method: 'OPTIONS',
      headers: { origin: STOREFRONT, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
  });

  it('refuses a preflight and a POST from another origin with 403, without verifying anything', async () => {
    const now = vi.fn(nowMs);
    const target = await serve({ now });
    const preflight = await fetch(target, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const response = await post(JSON.stringify({ token }), { origin: EVIL }, target);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'origin_not_allowed' });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toBe('Origin');
    // A bad token from a bad origin is still a 403: the origin is checked first.
    expect((await post('{"token":"x.y.z"}', { origin: EVIL }, target)).status).toBe(403);
    expect(now).not.toHaveBeenCalled();
    // "null" (sandboxed frames, file:) is an origin like any other: not listed, refused.
    expect((await post(JSON.stringify({ token }), { origin: 'null' }, target)).status).toBe(403);
  });

  it('decides per origin with a function', async () => {
    const target = await serve({
      allowedOrigins: (origin) => origin.endsWith('.mybigcommerce.com'),
    });
    const ok = await post(
      JSON.stringify({ token }),
      { origin: 'https://a.mybigcommerce.com' },
      target,
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://a.mybigcommerce.com');
    expect((await post(JSON.stringify({ token }), {}, target)).status).toBe(403);
  });

  it('serves a request without an Origin header (server to server), with no CORS headers', async () => {
    const response = await rawRequest(
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (req) => req.end(JSON.stringify({ token })),
    );
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses other methods with 405 and Allow', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(url, { method, headers: { origin: STOREFRONT } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST, OPTIONS');
      expect(await response.json()).toEqual({ error: 'method_not_allowed' });
    }
  });

  it.each(['TRACE'])(
    'answers %s, a method the Fetch API itself refuses, with 405 (a client mistake, never a 500)',
    async (method) => {
      const answer = await rawRequest({ method, headers: { origin: STOREFRONT } }, (req) =>
        req.end(),
      );
      expect(answer.status).toBe(405);
      expect(JSON.parse(answer.body)).toEqual({ error: 'method_not_allowed' });
      expect(answer.headers.allow).toBe('POST, OPTIONS');
    },
  );

  it('refuses a body that is neither JSON nor text/plain with 415', async () => {
    for (const type of ['text/html', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const response = await post(JSON.stringify({ token }), { 'content-type': type });
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({ error: 'unsupported_media_type' });
    }
    const withCharset = await post(JSON.stringify({ token }), {
      'content-type': 'Application/JSON; charset=utf-8',
    });
    expect(withCharset.status).toBe(200);
  });

  it('refuses unparseable JSON and a missing token with 400', async () => {
    const cases: [string, string][] = [
      ['{"token":', 'invalid_json'],
      ['', 'invalid_json'],
      ['{}', 'token_missing'],
      ['{"token":""}', 'token_missing'],
      ['{"token":42}', 'token_missing'],
      ['["x"]', 'token_missing'],
      ['null', 'token_missing'],
    ];
    for (const [body, code] of cases) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toEqual({ error: code });
      expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    }
    const bearer = await fetch(url, {
      method: 'POST',
      headers: { origin: STOREFRONT, authorization: 'Bearer' },
    });
    expect(bearer.status).toBe(400);
  });

  it('refuses a token that fails verification with 401 and its code', async () => {
    const cases: [string, string, string?][] = [
      [await sign(claims(), 'wrong-secret'), 'signature_invalid'],
      [await sign(claims({ iat: NOW - 2000, exp: NOW - 1100 })), 'token_expired'],
      [await sign(claims({ aud: 'other' })), 'claim_invalid', 'aud'],
      [await sign(claims({ operation: 'other' })), 'claim_invalid', 'operation'],
      [await sign(claims(), CLIENT_SECRET, { alg: 'HS512' }), 'algorithm_not_allowed'],
      ['not-a-token', 'token_malformed'],
    ];
    for (const [bad, code, claim] of cases) {
      const response = await post(JSON.stringify({ token: bad }));
      expect(response.status).toBe(401);
      // A claim failure names the claim: it tells nothing the token does not.
      expect(await response.json()).toEqual(claim ? { error: code, claim } : { error: code });
      expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    }
  });

  it('refuses a body over 8 KiB with 413 when content-length says so', async () => {
    const big = JSON.stringify({ token, padding: 'x'.repeat(MAX_BODY_BYTES) });
    const response = await post(big);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'payload_too_large' });
    // Just under the limit is read.
    const fits = JSON.stringify({ token, p: '' });
    const padded = fits.replace('"p":""', `"p":"${'x'.repeat(MAX_BODY_BYTES - fits.length)}"`);
    expect(padded.length).toBe(MAX_BODY_BYTES);
    expect((await post(padded)).status).toBe(200);
  });

  it('refuses a chunked body over 8 KiB with 413 and closes the connection without reading it all', async () => {
    const result = await rawRequest(
      { method: 'POST', headers: { origin: STOREFRONT, 'content-type': 'application/json' } },
      (req) => {
        writeHugeJsonBody(req);
      },
      { serverMayCloseEarly: true },
    );
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: 'payload_too_large' });
    expect(result.headers.connection).toBe('close');
  });

  it('answers 500 with a generic body when onCustomer throws, and logs without the token', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const target = await serve({
      onCustomer: () => {
        throw new Error(`database down while handling ${token}`);
      },
    });
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal_error' });
    expect(errors).toHaveBeenCalledTimes(1);
    const logged = errors.mock.calls.flat().map(String).join(' ');
    expect(logged).toContain('database down');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(CLIENT_SECRET);
  });

  it('hands an onCustomer error to onError instead, when given', async () => {
    const onError = vi.fn();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const target = await serve({
      onCustomer: async () => {
        throw new Error('boom');
      },
      onError,
    });
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(response.status).toBe(500);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'boom' }));
    expect(errors).not.toHaveBeenCalled();
  });

  it('passes a Response from onCustomer through, with the CORS headers added', async () => {
    const target = await serve({
      onCustomer: (customer) =>
        new Response(`customer ${customer.customer.id}`, {
          status: 201,
          headers: { 'content-type': 'text/plain', 'x-app': 'yes', vary: 'Accept' },
        }),
    });
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('customer 4927');
    expect(response.headers.get('x-app')).toBe('yes');
    expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    expect(response.headers.get('vary')).toBe('Accept, Origin');
  });

  it('writes every Set-Cookie of a passed-through Response', async () => {
    const target = await serve({
      onCustomer: () => {
        const headers = new Headers();
        headers.append('set-cookie', 'a=1; Path=/; HttpOnly');
        headers.append('set-cookie', 'b=2; Path=/; Secure');
        return new Response('{}', { headers });
      },
    });
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([
      'a=1; Path=/; HttpOnly',
      'b=2; Path=/; Secure',
    ]);
  });

  it('answers 204 when onCustomer returns nothing', async () => {
    const target = await serve({ onCustomer: () => undefined });
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(response.status).toBe(204);
  });

  it('uses a body an Express parser already read (req.body)', async () => {
    const listener = toNodeListener(createCurrentCustomerHandler(baseOptions));
    const { url: target, server } = await listen((req, res) => {
      // What express.json() does: read the stream, then set req.body.
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        (req as NodeRequestLike).body = JSON.parse(text);
        listener(req, res);
      });
    });
    running.push({ url: target, server });
    const response = await post(JSON.stringify({ token }), {}, target);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: number }).id).toBe(4927);
  });
});

describe('the handler as a plain Fetch API function', () => {
  const handler = createCurrentCustomerHandler(baseOptions);

  it('stops reading a stream past 8 KiB even without content-length', async () => {
    let pulled = 0;
    let cancelled = false;
    // Ends after 4 MiB, so that a limit counted wrong makes this test fail, not read forever.
    const END = 4 * 1024 * 1024;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= END) {
          controller.close();
          return;
        }
        pulled += 1000;
        controller.enqueue(new Uint8Array(1000).fill(32));
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request('https://app.example.com/api', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: STOREFRONT },
      body,
      duplex: 'half',
    } as RequestInit);
    const response = await handler(request);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 3000);
    expect(cancelled).toBe(true);
  });

  it('refuses configuration errors at creation, with a TypeError naming the option', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ allowedOrigins: undefined }, /"allowedOrigins" must be .*a list .*\(got nothing\)/],
      [{ allowedOrigins: 42 }, /"allowedOrigins" must be .*\(got the number 42\)/],
      [{ allowedOrigins: ['*'] }, /"allowedOrigins\[0\]" must be .*\(got the string "\*"\)/],
      [{ allowedOrigins: ['https://*.example.com'] }, /"allowedOrigins\[0\]" must be/],
      [{ allowedOrigins: [STOREFRONT, 'store.example.com'] }, /"allowedOrigins\[1\]" must be/],
      [{ allowedOrigins: ['https://store.example.com/path'] }, /"allowedOrigins\[0\]" .*no path/],
      [{ allowedOrigins: ['http://store.example.com'] }, /"allowedOrigins\[0\]" .*https/],
      [{ allowedOrigins: ['http://localhost.example.com'] }, /"allowedOrigins\[0\]" must be/],
      [{ allowedOrigins: ['ftp://localhost'] }, /"allowedOrigins\[0\]" must be/],
      [{ allowedOrigins: 'http://store.example.com' }, /"allowedOrigins" must be an https origin/],
      [{ clientSecret: '' }, /"clientSecret" is required/],
      [{ clientSecret: ' \t\n' }, /"clientSecret" .*only whitespace/],
      [{ clientSecret: new Uint8Array([32, 32]) }, /"clientSecret"/],
      [{ clockToleranceSeconds: 301 }, /"clockToleranceSeconds" .*300/],
      [{ storeHash: undefined }, /"storeHash" is required.*"allowAnyStore: true"/],
      [{ allowAnyStore: true }, /either "storeHash" or "allowAnyStore: true", not both/],
      [{ storeHash: [] }, /"storeHash" must be/],
      [{ onCustomer: 'yes' }, /"onCustomer" must be a function/],
      [{ onError: 42 }, /"onError" must be a function \(got the number 42\)/],
      [{ onRefusal: 'log' }, /"onRefusal" must be a function \(got the string "log"\)/],
      [{ allowCredentials: 'yes' }, /"allowCredentials" must be true or false/],
    ];
    for (const [overrides, message] of bad) {
      const create = () =>
        createCurrentCustomerHandler({
          ...baseOptions,
          ...overrides,
        } as CurrentCustomerHandlerOptions);
      expect(create, JSON.stringify(overrides)).toThrow(TypeError);
      expect(create, JSON.stringify(overrides)).toThrow(message);
      expect(create).toThrow(/^stencil-current-customer\/server: /);
    }
  });

  it('accepts the local http origins a developer uses, and a tolerance of 300 s', () => {
    const local = ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000'];
    expect(
      typeof createCurrentCustomerHandler({
        ...baseOptions,
        allowedOrigins: local,
        clockToleranceSeconds: 300,
      }),
    ).toBe('function');
  });

  it('refuses with 403 (fails closed) when the origin function throws, and reports the error', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const throwing = createCurrentCustomerHandler({
      ...baseOptions,
      allowedOrigins: () => {
        throw new Error('lookup failed');
      },
    });
    for (const method of ['OPTIONS', 'POST']) {
      const response = await throwing(
        new Request('https://app.example.com/', {
          method,
          headers: { origin: STOREFRONT, 'content-type': 'application/json' },
          body: method === 'POST' ? JSON.stringify({ token }) : null,
        }),
      );
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: 'origin_not_allowed' });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(errors).toHaveBeenCalledTimes(2);
    expect(String(errors.mock.calls[0]?.[0])).toContain('lookup failed');
  });
});

const request = (headers: Record<string, string>, body: string | null = null): Request =>
  new Request('https://app.example.com/api/current-customer', {
    method: 'POST',
    headers: { origin: STOREFRONT, ...headers },
    body,
  });

describe('the store rule in the handler', () => {
  it('refuses a correctly signed token from another store with 401 store_not_allowed', async () => {
    const handler = createCurrentCustomerHandler(baseOptions);
    const attacker = await sign(
      claims({
        store_hash: 'attackertrial',
        sub: 'attackertrial',
        customer: { id: 1, email: 'ceo@victim.com' },
      }),
    );
    const response = await handler(request({ authorization: `Bearer ${attacker}` }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'store_not_allowed' });
  });

  it('accepts any store only with allowAnyStore: true, and answers with the store', async () => {
    const { storeHash: _, ...withoutStore } = baseOptions;
    const handler = createCurrentCustomerHandler({
      ...withoutStore,
      allowAnyStore: true,
      onCustomer: undefined,
    });
    const other = await sign(claims({ store_hash: 'zzz999', sub: 'zzz999' }));
    const response = await handler(request({ authorization: `Bearer ${other}` }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      customer: { id: 4927, email: 'john.doe@gmail.com', groupId: '6' },
      storeHash: 'zzz999',
    });
  });

  it('asks a lookup function once, with the store hash, only for a token that passed every other check', async () => {
    const lookup = vi.fn(async (storeHash: string) => storeHash === STORE_HASH);
    const handler = createCurrentCustomerHandler({ ...baseOptions, storeHash: lookup });
    const ok = await handler(request({ authorization: `Bearer ${token}` }));
    expect(ok.status).toBe(200);
    expect(lookup.mock.calls).toEqual([[STORE_HASH]]);

    const refusedBefore = [
      await sign(claims(), 'wrong-secret'),
      await sign(claims({ iat: NOW - 2000, exp: NOW - 1100 })),
      await sign(claims({ aud: 'other' })),
      await sign(claims({ sub: 'not-the-store' })),
    ];
    for (const bad of refusedBefore) {
      expect((await handler(request({ authorization: `Bearer ${bad}` }))).status).toBe(401);
    }
    expect(lookup).toHaveBeenCalledTimes(1);

    const other = await sign(claims({ store_hash: 'zzz999', sub: 'zzz999' }));
    const refused = await handler(request({ authorization: `Bearer ${other}` }));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'store_not_allowed' });
    expect(lookup.mock.calls).toEqual([[STORE_HASH], ['zzz999']]);
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('database unreachable');
      },
    ],
    ['rejects', () => Promise.reject(new Error('database unreachable'))],
  ])(
    'answers 503 store_lookup_failed with Retry-After, readable by the browser, when the lookup %s',
    async (_how, lookup) => {
      const onError = vi.fn();
      const onCustomer = vi.fn(() => ({}));
      const handler = createCurrentCustomerHandler({
        ...baseOptions,
        storeHash: lookup,
        onError,
        onCustomer,
      });
      const response = await handler(request({ authorization: `Bearer ${token}` }));
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: 'store_lookup_failed' });
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
      expect(response.headers.get('access-control-expose-headers')).toBe('Retry-After');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(onCustomer).not.toHaveBeenCalled();
      expect(onError).toHaveBeenCalledWith(
        expect.objectContaining({ message: 'database unreachable' }),
      );
    },
  );
});

describe('Authorization: Bearer parsing', () => {
  const handler = createCurrentCustomerHandler(baseOptions);

  /** The median time of `runs` calls, in milliseconds. */
  async function median(make: () => Request, runs: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await handler(make());
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(runs / 2)] as number;
  }

  it('reads a header of 32,000 spaces in about the time of an ordinary bad header of the same size', async () => {
    const spaces = `Bearer${' '.repeat(32_000)}x y`;
    const ordinary = `Basic ${'x'.repeat(spaces.length - 6)}`;
    expect(ordinary.length).toBe(spaces.length);
    // Both are not one Bearer token, so both go on to the body checks and get the same answer.
    const a = await handler(request({ authorization: spaces }));
    const b = await handler(request({ authorization: ordinary }));
    expect([a.status, b.status]).toEqual([415, 415]);
    await median(() => request({ authorization: ordinary }), 5); // warm up
    const slow = await median(() => request({ authorization: spaces }), 9);
    const fast = await median(() => request({ authorization: ordinary }), 9);
    // A backtracking parse takes seconds here (a ratio in the thousands); a linear one about the same time.
    expect(slow / Math.max(fast, 0.05)).toBeLessThan(20);
  });

  it('takes the token after any run of spaces and tabs, in any case of the scheme', async () => {
    for (const header of [`Bearer ${token}`, `bearer\t ${token}`, `BEARER    ${token}  `]) {
      const response = await handler(request({ authorization: header }));
      expect(response.status, header).toBe(200);
    }
    const bare = await handler(request({ authorization: 'Bearer   ' }));
    expect(bare.status).toBe(400);
    expect(await bare.json()).toEqual({ error: 'token_missing' });
  });
});

describe('CORS headers on every answer to an allowed origin', () => {
  it('exposes Retry-After on 200, 204, 400, 401, 405, 413, 415 and 500 answers, and on preflights', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handler = createCurrentCustomerHandler(baseOptions);
    const failing = createCurrentCustomerHandler({
      ...baseOptions,
      onCustomer: () => {
        throw new Error('down');
      },
    });
    const quiet = createCurrentCustomerHandler({ ...baseOptions, onCustomer: () => undefined });
    const json = { 'content-type': 'application/json' };
    const answers: [number, Response][] = [
      [200, await handler(request({ authorization: `Bearer ${token}` }))],
      [204, await quiet(request({ authorization: `Bearer ${token}` }))],
      [400, await handler(request(json, '{'))],
      [401, await handler(request({ authorization: 'Bearer a.b.c' }))],
      [
        405,
        await handler(new Request('https://app.example.com/', { headers: { origin: STOREFRONT } })),
      ],
      [413, await handler(request(json, 'x'.repeat(MAX_BODY_BYTES + 1)))],
      [415, await handler(request({ 'content-type': 'application/xml' }, '{}'))],
      [500, await failing(request({ authorization: `Bearer ${token}` }))],
      [
        204,
        await handler(
          new Request('https://app.example.com/', {
            method: 'OPTIONS',
            headers: { origin: STOREFRONT, 'access-control-request-method': 'POST' },
          }),
        ),
      ],
    ];
    for (const [status, response] of answers) {
      expect(response.status).toBe(status);
      expect(response.headers.get('access-control-expose-headers'), String(status)).toBe(
        'Retry-After',
      );
    }
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it("merges Retry-After into the expose list of the app's own Response, once", async () => {
    const cases: [string | null, string][] = [
      [null, 'Retry-After'],
      ['X-Request-Id', 'X-Request-Id, Retry-After'],
      ['retry-after, X-Request-Id', 'retry-after, X-Request-Id'],
    ];
    for (const [own, expected] of cases) {
      const handler = createCurrentCustomerHandler({
        ...baseOptions,
        onCustomer: () =>
          new Response('{}', {
            status: 429,
            headers: {
              'retry-after': '30',
              ...(own === null ? {} : { 'access-control-expose-headers': own }),
            },
          }),
      });
      const response = await handler(request({ authorization: `Bearer ${token}` }));
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('30');
      expect(response.headers.get('access-control-expose-headers')).toBe(expected);
    }
  });

  it('sends no CORS headers at all to a request without Origin', async () => {
    const handler = createCurrentCustomerHandler(baseOptions);
    const response = await handler(
      new Request('https://app.example.com/', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-expose-headers')).toBeNull();
  });
});

describe('text/plain bodies, the browser module default', () => {
  it('reads the token alone, with whitespace around it', async () => {
    const handler = createCurrentCustomerHandler(baseOptions);
    for (const body of [token, ` \r\n${token}\n`]) {
      const response = await handler(request({}, body));
      expect(response.headers.get('content-type'), 'fetch sets text/plain;charset=UTF-8').toMatch(
        /^application\/json/,
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ id: 4927, store: STORE_HASH });
    }
  });

  it('refuses bytes that are not UTF-8 as a malformed token (401), never a 500', async () => {
    const handler = createCurrentCustomerHandler(baseOptions);
    const bytes = new Uint8Array([0xff, 0xfe, 0x2e, 0x80]);
    const response = await handler(
      new Request('https://app.example.com/api', {
        method: 'POST',
        headers: { origin: STOREFRONT, 'content-type': 'text/plain' },
        body: bytes,
      }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'token_malformed' });
  });

  it('refuses a disallowed Origin with 403 before reading the body, verifying or calling onCustomer', async () => {
    const lookup = vi.fn(() => true);
    const onCustomer = vi.fn(() => ({}));
    const handler = createCurrentCustomerHandler({ ...baseOptions, storeHash: lookup, onCustomer });
    // A cross-site page can send this POST without a preflight: the handler is the only guard.
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new TextEncoder().encode(token));
        controller.close();
      },
    });
    const response = await handler(
      new Request('https://app.example.com/api', {
        method: 'POST',
        headers: { origin: EVIL, 'content-type': 'text/plain;charset=UTF-8' },
        body,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'origin_not_allowed' });
    expect(lookup).not.toHaveBeenCalled();
    expect(onCustomer).not.toHaveBeenCalled();
    // The stream's first pull happens when it starts; the handler asked for nothing more.
    expect(pulled).toBeLessThanOrEqual(1);
    // The same request from the storefront reaches both.
    const allowed = await handler(request({ 'content-type': 'text/plain;charset=UTF-8' }, token));
    expect(allowed.status).toBe(200);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(onCustomer).toHaveBeenCalledTimes(1);
  });
});

describe('allowedOrigins given as one string', () => {
  it('is a list of that one origin', async () => {
    const handler = createCurrentCustomerHandler({ ...baseOptions, allowedOrigins: STOREFRONT });
    const ok = await handler(request({ authorization: `Bearer ${token}` }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    const other = await handler(
      request({ authorization: `Bearer ${token}`, origin: 'https://store.example.co' }),
    );
    expect(other.status).toBe(403);
  });
});

describe('configuration problems', () => {
  it('are reported at once, the verifier and the handler options in one TypeError', () => {
    const secret = 'super-secret-value';
    const create = () =>
      createCurrentCustomerHandler({
        clientId: CLIENT_ID,
        clientSecret: secret,
        storeHash: 'https://store-abc123.mybigcommerce.com',
        allowedOrigins: ['https://store.example.com/'],
        onRefusal: console,
        onError: 'log',
      } as unknown as CurrentCustomerHandlerOptions);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(
      /^stencil-current-customer\/server: 3 configuration problems:\n {2}- "storeHash" must be a store hash: .*did you mean "abc123"\?\n {2}- "onError" must be a function \(got the string "log"\)\n {2}- "onRefusal" must be a function \(got an object\)$/,
    );
    expect(create).not.toThrow(new RegExp(secret));
  });
});

describe('onRefusal', () => {
  type Served = { url: string; refusals: unknown[]; errors: unknown[] };
  const served = new Map<string, Served>();
  const SECRET_NEXT = 'next-client-secret-1b7d';
  const tokens: Record<string, string> = {};

  /** The handler served on one of toNodeListener's paths, recording every refusal. */
  async function serveObserved(path: 'direct' | 'fetch', extra = {}): Promise<Served> {
    const key = `${path} ${JSON.stringify(Object.keys(extra))}`;
    const known = served.get(key);
    if (known) return known;
    const refusals: unknown[] = [];
    const errors: unknown[] = [];
    const handler = createCurrentCustomerHandler({
      ...baseOptions,
      clientSecret: [CLIENT_SECRET, SECRET_NEXT],
      onRefusal: (refusal) => {
        refusals.push(refusal);
      },
      onError: (error) => {
        errors.push(error);
      },
      ...extra,
    } as CurrentCustomerHandlerOptions);
    const listener = toNodeListener(path === 'direct' ? handler : (r: Request) => handler(r), {
      bodyTimeoutMs: 200,
    });
    const server = await listen(listener as RequestListener);
    running.push(server);
    const result = { url: server.url, refusals, errors };
    served.set(key, result);
    return result;
  }

  beforeAll(async () => {
    tokens.otherAudience = await sign(claims({ aud: 'another-client-id' }));
    tokens.wrongSecret = await sign(claims(), 'wrong-secret');
  });

  /** One request over node:http to `target`, its answer once complete. */
  const ask = (
    target: string,
    method: string,
    headers: Record<string, string>,
    body?: string,
    declared?: number,
  ): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const outgoing = { ...headers };
      if (body !== undefined) outgoing['content-length'] = String(declared ?? body.length);
      const req = httpRequest(target, { method, headers: outgoing }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      });
      req.on('error', declared === undefined ? reject : () => {});
      req.setTimeout(5000, () => reject(new Error('no answer')));
      if (declared !== undefined) req.write(body ?? '');
      else req.end(body);
    });

  const text = { origin: STOREFRONT, 'content-type': 'text/plain' };

  it.each(['direct', 'fetch'] as const)(
    'is called for every refused request on the %s path, with code, status, origin and claim, never the token',
    async (path) => {
      const { url: target, refusals, errors } = await serveObserved(path);
      const exchanges: [number, () => Promise<RawAnswer>][] = [
        [200, () => ask(target, 'POST', text, token)],
        [
          204,
          () =>
            ask(target, 'OPTIONS', { origin: STOREFRONT, 'access-control-request-method': 'POST' }),
        ],
        [403, () => ask(target, 'POST', { ...text, origin: EVIL }, token)],
        [
          403,
          () => ask(target, 'OPTIONS', { origin: EVIL, 'access-control-request-method': 'POST' }),
        ],
        [405, () => ask(target, 'GET', { origin: STOREFRONT })],
        [415, () => ask(target, 'POST', { ...text, 'content-type': 'text/html' }, token)],
        [400, () => ask(target, 'POST', { ...text, 'content-type': 'application/json' }, '{')],
        [400, () => ask(target, 'POST', text, '   ')],
        [401, () => ask(target, 'POST', text, tokens.otherAudience)],
        [401, () => ask(target, 'POST', text, tokens.wrongSecret)],
        [413, () => ask(target, 'POST', text, 'x'.repeat(MAX_BODY_BYTES + 1))],
      ];
      for (const [status, exchange] of exchanges) expect((await exchange()).status).toBe(status);
      const expected = [
        { code: 'origin_not_allowed', status: 403, origin: EVIL },
        { code: 'origin_not_allowed', status: 403, origin: EVIL },
        { code: 'method_not_allowed', status: 405, origin: STOREFRONT },
        { code: 'unsupported_media_type', status: 415, origin: STOREFRONT },
        { code: 'invalid_json', status: 400, origin: STOREFRONT },
        { code: 'token_missing', status: 400, origin: STOREFRONT },
        { code: 'claim_invalid', status: 401, origin: STOREFRONT, claim: 'aud' },
        { code: 'signature_invalid', status: 401, origin: STOREFRONT },
        { code: 'payload_too_large', status: 413, origin: STOREFRONT },
      ];
      expect(refusals).toEqual(
        expected.map((refusal) => ({ ...refusal, message: expect.any(String) })),
      );
      expect((refusals[6] as { message: string }).message).toMatch(/"aud"/);
      const logged = JSON.stringify(refusals);
      for (const secretOrToken of [
        token,
        tokens.otherAudience,
        tokens.wrongSecret,
        CLIENT_SECRET,
        SECRET_NEXT,
      ]) {
        expect(logged).not.toContain(secretOrToken);
      }
      expect(errors).toEqual([]);
    },
  );

  it("is called for the direct path's own answers too: a late body (408) and TRACE (405)", async () => {
    const { url: target, refusals } = await serveObserved('direct');
    refusals.length = 0;
    expect((await ask(target, 'TRACE', { origin: STOREFRONT })).status).toBe(405);
    const late = await ask(target, 'POST', text, token.slice(0, 10), 2000);
    expect(late.status).toBe(408);
    expect(refusals).toEqual([
      { code: 'method_not_allowed', status: 405, origin: STOREFRONT, message: expect.any(String) },
      { code: 'request_timeout', status: 408, origin: STOREFRONT, message: expect.any(String) },
    ]);
  });

  it('is called for a failed store lookup (503) and a failing onCustomer (500)', async () => {
    const handler = createCurrentCustomerHandler({
      ...baseOptions,
      storeHash: () => {
        throw new Error('store database down');
      },
      onError: () => {},
      onRefusal: (refusal) => {
        refusals.push(refusal);
      },
    });
    const refusals: unknown[] = [];
    const failed = await handler(request({ authorization: `Bearer ${token}` }));
    expect(failed.status).toBe(503);
    const throwing = createCurrentCustomerHandler({
      ...baseOptions,
      onCustomer: () => {
        throw new Error('database down');
      },
      onError: () => {},
      onRefusal: (refusal) => {
        refusals.push(refusal);
      },
    });
    expect((await throwing(request({ authorization: `Bearer ${token}` }))).status).toBe(500);
    expect(refusals).toEqual([
      {
        code: 'store_lookup_failed',
        status: 503,
        claim: 'store_hash',
        origin: STOREFRONT,
        message: expect.any(String),
      },
      { code: 'internal_error', status: 500, origin: STOREFRONT, message: expect.any(String) },
    ]);
  });

  it('that throws is reported to onError and changes nothing in the answer', async () => {
    const errors: unknown[] = [];
    const failure = new Error('log sink down');
    const handler = createCurrentCustomerHandler({
      ...baseOptions,
      onRefusal: () => {
        throw failure;
      },
      onError: (error) => {
        errors.push(error);
      },
    });
    const response = await handler(request({ authorization: `Bearer ${tokens.otherAudience}` }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'claim_invalid', claim: 'aud' });
    expect(errors).toEqual([failure]);
  });
});
