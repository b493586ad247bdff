// The emulator as an app developer uses it, in Chromium, Firefox and WebKit: pointed at their own backend (`--endpoint`),
// switching demo customers in two tabs, every injected fault against the browser module's documented
// behaviour, a template edit picked up on the next load, and a theme without the drop-in file.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, expect } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/dev/emulator.js';
import { DROP_IN_FILE, packageRoot } from '../../src/paths.js';
import { createCurrentCustomerHandler, toNodeListener } from '../../src/server/index.js';
import { type TempTheme, tempTheme } from '../dev/helpers.js';
import { clickToNavigate, count, select, text } from './drivers/dom.js';
import { type Context, describeEngines, sleep, type Tab, waitFor } from './drivers/index.js';
import { postFromPage } from './page.js';

let emulator: Emulator | undefined;
let theme: TempTheme | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ port: 0, backendPort: 0, ...options });
  return emulator;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await emulator?.close();
  emulator = undefined;
  theme?.remove();
  theme = undefined;
});

/** What the page's document heard from the module, recorded from before its first script runs. */
interface Heard {
  type: string;
  code?: string;
  customerId?: number;
  /** For `changed`: the customer now logged in, or null. */
  to?: number | null;
  at: number;
}

/** Records the module's events (`window.heard`) and CSP violations, from before the page's first script. */
async function recordEvents(context: Context): Promise<void> {
  await context.addInitScript(`(() => {
    const heard = [];
    window.heard = heard;
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.blockedURI));
    for (const type of ['token', 'response', 'guest', 'error', 'changed']) {
      document.addEventListener('current-customer:' + type, (event) => {
        const detail = event.detail || {};
        const customer = (detail.claims && detail.claims.customer && detail.claims.customer.id) ??
          (detail.data && detail.data.customer && detail.data.customer.id) ?? (detail.data && detail.data.id);
        heard.push({ type, code: detail.error && detail.error.code, customerId: customer, to: detail.to, at: Date.now() });
      });
    }
  })();`);
}

const heard = (t: Tab): Promise<Heard[]> =>
  t.evaluate(() => (window as unknown as { heard: Heard[] }).heard);

const cspViolations = (t: Tab): Promise<string[]> =>
  t.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

const pageErrors = async (t: Tab) =>
  (await t.log()).filter((line) => line.startsWith('pageerror:'));

async function firstError(t: Tab, timeoutMs = 15_000): Promise<string | undefined> {
  let code: string | undefined;
  await waitFor(
    async () => {
      code = (await heard(t)).find((e) => e.type === 'error')?.code;
      return code !== undefined;
    },
    'an error event',
    timeoutMs,
  );
  return code;
}

/** Milliseconds between consecutive entries. */
const gaps = (times: number[]): number[] =>
  times.slice(1).map((at, i) => at - (times[i] as number));

