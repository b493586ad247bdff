import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dev } from '../../src/dev/command.js';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { DevError } from '../../src/dev/errors.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ clientId: 'unit-client', clientSecret: 'unit-test-secret-123' });
});
afterAll(() => emulator?.close());

const url = (path: string) => new URL(path, emulator.storefrontUrl).href;
const jwtUrl = (clientId?: string) =>
  url(`/customer/current.jwt${clientId === undefined ? '' : `?app_client_id=${clientId}`}`);

async function logIn(customer?: number): Promise<string> {
  const response = await fetch(url('/login'), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      redirect: '/about',
      ...(customer ? { customer: String(customer) } : {}),
    }),
  });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/about');
  const cookie = response.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Lax/);
  return cookie.split(';')[0] as string;
}

describe('storefront emulator over HTTP on 127.0.0.1', () => {
  it('listens on 127.0.0.1 only, storefront and backend on different origins', () => {
    expect(new URL(emulator.storefrontUrl).hostname).toBe('127.0.0.1');
    expect(new URL(emulator.backendUrl).hostname).toBe('127.0.0.1');
    expect(new URL(emulator.storefrontUrl).origin).not.toBe(new URL(emulator.backendUrl).origin);
  });

  it('answers current.jwt 400 without app_client_id and for an unknown one', async () => {
    const before = emulator.stats.storefront.rejected;
    expect((await fetch(jwtUrl())).status).toBe(400);
    expect((await fetch(jwtUrl(''))).status).toBe(400);
    expect((await fetch(jwtUrl('someone-else'))).status).toBe(400);
    expect(emulator.stats.storefront.rejected).toBe(before + 3);
  });

  it('answers current.jwt 404 for a guest', async () => {
    const before = emulator.stats.storefront.guests;
    const response = await fetch(jwtUrl('unit-client'));
    expect(response.status).toBe(404);
    expect(emulator.stats.storefront.guests).toBe(before + 1);
  });

  it('answers current.jwt 200 with a token signed with the client secret once logged in', async () => {
    const cookie = await logIn();
    const response = await fetch(jwtUrl('unit-client'), { headers: { cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const jwt = (await response.text()).trim();
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode('unit-test-secret-123'), {
      algorithms: ['HS256'],
      issuer: 'bc/apps',
      audience: 'unit-client',
    });
    expect(payload).toMatchObject({
      customer: { id: 4927, email: 'jane.doe@example.com', group_id: '6' },
      operation: 'current_customer',
      store_hash: emulator.storeHash,
      sub: emulator.storeHash,
      version: 1,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);
  });

  it('renders the guest page without the partial, with a log in button and a CSP nonce', async () => {
    const response = await fetch(url('/'));
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain(`connect-src 'self' ${new URL(emulator.backendUrl).origin}`);
    const html = await response.text();
    expect(html).toContain('data-log-in');
    expect(html).not.toContain('data-current-customer');
    expect(html).not.toContain('current-customer.min.js');
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain('id="current-customer-emulator"');
  });

  it('switches `customer` in the render context on log in and log out', async () => {
    const cookie = await logIn(5012);
    const page = await fetch(url('/'), { headers: { cookie } });
    const nonce = /'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
    const html = await page.text();
    expect(html).toContain('Signed in as Sam Rivera');
    expect(html).toContain('data-log-out');
    const config =
      /<script type="application\/json" data-current-customer>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(config ?? 'null')).toMatchObject({
      appClientId: 'unit-client',
      endpoint: emulator.backendUrl,
    });
    // A literal match: the nonce is base64, whose + and / would be pattern syntax in a RegExp.
    expect(html).toContain(
      `<script src="/assets/current-customer/current-customer.min.js" async nonce="${nonce}"></script>`,
    );

    const out = await fetch(url('/logout'), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, referer: url('/about') },
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/about');
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    // The old session cookie no longer identifies anyone.
    const after = await (await fetch(url('/'), { headers: { cookie } })).text();
    expect(after).not.toContain('data-current-customer');
    expect(after).toContain('data-log-in');
    expect((await fetch(jwtUrl('unit-client'), { headers: { cookie } })).status).toBe(404);
  });

  it('offers every other demo customer from the panel, and log out, on any page', async () => {
    const cookie = await logIn(4927);
    for (const path of ['/', '/about']) {
      const html = await (await fetch(url(path), { headers: { cookie } })).text();
      expect(html).toContain('data-panel-log-in="5012"');
      expect(html).not.toContain('data-panel-log-in="4927"');
      expect(html).toContain('data-panel-log-out');
      expect(html).toContain(`name="redirect" value="${path}"`);
    }
    const guest = await (await fetch(url('/about'))).text();
    expect(guest).toContain('data-panel-log-in="4927"');
    expect(guest).toContain('data-panel-log-in="5012"');
    expect(guest).not.toContain('data-panel-log-out');
  });

  it("answers GET /login.php with the store's login page, without signing in", async () => {
    const before = emulator.stats.storefront.logins;
    const response = await fetch(url('/login.php?from=account.php'), { redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('Log in as Sam Rivera');
    expect(emulator.stats.storefront.logins).toBe(before);
  });

  it('refuses a form body over 64 KiB with 413, and stays up', async () => {
    const response = await fetch(url('/login'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `customer=4927&pad=${'x'.repeat(70 * 1024)}`,
    });
    expect(response.status).toBe(413);
    expect((await fetch(url('/'))).status).toBe(200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(url('/'), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe('');
  });

  it('never redirects off the storefront after log in', async () => {
    const response = await fetch(url('/login?redirect=//evil.example/'), {
      method: 'POST',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
  });

  it('serves theme assets under /assets/ and nothing outside them', async () => {
    expect((await fetch(url('/assets/../package.json'))).status).toBe(404);
    expect((await fetch(url('/assets/%2e%2e/package.json'))).status).toBe(404);
    expect((await fetch(url('/assets/nope.js'))).status).toBe(404);
    expect((await fetch(url('/no-such-page'))).status).toBe(404);
  });

  it('has a backend that verifies the token and answers with demo purchases', async () => {
    const cookie = await logIn();
    const jwt = await (await fetch(jwtUrl('unit-client'), { headers: { cookie } })).text();
    const before = { ...emulator.stats.backend };
    const origin = new URL(emulator.storefrontUrl).origin;
    const response = await fetch(emulator.backendUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ token: jwt }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    const body = (await response.json()) as {
      greeting: string;
      points: number;
      storeHash: string;
      customer: { id: number };
      recentlyPurchased: unknown[];
    };
    expect(body.customer.id).toBe(4927);
    expect(body.recentlyPurchased).toHaveLength(3);
    // The README's worked example.
    expect(body.greeting).toBe('Welcome back, Jane');
    expect(body.points).toBe(1250);
    expect(body.storeHash).toBe(emulator.storeHash);
    expect(emulator.stats.backend.posts).toBe(before.posts + 1);
    expect(emulator.stats.backend.verified).toBe(before.verified + 1);

    const forged = await fetch(emulator.backendUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ token: `${jwt.slice(0, -4)}AAAA` }),
    });
    expect(forged.status).toBe(401);
    expect(emulator.stats.backend.refused).toBe(before.refused + 1);
  });

  it('reports what both servers saw at /__emulator/stats', async () => {
    const stats = (await (await fetch(url('/__emulator/stats'))).json()) as {
      storefront: { tokenRequests: number };
      backend: { posts: number };
    };
    expect(stats.storefront.tokenRequests).toBe(emulator.stats.storefront.tokenRequests);
    expect(stats.backend.posts).toBe(emulator.stats.backend.posts);
  });
});

describe('emulator errors', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('refuses a storefront port in use with a clear error', async () => {
    await expect(startEmulator({ port: busyPort })).rejects.toThrow(
      new DevError(`storefront port ${busyPort} is already in use: choose another with --port`),
    );
  });

  it('refuses a backend port in use, and frees the storefront port it took', async () => {
    await expect(startEmulator({ port: 0, backendPort: busyPort })).rejects.toThrow(
      /backend port \d+ is already in use: choose another with --backend-port/,
    );
  });

  it('refuses a --theme that is not a theme', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'not-a-theme-'));
    try {
      await expect(startEmulator({ theme: join(dir, 'missing') })).rejects.toThrow(
        /no such folder/,
      );
      await expect(startEmulator({ theme: dir })).rejects.toThrow(/is not a Stencil theme/);
      writeFileSync(join(dir, 'config.json'), '{ nope');
      await expect(startEmulator({ theme: dir })).rejects.toThrow(/is not a Stencil theme/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the dev command prints one error line and exits 1 when it cannot start, 2 for a wrong command line', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await dev(['--theme', '/definitely/not/here'])).toBe(1);
      expect(await dev(['--port', String(busyPort), '--backend-port', '0'])).toBe(1);
      expect(await dev(['--token-ttl', 'x'])).toBe(2);
      expect(errors.mock.calls).toHaveLength(3);
      for (const [line] of errors.mock.calls) {
        expect(String(line)).toMatch(/^stencil-current-customer dev: /);
        expect(String(line)).not.toContain('\n');
      }
      expect(String(errors.mock.calls[1]?.[0])).toContain(`port ${busyPort} is already in use`);
    } finally {
      errors.mockRestore();
    }
  });
});
