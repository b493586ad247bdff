// `--endpoint`: the pages point at the developer's own backend, which the test starts with the package's
// handler configured from the environment the emulator prints for it.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendEnvironment, type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { createCurrentCustomerHandler, toNodeListener } from '../../src/server/index.js';
import { logIn } from './helpers.js';

let own: Server;
let endpoint: string;
let listener: ((req: never, res: never) => void) | undefined;
const verified: { id: number; storeHash: string }[] = [];
let emulator: Emulator;

beforeAll(async () => {
  // Listening first, to know the endpoint; configured once the emulator has said what it needs.
  own = createServer((req, res) => {
    if (listener) listener(req as never, res as never);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(own.address() as AddressInfo).port}/api/current-customer`;
  emulator = await startEmulator({ endpoint, clientSecret: 'own-backend-secret-1' });
  const env = Object.fromEntries(backendEnvironment(emulator, true));
  listener = toNodeListener(
    createCurrentCustomerHandler({
      clientId: env.CLIENT_ID as string,
      clientSecret: env.CLIENT_SECRET as string,
      storeHash: env.STORE_HASH as string,
      allowedOrigins: [env.ALLOWED_ORIGINS as string],
      onCustomer: ({ customer, storeHash }) => {
        verified.push({ id: customer.id, storeHash });
        return { mine: true, id: customer.id };
      },
    }),
  ) as never;
});
afterAll(async () => {
  await emulator?.close();
  own.closeAllConnections();
  await new Promise<void>((resolve) => own.close(() => resolve()));
});

describe('--endpoint: your own backend', () => {
  it('prints what the backend needs: client id, secret (when asked), store hash, storefront origin', () => {
    expect(backendEnvironment(emulator, true)).toEqual([
      ['CLIENT_ID', emulator.clientId],
      ['CLIENT_SECRET', 'own-backend-secret-1'],
      ['STORE_HASH', 'dev123'],
      ['ALLOWED_ORIGINS', new URL(emulator.storefrontUrl).origin],
    ]);
    expect(backendEnvironment(emulator, false).map(([name]) => name)).not.toContain(
      'CLIENT_SECRET',
    );
  });

  it('prints the names the examples read: pasted into their shell, every example of examples/ starts', () => {
    const printed = new Set(backendEnvironment(emulator, true).map(([name]) => name));
    // What the examples read besides: the port, and the recently purchased app's store API account.
    const ownSettings = new Set(['PORT', 'STORE_API_TOKEN', 'STORE_API_BASE']);
    const read = new Map<string, string>();
    for (const file of readdirSync('examples', { recursive: true, encoding: 'utf8' })) {
      if (file.includes('node_modules') || !/\.(js|ts|toml)$/.test(file) || /\.test\./.test(file))
        continue;
      const path = `examples/${file}`;
      for (const [, name] of readFileSync(path, 'utf8').matchAll(
        /(?:env\.|Deno\.env\.get\('|env\(')([A-Z][A-Z_]+)/g,
      ))
        if (!ownSettings.has(name as string)) read.set(name as string, path);
    }
    expect(read.size).toBeGreaterThanOrEqual(4);
    for (const [name, path] of read) expect(printed, `${path} reads ${name}`).toContain(name);
  });

  it('starts no demo backend', () => {
    expect(emulator.demoBackendUrl).toBeUndefined();
    expect(emulator.backendUrl).toBe(endpoint);
  });

  it('points the rendered configuration and the CSP connect-src at the endpoint', async () => {
    const cookie = await logIn(emulator.storefrontUrl, 5012);
    const page = await fetch(emulator.storefrontUrl, { headers: { cookie } });
    expect(page.headers.get('content-security-policy')).toContain(
      `connect-src 'self' ${new URL(endpoint).origin};`,
    );
    const html = await page.text();
    const config =
      /<script type="application\/json" data-current-customer>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(config ?? 'null')).toMatchObject({ endpoint });
    expect(html).toContain(`${endpoint} (yours)`);
  });

  it("the backend configured from that environment verifies the storefront's token", async () => {
    const cookie = await logIn(emulator.storefrontUrl, 5012);
    const jwtUrl = new URL(
      `/customer/current.jwt?app_client_id=${emulator.clientId}`,
      emulator.storefrontUrl,
    );
    const jwt = await (await fetch(jwtUrl, { headers: { cookie } })).text();
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: emulator.storefrontOrigin },
      body: JSON.stringify({ token: jwt }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(emulator.storefrontOrigin);
    expect(await response.json()).toEqual({ mine: true, id: 5012 });
    expect(verified.at(-1)).toEqual({ id: 5012, storeHash: 'dev123' });
    // The emulator saw none of it.
    expect(emulator.stats.backend.requests).toBe(0);
  });

  it('starts the demo backend too with demoBackend, without pointing the pages at it', async () => {
    const both = await startEmulator({ endpoint, demoBackend: true });
    try {
      expect(both.backendUrl).toBe(endpoint);
      expect(both.demoBackendUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/current-customer$/);
      expect((await fetch(both.demoBackendUrl as string, { method: 'POST' })).status).toBe(415);
    } finally {
      await both.close();
    }
  });

  it('refuses backend faults, which could not act on your backend', async () => {
    await expect(startEmulator({ endpoint, faults: { backend: { kind: '401' } } })).rejects.toThrow(
      /--backend-fault needs the demo backend/,
    );
    await expect(emulator.setFault('backend', { kind: 'down' })).rejects.toThrow(
      /backend faults act on the demo backend/,
    );
  });
});