describeEngines('The emulator', (engine) => {
  async function open(): Promise<Tab> {
    const context = await engine.context();
    await recordEvents(context);
    return context.newTab();
  }

  /** Opens `path` as a guest and logs in with the panel's button (a POST), landing back on `path`. */
  const logIn = async (t: Tab, storefrontUrl: string, customer = 4927, path = '/') => {
    await t.goto(new URL(path, storefrontUrl).href);
    await clickToNavigate(t, `[data-panel-log-in="${customer}"]`);
    expect(await t.evaluate(() => location.pathname)).toBe(path);
  };

  engine.it(
    '--endpoint: your backend, configured from the printed environment, receives and verifies the token',
    async () => {
      // The developer's backend: listening first (its URL goes to --endpoint), configured from the output.
      const verified: { id: number; storeHash: string }[] = [];
      let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
      const own: Server = createServer((req, res) => {
        if (listener) listener(req, res);
        else res.writeHead(503).end();
      });
      await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            own.closeAllConnections();
            own.close(() => resolve());
          }),
      );
      const endpoint = `http://127.0.0.1:${(own.address() as AddressInfo).port}/api/current-customer`;

      const cli = join(packageRoot(), 'dist', 'cli.js');
      const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
        process.execPath,
        [cli, 'dev', '--port', '0', '--endpoint', endpoint],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          // The secret from the environment, as the docs say: a flag would show in `ps`.
          env: { ...process.env, CURRENT_CUSTOMER_CLIENT_SECRET: 'e2e-own-secret-1' },
        },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      cleanups.push(async () => {
        child.kill('SIGINT');
        await exited;
      });
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
      });
      await waitFor(() => out.includes('press Ctrl-C'), 'the emulator to start', 15_000);
      const env = Object.fromEntries(
        [...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
      );
      listener = toNodeListener(
        createCurrentCustomerHandler({
          clientId: env.CLIENT_ID as string,
          clientSecret: env.CLIENT_SECRET as string,
          storeHash: env.STORE_HASH as string,
          allowedOrigins: [env.ALLOWED_ORIGINS as string],
          onCustomer: ({ customer, storeHash }) => {
            verified.push({ id: customer.id, storeHash });
            return { hello: customer.email };
          },
        }),
      ) as typeof listener;
      const storefront = /^storefront:\s+(\S+)$/m.exec(out)?.[1] as string;

      const t = await open();
      await logIn(t, storefront, 5012);
      await waitFor(() => verified.length >= 1, 'your backend to verify a token');
      expect(verified).toEqual([{ id: 5012, storeHash: env.STORE_HASH }]);
      await waitFor(
        async () => (await heard(t)).some((e) => e.type === 'response'),
        'the response event',
      );
      const answer = await text(t, '#current-customer-emulator [data-field="answer"]');
      expect(JSON.parse(answer ?? 'null')).toEqual({ hello: 'sam.rivera@example.com' });
      expect(await pageErrors(t)).toEqual([]);
      // The CSP let the page reach your backend and nothing else was needed.
      expect(await cspViolations(t)).toEqual([]);
    },
  );

  engine.it(
    "switching customers in two tabs: the first tab, drawn for Jane, hears `changed` and never takes Sam's identity",
    async () => {
      const emu = await start({ tokenTtl: 3 });
      const context = await engine.context();
      await recordEvents(context);
      const first = await context.newTab();
      await logIn(first, emu.storefrontUrl, 4927);
      await waitFor(() => emu.stats.backend.verified >= 1, 'the first verified POST');

      const second = await context.newTab();
      await second.goto(new URL('/about', emu.storefrontUrl).href);
      // The panel's switch button: a new session for Sam in the shared cookie jar.
      await clickToNavigate(second, '[data-panel-log-in="5012"]');
      expect(await second.evaluate(() => location.pathname)).toBe('/about');
      expect(await text(second, '[data-signed-in]')).toContain('Sam Rivera');
      await waitFor(
        async () =>
          (await heard(second)).some((e) => e.type === 'response' && e.customerId === 5012),
        "the second tab's answer for Sam",
        10_000,
      );
      await first.bringToFront();

      // The first tab's page was drawn for Jane: it is told of the switch and goes quiet.
      await waitFor(
        async () => (await heard(first)).some((e) => e.type === 'changed' && e.to === 5012),
        "the first tab's changed event",
        10_000,
      );
      const events = await heard(first);
      // Jane's tokens only (a slower engine may have refreshed hers before the switch).
      const tokens = events.filter((e) => e.type === 'token').map((e) => e.customerId);
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      expect(tokens.every((id) => id === 4927)).toBe(true);
      expect(events.some((e) => e.type === 'response' && e.customerId === 5012)).toBe(false);
      expect(emu.stats.backend.customers).toContain(4927);
      expect(emu.stats.backend.customers).toContain(5012);
      // Once Sam is posted, Jane is never posted again from either tab.
      const samFirst = emu.stats.backend.customers.indexOf(5012);
      await sleep(4_000); // longer than a token lifetime
      expect(emu.stats.backend.customers.slice(samFirst)).not.toContain(4927);

      // And log out from the second tab, on any page: it is a guest page now.
      await clickToNavigate(second, '[data-panel-log-out]');
      expect(await second.evaluate(() => location.pathname)).toBe('/about');
      expect(await count(second, 'script[data-current-customer]')).toBe(0);
      expect(await pageErrors(first)).toEqual([]);
      expect(await pageErrors(second)).toEqual([]);
    },
  );

  engine.it(
    'current.jwt 500: four attempts with backoff, then error storefront_http_500, no POST',
    async () => {
      const emu = await start({ faults: { storefront: { kind: '500' } } });
      const t = await open();
      await logIn(t, emu.storefrontUrl);
      expect(await firstError(t)).toBe('storefront_http_500');
      const log = emu.stats.storefront.tokenLog;
      expect(log.map((e) => e.status)).toEqual([500, 500, 500, 500]);
      expect((log[3]?.at ?? 0) - (log[0]?.at ?? 0)).toBeLessThan(7_000 + 1_000);
      expect(emu.stats.backend.requests).toBe(0);
      expect(await pageErrors(t)).toEqual([]);
    },
    { timeout: 30_000 },
  );

  engine.it(
    'current.jwt 429 with Retry-After: 2: waits as told between four attempts, then storefront_http_429',
    async () => {
      const emu = await start({ faults: { storefront: { kind: '429', seconds: 2 } } });
      const t = await open();
      await logIn(t, emu.storefrontUrl);
      expect(await firstError(t)).toBe('storefront_http_429');
      const log = emu.stats.storefront.tokenLog;
      expect(log.map((e) => e.status)).toEqual([429, 429, 429, 429]);
      // Jitter alone would wait below 1 s before the second attempt: Retry-After was obeyed.
      for (const gap of gaps(log.map((e) => e.at))) expect(gap).toBeGreaterThanOrEqual(1_900);
      expect(emu.stats.backend.requests).toBe(0);
    },
    { timeout: 30_000 },
  );

  engine.it(
    'current.jwt 200 with an HTML login page (set from the panel): token_malformed, one request, no POST',
    async () => {
      const emu = await start();
      const t = await open();
      await t.goto(emu.storefrontUrl);
      await select(t, 'select[data-panel-fault="storefront"]', 'html');
      await clickToNavigate(t, '[data-panel-faults] button[type="submit"]');
      expect(emu.faults.storefront).toEqual({ kind: 'html' });

      await logIn(t, emu.storefrontUrl);
      expect(await firstError(t)).toBe('token_malformed');
      expect(emu.stats.storefront.tokenLog.map((e) => e.status)).toEqual([200]);
      expect(emu.stats.storefront.tokensIssued).toBe(0);
      expect(emu.stats.backend.requests).toBe(0);
      expect(await text(t, '[data-field="faults"]')).toContain('html');
      expect(await pageErrors(t)).toEqual([]);
    },
  );

  engine.it('current.jwt 302 to the login page: followed, token_malformed, no POST', async () => {
    const emu = await start({ faults: { storefront: { kind: '302' } } });
    const t = await open();
    await logIn(t, emu.storefrontUrl);
    expect(await firstError(t)).toBe('token_malformed');
    expect(emu.stats.storefront.tokenLog.map((e) => e.status)).toEqual([302]);
    expect(emu.stats.storefront.loginPages).toBe(1);
    expect(emu.stats.backend.requests).toBe(0);
    expect(await pageErrors(t)).toEqual([]);
  });

  engine.it(
    'current.jwt slow (2 s): the token arrives late and is verified; slower than timeoutMs, `timeout`',
    async () => {
      const emu = await start({ faults: { storefront: { kind: 'slow', seconds: 2 } } });
      const t = await open();
      const started = Date.now();
      await logIn(t, emu.storefrontUrl);
      await waitFor(() => emu.stats.backend.verified >= 1, 'a verified POST', 15_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(emu.stats.storefront.tokenRequests).toBe(1);
      expect((await heard(t)).filter((e) => e.type === 'error')).toEqual([]);

      // Slower than a client's timeoutMs: four attempts, each cut short, then `timeout`.
      const code = await t.evaluate(
        async ({ appClientId, endpoint }) => {
          const api = (
            window as unknown as {
              StencilCurrentCustomer: {
                createCurrentCustomer(o: object): { getToken(): Promise<string | null> };
              };
            }
          ).StencilCurrentCustomer;
          const client = api.createCurrentCustomer({
            appClientId,
            endpoint,
            autoRefresh: false,
            timeoutMs: 500,
          });
          return client.getToken().then(
            () => 'token',
            (error: { code?: string }) => error.code ?? 'unknown',
          );
        },
        { appClientId: emu.clientId, endpoint: emu.backendUrl },
      );
      expect(code).toBe('timeout');
      expect(emu.stats.storefront.tokenRequests).toBe(1 + 4);
    },
    { timeout: 30_000 },
  );

  engine.it('backend 401: one fresh token and one more POST, then backend_http_401', async () => {
    const emu = await start({ faults: { backend: { kind: '401' } } });
    const t = await open();
    await logIn(t, emu.storefrontUrl);
    expect(await firstError(t)).toBe('backend_http_401');
    expect(emu.stats.storefront.tokensIssued).toBe(2);
    expect(emu.stats.backend.posts).toBe(2);
    expect(emu.stats.backend.refused).toBe(2);
  });

  engine.it(
    'backend 503 with Retry-After: 2: four POSTs spaced as told, then backend_http_503',
    async () => {
      const emu = await start({ faults: { backend: { kind: '503', seconds: 2 } } });
      const t = await open();
      await logIn(t, emu.storefrontUrl);
      expect(await firstError(t)).toBe('backend_http_503');
      const posts = emu.stats.backend.log.filter((e) => e.method === 'POST');
      expect(posts.map((e) => e.status)).toEqual([503, 503, 503, 503]);
      // The browser could read Retry-After across origins, and waited for it.
      for (const gap of gaps(posts.map((e) => e.at))) expect(gap).toBeGreaterThanOrEqual(1_900);
      // A retried POST asks the storefront first (the customer may have switched during the wait).
      expect(emu.stats.storefront.tokenRequests).toBe(4);
    },
    { timeout: 30_000 },
  );

  engine.it(
    'backend slow (2 s): verified late; backend down: network errors (set from the panel)',
    async () => {
      const emu = await start({ faults: { backend: { kind: 'slow', seconds: 2 } } });
      const t = await open();
      const started = Date.now();
      await logIn(t, emu.storefrontUrl);
      await waitFor(
        async () => (await heard(t)).some((e) => e.type === 'response'),
        'the late response',
        15_000,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(emu.stats.backend.verified).toBe(1);

      await select(t, 'select[data-panel-fault="backend"]', 'down');
      await clickToNavigate(t, '[data-panel-faults] button[type="submit"]');
      expect(emu.faults.backend).toEqual({ kind: 'down' });
      const code = await postFromPage(t, emu.clientId);
      expect(code).toBe('network');
      expect(await pageErrors(t)).toEqual([]);
    },
    { timeout: 40_000 },
  );

  engine.it('an edited template shows on the next load, and the module still runs', async () => {
    theme = tempTheme(true);
    const emu = await start({ theme: theme.dir });
    const t = await open();
    await logIn(t, emu.storefrontUrl);
    await waitFor(() => emu.stats.backend.verified >= 1, 'a verified POST');
    expect(await count(t, '[data-edited]')).toBe(0);

    const home = join(theme.dir, 'templates/pages/home.html');
    writeFileSync(
      home,
      readFileSync(home, 'utf8').replace('<h1>', '<h1><span data-edited>edited</span> '),
    );
    await t.reload();
    expect(await text(t, '[data-edited]')).toBe('edited');
    await waitFor(() => emu.stats.backend.verified >= 2, 'a verified POST after the reload');
    expect(await pageErrors(t)).toEqual([]);
  });

  engine.it(
    'a theme without the drop-in file: the browser gets a 404 for it, and the panel says what to run',
    async () => {
      theme = tempTheme(false);
      const emu = await start({ theme: theme.dir });
      const t = await open();
      await logIn(t, emu.storefrontUrl);
      // The page asks for the drop-in, and that URL answers 404.
      const src = await t.evaluate(
        (file) => document.querySelector<HTMLScriptElement>(`script[src$="/${file}"]`)?.src ?? '',
        DROP_IN_FILE,
      );
      expect(src).toMatch(/^http/);
      expect((await fetch(src)).status).toBe(404);
      expect(await t.evaluate(() => 'StencilCurrentCustomer' in window)).toBe(false);
      expect(await text(t, '[data-panel-warning]')).toContain(
        `npx stencil-current-customer install ${theme.dir}`,
      );
      // The partial's early start asked for the token once, as it does before any drop-in arrives; with no
      // module to take it over, nothing more.
      expect(emu.stats.storefront.tokenRequests).toBe(1);
    },
  );

  /** The package's handler as the developer's own backend, configured with `overrides`; returns its endpoint. */
  async function ownBackend(overrides: {
    clientId?: string;
    allowedOrigins?: string[];
  }): Promise<{ endpoint: string; configure(emu: Emulator): void }> {
    let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const own: Server = createServer((req, res) => {
      if (listener) listener(req, res);
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          own.closeAllConnections();
          own.close(() => resolve());
        }),
    );
    return {
      endpoint: `http://127.0.0.1:${(own.address() as AddressInfo).port}/current-customer`,
      configure(emu) {
        listener = toNodeListener(
          createCurrentCustomerHandler({
            clientId: overrides.clientId ?? emu.clientId,
            clientSecret: emu.clientSecret,
            storeHash: emu.storeHash,
            allowedOrigins: overrides.allowedOrigins ?? [emu.storefrontOrigin],
          }),
        ) as typeof listener;
      },
    };
  }

  const panelField = (t: Tab, name: string) =>
    text(t, `#current-customer-emulator [data-field="${name}"]`);
  const warnings = async (t: Tab) => (await t.log()).filter((line) => line.startsWith('warning: '));

  engine.it(
    '--endpoint whose allowedOrigins lacks the storefront: the panel and the console name the origin to add',
    async () => {
      const own = await ownBackend({ allowedOrigins: ['https://store-abc123.mybigcommerce.com'] });
      const emu = await start({ endpoint: own.endpoint, checkBackend: false });
      own.configure(emu);
      const t = await open();
      await logIn(t, emu.storefrontUrl);
      expect(await firstError(t, 20_000)).toBe('network');
      const fix = `add '${emu.storefrontOrigin}' to allowedOrigins`;
      await waitFor(
        async () => (await panelField(t, 'error'))?.includes(fix) === true,
        'the explanation in the panel',
      );
      expect(await panelField(t, 'error')).toMatch(/^network: /);
      expect(await panelField(t, 'backend-check')).toContain(fix);
      expect((await warnings(t)).some((line) => line.includes(fix))).toBe(true);
      expect(await pageErrors(t)).toEqual([]);
    },
    { timeout: 40_000 },
  );

  engine.it(
    "--endpoint with another client id: the panel shows the backend's error and claim, and the fix",
    async () => {
      const own = await ownBackend({ clientId: 'someone-elses-app' });
      const emu = await start({ endpoint: own.endpoint });
      own.configure(emu);
      const t = await open();
      await logIn(t, emu.storefrontUrl);
      expect(await firstError(t)).toBe('backend_http_401');
      // The claim is named by handlers from 0.2 on; an older one's answer gives the same fix without it.
      const fix = new RegExp(`claim_invalid.*its clientId (must be|is) '${emu.clientId}'`);
      await waitFor(
        async () => fix.test((await panelField(t, 'error')) ?? ''),
        'the refusal explained in the panel',
      );
      expect(await panelField(t, 'error')).toMatch(
        /^backend_http_401: refused the emulator's token: 401 claim_invalid/,
      );
      expect((await warnings(t)).some((line) => fix.test(line))).toBe(true);
      expect(await pageErrors(t)).toEqual([]);
    },
  );

  const NO_RESOLVER_RULES =
    'the driver cannot resolve a foreign host name to this machine (host resolver rules are Chromium’s)';
  engine.it(
    "another site can neither set faults nor log in, and a rebound host name gets 421 (the review's repros)",
    async () => {
      const emu = await start();
      // A browser that resolves evil.test to this machine, as a DNS rebinding attacker arranges.
      const rebinding = await engine.launch({ mapToLoopback: ['evil.test'] });
      const attacker: Server = createServer((req, res) => {
        const target = emu.storefrontUrl;
        const pages: Record<string, string> = {
          '/faults': `<form method="post" action="${target}__emulator/faults"><input name="storefront" value="500"></form><script>document.forms[0].submit()</script>`,
          '/login': `<script>location.href = ${JSON.stringify(`${target}login?customer=4927`)}</script>`,
          '/login-post': `<form method="post" action="${target}login"><input name="customer" value="4927"></form><script>document.forms[0].submit()</script>`,
        };
        res.writeHead(200, { 'content-type': 'text/html' }).end(pages[req.url ?? ''] ?? '');
      });
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
      const evil = `http://evil.test:${(attacker.address() as AddressInfo).port}`;
      const t = await (await rebinding.newContext()).newTab();
      const landsOn = (href: string | RegExp) =>
        waitFor(
          async () => {
            const [at, state] = await t.evaluate(() => [location.href, document.readyState]);
            return (
              (typeof href === 'string' ? at === href : href.test(at ?? '')) && state === 'complete'
            );
          },
          `the tab to land on ${href}`,
          5_000,
        );

      await t.goto(`${evil}/faults`);
      await landsOn(`${emu.storefrontUrl}__emulator/faults`);
      expect(await text(t, 'body')).toContain(
        'refused: POST /__emulator/faults came from another site (Sec-Fetch-Site: cross-site).',
      );
      expect(emu.faults.storefront).toEqual({ kind: 'none' });

      await t.goto(`${evil}/login`);
      await landsOn(/\/login\?customer=4927$/);
      await t.goto(`${evil}/login-post`);
      await landsOn(`${emu.storefrontUrl}login`);
      expect(await text(t, 'body')).toContain('came from another site');
      expect(emu.stats.storefront.logins).toBe(0);
      expect(await t.cookies()).toEqual([]);

      // The storefront under the attacker's name: refused before any page or token.
      const rebound = `http://evil.test:${new URL(emu.storefrontUrl).port}/customer/current.jwt?app_client_id=${emu.clientId}`;
      await t.goto(rebound);
      expect(
        await t.evaluate(
          () =>
            (performance.getEntriesByType('navigation')[0] as { responseStatus?: number })
              ?.responseStatus,
        ),
      ).toBe(421);
      expect(await text(t, 'body')).toMatch(/^refused: Host 'evil\.test:\d+'\./);
      expect(emu.stats.storefront.tokenRequests).toBe(0);
    },
    { skip: { firefox: NO_RESOLVER_RULES, webkit: NO_RESOLVER_RULES } },
  );
});
