// Injected faults over real HTTP: what the storefront's current.jwt and the demo backend answer, set from
// the options (the flags) and from the panel's form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { logIn } from './helpers.js';

let emulator: Emulator;
let cookie: string;

beforeAll(async () => {
  emulator = await startEmulator({ clientId: 'fault-client' });
  cookie = await logIn(emulator.storefrontUrl);
});
afterAll(() => emulator?.close());

const jwtUrl = () =>
  new URL('/customer/current.jwt?app_client_id=fault-client', emulator.storefrontUrl);
const getJwt = (redirect: RequestRedirect = 'manual') =>
  fetch(jwtUrl(), { headers: { cookie }, redirect });

/** Sets faults as the panel's form does; returns the answer's status. */
async function panelSets(fields: Record<string, string>): Promise<number> {
  const response = await fetch(new URL('/__emulator/faults', emulator.storefrontUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ redirect: '/about', ...fields }),
  });
  return response.status;
}

async function postToken(): Promise<Response> {
  await emulator.setFault('storefront', { kind: 'none' });
  const jwt = await (await getJwt()).text();
  return fetch(emulator.backendUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: emulator.storefrontOrigin },
    body: JSON.stringify({ token: jwt }),
  });
}

describe('storefront faults on /customer/current.jwt', () => {
  it('500', async () => {
    expect(await panelSets({ storefront: '500' })).toBe(303);
    const response = await getJwt();
    expect(response.status).toBe(500);
    expect(await response.text()).not.toMatch(/^eyJ/);
  });

  it('429 with Retry-After', async () => {
    expect(await panelSets({ storefront: '429:7' })).toBe(303);
    const response = await getJwt();
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('200 with an HTML login page', async () => {
    await emulator.setFault('storefront', { kind: 'html' });
    const response = await getJwt();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<h1>Sign in</h1>');
  });

  it('302 to the login page, which answers 200 with HTML', async () => {
    await emulator.setFault('storefront', { kind: '302' });
    const response = await getJwt();
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^\/login\.php\?from=/);
    const views = emulator.stats.storefront.loginPages;
    const followed = await getJwt('follow');
    expect(followed.status).toBe(200);
    expect(followed.url).toContain('/login.php');
    expect(await followed.text()).toContain('<h1>Sign in</h1>');
    expect(emulator.stats.storefront.loginPages).toBe(views + 1);
  });

  it('slow: the token, seconds late', async () => {
    await emulator.setFault('storefront', { kind: 'slow', seconds: 1 });
    const started = Date.now();
    const response = await getJwt();
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^eyJ/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('counts faulted answers and reports the faults at /__emulator/stats', async () => {
    expect(await panelSets({ storefront: '500' })).toBe(303);
    const before = emulator.stats.storefront.faulted;
    await getJwt();
    expect(emulator.stats.storefront.faulted).toBe(before + 1);
    const stats = (await (
      await fetch(new URL('/__emulator/stats', emulator.storefrontUrl))
    ).json()) as {
      faults: { storefront: unknown };
    };
    expect(stats.faults.storefront).toEqual({ kind: '500' });
    expect(await panelSets({ storefront: 'none' })).toBe(303);
    expect((await getJwt()).status).toBe(200);
  });

  it('refuses a bad spelling from the panel with 400 and a line naming it', async () => {
    const response = await fetch(new URL('/__emulator/faults', emulator.storefrontUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ storefront: 'teapot' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^storefront fault must be one of/);
    expect(emulator.faults.storefront).toEqual({ kind: 'none' });
  });
});

describe('demo backend faults', () => {
  it('401: every token refused, with CORS so the browser can read it', async () => {
    expect(await panelSets({ backend: '401' })).toBe(303);
    const response = await postToken();
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(emulator.storefrontOrigin);
    expect(await response.json()).toEqual({ error: 'signature_invalid' });
  });

  it('503 with a Retry-After the browser may read', async () => {
    await emulator.setFault('backend', { kind: '503', seconds: 4 });
    const response = await postToken();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('4');
    expect(response.headers.get('access-control-expose-headers')).toMatch(/retry-after/i);
  });

  it('down: connection refused, then back on the same port', async () => {
    const port = new URL(emulator.backendUrl).port;
    expect(await panelSets({ backend: 'down' })).toBe(303);
    await expect(postToken()).rejects.toThrow();
    await emulator.setFault('backend', { kind: 'none' });
    expect(new URL(emulator.backendUrl).port).toBe(port);
    expect((await postToken()).status).toBe(200);
  });

  it('slow: verified, seconds late', async () => {
    await emulator.setFault('backend', { kind: 'slow', seconds: 1 });
    const started = Date.now();
    const response = await postToken();
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await emulator.setFault('backend', { kind: 'none' });
  });

  it('from the options, at start', async () => {
    const faulty = await startEmulator({
      faults: { storefront: { kind: '429', seconds: 3 }, backend: { kind: 'down' } },
    });
    try {
      const jar = await logIn(faulty.storefrontUrl);
      const jwt = await fetch(
        new URL(`/customer/current.jwt?app_client_id=${faulty.clientId}`, faulty.storefrontUrl),
        { headers: { cookie: jar } },
      );
      expect(jwt.status).toBe(429);
      await expect(fetch(faulty.backendUrl, { method: 'OPTIONS' })).rejects.toThrow();
    } finally {
      await faulty.close();
    }
  });
});
