// The driver layer itself, in each engine: what the scenario tests rely on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { describeEngines, waitFor } from './index.js';

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "script-src 'nonce-abc'",
      'set-cookie': 'session=s1; HttpOnly; Path=/',
    });
    res.end(`<!doctype html><html><head><title>${path}</title>
<script nonce="abc">window.sawInit = typeof window.initRan; console.info('page ' + location.pathname);</script>
</head><body><a id="next" href="/next">next</a></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describeEngines('the driver layer', (engine) => {
  engine.it(
    'evaluates, navigates, goes back, logs, reads cookies; init scripts run first',
    async () => {
      const context = await engine.context();
      await context.addInitScript('window.initRan = true;');
      await context.addInitScript(() => {
        (window as { initFunctionRan?: boolean }).initFunctionRan = true;
      });
      const tab = await engine.tab(context);
      await tab.goto(`${origin}/first`);
      expect(await tab.evaluate(() => (window as { sawInit?: string }).sawInit)).toBe('boolean');
      expect(
        await tab.evaluate(() => (window as { initFunctionRan?: boolean }).initFunctionRan),
      ).toBe(true);
      expect(await tab.evaluate((n: number) => Promise.resolve(n + 1), 41)).toBe(42);
      expect(await tab.evaluate(() => undefined)).toBeUndefined();
      await tab.goto(`${origin}/second`);
      await tab.back();
      expect(await tab.evaluate(() => location.pathname)).toBe('/first');
      expect(await tab.log()).toContain('info: page /first');
      expect(await tab.cookies()).toEqual([{ name: 'session', value: 's1' }]);
      await expect(tab.evaluate(() => Promise.reject(new Error('boom')))).rejects.toThrow(/boom/);
    },
  );

  engine.it('tabs of a context share a BroadcastChannel; contexts share nothing', async () => {
    const context = await engine.context();
    const [a, b] = [await engine.tab(context), await engine.tab(context)];
    const other = await engine.tab();
    for (const tab of [a, b, other]) {
      await tab.goto(`${origin}/tab`);
      await tab.evaluate(() => {
        const w = window as { heard?: string[] };
        w.heard = [];
        new BroadcastChannel('e2e').onmessage = (event) => w.heard?.push(event.data);
      });
    }
    await a.evaluate(() => new BroadcastChannel('e2e').postMessage('hello'));
    const heard = () => b.evaluate(() => (window as { heard?: string[] }).heard);
    await waitFor(async () => (await heard())?.length === 1, 'tab B to hear tab A');
    expect(await other.evaluate(() => (window as { heard?: string[] }).heard)).toEqual([]);
    expect(await other.cookies()).toEqual([{ name: 'session', value: 's1' }]);
  });
});
