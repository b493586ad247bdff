// The whole flow in Chromium, Firefox and WebKit: the emulator's storefront renders the package's partial, the
// drop-in module fetches the token and posts it to the demo backend built with the package's handler. Every
// scenario asserts what the servers saw (the emulator's counters), not only what the page shows.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/dev/emulator.js';
import { install } from '../../src/theme/installer.js';
import { CORNERSTONE, skipCornerstone } from '../theme/helpers/cornerstone.js';
import { attr, clickToNavigate, count, html, JWT, text } from './drivers/dom.js';
import { describeEngines, sleep, type Tab, waitFor } from './drivers/index.js';
import { postFromPage } from './page.js';
import { postSession } from './session.js';

let emulator: Emulator | undefined;

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ port: 0, backendPort: 0, ...options });
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const panelState = (t: Tab) => attr(t, '#current-customer-emulator', 'data-state');

/** Signs the tab's context in as the default demo customer (a POST) and lands on `path`. */
const logIn = (t: Tab, emu: Emulator, path = '/') =>
  postSession(t, emu.storefrontUrl, 'login', { path });

/** The page's markup as the server sends it (a guest: no cookie). */
const served = async (url: string) => (await fetch(url)).text();

/**
 * Records, from before the page's own scripts, every `current-customer:*` event's detail as JSON
 * (`window.heardJson`) and every CSP violation (`window.cspViolations`).
 */
const RECORDER = `(() => {
  window.heardJson = [];
  window.cspViolations = [];
  for (const type of ['token', 'response', 'guest', 'changed', 'error'])
    document.addEventListener('current-customer:' + type, (event) => {
      let json;
      try { json = JSON.stringify(event.detail); } catch (error) { json = String(error); }
      window.heardJson.push(type + ' ' + json);
    });
  document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.blockedURI));
})();`;

const pageErrors = async (t: Tab) =>
  (await t.log()).filter((line) => line.startsWith('pageerror:'));

describeEngines('Current Customer', (engine) => {
  async function open(): Promise<Tab> {
    const context = await engine.context();
    await context.addInitScript(RECORDER);
    return context.newTab();
  }

  engine.it(
    '1. a logged-in customer: one current.jwt request, one POST, verified; the panel shows the customer',
    async () => {
      const emu = await start();
      const t = await open();
      await logIn(t, emu);
      await waitFor(() => emu.stats.backend.verified >= 1, 'the backend to verify a token');
      await waitFor(async () => (await panelState(t)) === 'cached', 'the panel to show "cached"');

      expect(emu.stats.storefront.tokenRequests).toBe(1);
      expect(emu.stats.storefront.tokensIssued).toBe(1);
      expect(emu.stats.backend.posts).toBe(1);
      expect(emu.stats.backend.verified).toBe(1);
      expect(emu.stats.backend.customers).toEqual([4927]);
      // Another origin, but the module's default POST (the token as text/plain) is a CORS simple request.
      expect(emu.stats.backend.preflights).toBe(0);

      const panel = '#current-customer-emulator';
      expect(await text(t, `${panel} [data-field="customer"]`)).toContain('jane.doe@example.com');
      const answer = JSON.parse((await text(t, `${panel} [data-field="answer"]`)) ?? 'null') as {
        customer: { id: number };
        recentlyPurchased: unknown[];
      };
      expect(answer.customer.id).toBe(4927);
      expect(answer.recentlyPurchased).toHaveLength(3);
      const claims = JSON.parse(
        (await text(t, `${panel} [data-field="claims"]`)) ?? 'null',
      ) as Record<string, unknown>;
      expect(claims).toMatchObject({ aud: emu.clientId, operation: 'current_customer' });
      expect(await pageErrors(t)).toEqual([]);
    },
  );

  engine.it(
    "the early start: the partial's inline script asks for the token before the drop-in boots and makes the one POST; the drop-in adds none; a second tab starts nothing",
    async () => {
      const emu = await start();
      const context = await engine.context();
      await context.addInitScript(RECORDER);
      // Every fetch the page makes, with whether the drop-in file had booted by then.
      await context.addInitScript(`(() => {
        window.fetches = [];
        const realFetch = window.fetch;
        window.fetch = function (input, init) {
          window.fetches.push({ url: String(input), method: (init && init.method) || 'GET', booted: 'StencilCurrentCustomer' in window });
          return realFetch.apply(this, arguments);
        };
      })();`);
      interface Fetched {
        url: string;
        method: string;
        booted: boolean;
      }
      const fetches = (tab: Tab) =>
        tab.evaluate(() =>
          (window as unknown as { fetches: Fetched[] }).fetches.filter(
            (call) => !call.url.includes('/__emulator/'),
          ),
        );
      const responses = (tab: Tab) =>
        tab.evaluate(
          () =>
            (window as unknown as { heardJson: string[] }).heardJson.filter((line) =>
              line.startsWith('response '),
            ).length,
        );
      const first = await context.newTab();
      await logIn(first, emu);
      await waitFor(async () => (await responses(first)) === 1, 'the first tab to hear the answer');
      // The token request left before the drop-in booted; the POST leaves when the token arrives, which on
      // 127.0.0.1 may be after the drop-in booted: either way it is the only one.
      expect(await fetches(first)).toEqual([
        {
          url: `/customer/current.jwt?app_client_id=${emu.clientId}`,
          method: 'GET',
          booted: false,
        },
        {
          url: expect.stringContaining('/current-customer'),
          method: 'POST',
          booted: expect.any(Boolean),
        },
      ]);
      expect(emu.stats.storefront.tokenRequests).toBe(1);
      expect(emu.stats.backend.posts).toBe(1);
      expect(emu.stats.backend.verified).toBe(1);

      // The first tab's presence record is live: the second asks it, and nobody else.
      const second = await context.newTab();
      await second.goto(emu.storefrontUrl);
      await waitFor(
        async () => (await responses(second)) === 1,
        'the second tab to hear the answer',
      );
      expect(await fetches(second)).toEqual([]);
      expect(emu.stats.storefront.tokenRequests).toBe(1);
      expect(emu.stats.backend.posts).toBe(1);
      expect(await pageErrors(first)).toEqual([]);
      expect(await pageErrors(second)).toEqual([]);
    },
  );

  engine.it(
    'secrecy: the token is nowhere the page, its storage, cookies, URL, console or events can show',
    async () => {
      const emu = await start({ tokenTtl: 3 });
      const t = await open();
      await logIn(t, emu);
      // Two tokens: the first and a refresh.
      await waitFor(() => emu.stats.backend.verified >= 2, 'two verified POSTs', 15_000);
      await t.evaluate(() => console.info('probe: the console is recorded'));
      const seen = await t.evaluate(() => ({
        href: location.href,
        cookie: document.cookie,
        local: JSON.stringify({ ...localStorage }),
        session: JSON.stringify({ ...sessionStorage }),
        names: Object.getOwnPropertyNames(window).join(' '),
        events: (window as unknown as { heardJson: string[] }).heardJson,
      }));
      const log = await t.log();
      const cookies = await t.cookies();
      // What is searched is really there: events with claims, the console.
      expect(seen.events.some((line) => line.startsWith('token ') && line.includes('4927'))).toBe(
        true,
      );
      expect(log).toContain('info: probe: the console is recorded');
      expect(cookies.length).toBeGreaterThan(0);
      for (const [where, value] of [
        ['DOM', await html(t)],
        ['URL', seen.href],
        ['document.cookie', seen.cookie],
        ['cookies', JSON.stringify(cookies)],
        ['localStorage', seen.local],
        ['sessionStorage', seen.session],
        ['window properties', seen.names],
        ['events', seen.events.join('\n')],
        ['console', log.join('\n')],
      ] as const)
        expect(value, `no token in the ${where}`).not.toMatch(JWT);
    },
  );

  engine.it(
    '2. a guest: no configuration and no script in the markup; no current.jwt request, no POST',
    async () => {
      const emu = await start();
      const markup = await served(emu.storefrontUrl);
      expect(markup).toContain('data-log-in');
      expect(markup).not.toContain('data-current-customer');
      expect(markup).not.toContain('current-customer.min.js');
      const t = await open();
      await t.goto(emu.storefrontUrl);
      expect(await t.evaluate(() => 'StencilCurrentCustomer' in window)).toBe(false);
      expect(await panelState(t)).toBe('guest');
      // A round trip to the storefront after the page settled: anything the page sent has arrived.
      await t.evaluate(() => fetch('/__emulator/stats').then((r) => r.json()));
      expect(emu.stats.storefront.pages).toBe(2);
      expect(emu.stats.storefront.tokenRequests).toBe(0);
      expect(emu.stats.backend.requests).toBe(0);
    },
  );

  engine.it(
    '3. a 3-second token: refreshed after expiry, fetched and posted again, and not before',
    async () => {
      const emu = await start({ tokenTtl: 3 });
      const t = await open();
      await logIn(t, emu);
      await waitFor(() => emu.stats.backend.verified >= 2, 'a second verified POST', 15_000);

      const [first, second] = emu.stats.storefront.tokenLog;
      expect(first?.status).toBe(200);
      expect(second?.status).toBe(200);
      // The module's local expiry for a 3 s token: max(3 - leeway 30, 3 / 2) = 1.5 s after it arrived.
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1500);
      const beforeSecond = emu.stats.backend.log.filter(
        (entry) => entry.method === 'POST' && entry.at < (second?.at ?? 0),
      );
      expect(beforeSecond).toHaveLength(1);
      expect(emu.stats.backend.customers.slice(0, 2)).toEqual([4927, 4927]);
      // A text/plain POST needs no preflight, in any engine.
      console.info(
        `[${engine.name}] ${emu.stats.backend.posts} POSTs, ${emu.stats.backend.preflights} preflights`,
      );
      expect(emu.stats.backend.preflights).toBe(0);
      expect(await pageErrors(t)).toEqual([]);
    },
  );

  engine.it(
    '4. ten concurrent getToken() calls from page script: one storefront request',
    async () => {
      const emu = await start();
      const t = await open();
      await logIn(t, emu);
      await waitFor(() => emu.stats.backend.verified >= 1, 'the first verified POST');
      expect(emu.stats.storefront.tokenRequests).toBe(1);

      const result = await t.evaluate(
        async ({ appClientId, endpoint }) => {
          const api = (
            window as unknown as {
              StencilCurrentCustomer: {
                createCurrentCustomer(o: object): { getToken(): Promise<string | null> };
              };
            }
          ).StencilCurrentCustomer;
          const client = api.createCurrentCustomer({ appClientId, endpoint, autoRefresh: false });
          const tokens = await Promise.all(Array.from({ length: 10 }, () => client.getToken()));
          return {
            count: tokens.length,
            distinct: new Set(tokens).size,
            ok: tokens.every(Boolean),
          };
        },
        { appClientId: emu.clientId, endpoint: emu.backendUrl },
      );
      expect(result).toEqual({ count: 10, distinct: 1, ok: true });
      // One more request than the booted client's: the ten callers shared it.
      expect(emu.stats.storefront.tokenRequests).toBe(2);
    },
  );

  engine.it(
    '5. logged out in a second tab: the next refresh gets 404, emits guest, posts nothing more',
    async () => {
      const emu = await start({ tokenTtl: 4 });
      const context = await engine.context();
      await context.addInitScript(RECORDER);
      const first = await context.newTab();
      await logIn(first, emu);
      await waitFor(() => emu.stats.backend.verified >= 1, 'the first verified POST');

      const second = await context.newTab();
      await postSession(second, emu.storefrontUrl, 'logout');
      expect(await count(second, '[data-log-in]')).toBe(1);
      await first.bringToFront();
      const postsAtLogout = emu.stats.backend.posts;

      await waitFor(
        async () =>
          (
            await first.evaluate(() => (window as unknown as { heardJson: string[] }).heardJson)
          ).some((line) => line.startsWith('guest ') && line.includes(emu?.clientId ?? '?')),
        'the guest event in the first tab',
      );
      const last = emu.stats.storefront.tokenLog.at(-1);
      expect(last?.status).toBe(404);
      await waitFor(async () => (await panelState(first)) === 'guest', 'the panel to show "guest"');

      // A whole token lifetime later, still nothing: no retry, no POST.
      const requests = emu.stats.storefront.tokenRequests;
      await sleep(4_000);
      expect(emu.stats.storefront.tokenRequests).toBe(requests);
      expect(emu.stats.backend.posts).toBe(postsAtLogout);
      expect(await pageErrors(first)).toEqual([]);
    },
  );

  engine.it(
    '6. backend down, then answering 500: bounded retries with backoff, an error event, a usable page',
    async () => {
      const emu = await start();
      await emu.setBackendMode('down');
      const context = await engine.context();
      await context.addInitScript(RECORDER);
      // Full jitter at its midpoint: the waits are exactly 0.5, 1 and 2 s, so the test can bound them below.
      // And the times of the POSTs that failed, as the page saw them.
      await context.addInitScript(`(() => {
        Math.random = () => 0.5;
        window.failedPosts = [];
        const realFetch = window.fetch;
        window.fetch = function (input, init) {
          const answer = realFetch.apply(this, arguments);
          if (init && init.method === 'POST') answer.catch(() => window.failedPosts.push(Date.now()));
          return answer;
        };
      })();`);
      const t = await context.newTab();
      await logIn(t, emu);
      const errors = () =>
        t.evaluate(() =>
          (window as unknown as { heardJson: string[] }).heardJson.filter((line) =>
            line.startsWith('error '),
          ),
        );
      await waitFor(async () => (await errors()).length >= 1, 'an error event', 15_000);
      expect(await errors()).toEqual([expect.stringContaining('"code":"network"')]);
      const failedPosts = () =>
        t.evaluate(() => (window as unknown as { failedPosts: number[] }).failedPosts);
      await waitFor(async () => (await failedPosts()).length >= 4, 'four failed POSTs');
      const failed = await failedPosts();
      expect(failed).toHaveLength(4);
      // Backoff between the four attempts: 0.5 + 1 + 2 = 3.5 s with the jitter at its midpoint (a backoff
      // of 0 would take a few milliseconds), and bounded above by the caps of 1, 2 and 4 s.
      expect((failed[3] ?? 0) - (failed[0] ?? 0)).toBeGreaterThanOrEqual(3_500 - 100);
      expect((failed[3] ?? 0) - (failed[0] ?? 0)).toBeLessThan(7_000 + 1_000);
      // Each attempt after a wait asks the storefront first (the customer may have switched meanwhile on a
      // page without the module): one storefront request per attempt.
      expect(emu.stats.storefront.tokenRequests).toBe(4);
      expect(emu.stats.backend.requests).toBe(0);

      await emu.setBackendMode('fail');
      const code = await postFromPage(t, emu.clientId);
      expect(code).toBe('backend_http_500');
      expect(emu.stats.backend.posts).toBe(4);
      expect(emu.stats.backend.failed).toBe(4);
      const posts = emu.stats.backend.log.filter((entry) => entry.method === 'POST');
      expect(posts.map((entry) => entry.status)).toEqual([500, 500, 500, 500]);
      expect((posts[3]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(3_500 - 100);
      expect((posts[3]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeLessThan(7_000 + 1_000);
      // Again one storefront request per attempt: the token dropped at the last wait, then one per retry.
      expect(emu.stats.storefront.tokenRequests).toBe(4 + 4);
      await waitFor(async () => (await panelState(t)) === 'error', 'the panel to show "error"');

      // The page is still usable and nothing was thrown at it.
      await clickToNavigate(t, 'a[href="/about"]');
      expect(await t.evaluate(() => location.pathname)).toBe('/about');
      expect(await pageErrors(t)).toEqual([]);
      expect((await t.log()).filter((line) => /uncaught/i.test(line))).toEqual([]);
    },
    { timeout: 60_000 },
  );

  engine.it(
    '7. a CSP nonce: the module runs with it; a script tag without it is blocked',
    async () => {
      const withNonce = await start();
      const csp =
        (await fetch(withNonce.storefrontUrl)).headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'nonce-[^']+'/);
      expect(csp).toContain(`connect-src 'self' ${new URL(withNonce.backendUrl).origin}`);
      const t = await open();
      await logIn(t, withNonce);
      await waitFor(() => withNonce.stats.backend.verified >= 1, 'a verified POST under the CSP');
      expect(
        await t.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
      ).toEqual([]);
      await withNonce.close();

      const without = await start({ themeNonce: false });
      const u = await open();
      await logIn(u, without);
      expect(await html(u)).toContain('current-customer.min.js');
      await waitFor(
        async () =>
          (
            await u.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)
          ).some((uri) => uri.endsWith('/assets/current-customer/current-customer.min.js')),
        'a CSP violation for the drop-in script',
      );
      expect(await u.evaluate(() => 'StencilCurrentCustomer' in window)).toBe(false);
      await u.evaluate(() => fetch('/__emulator/stats').then((r) => r.json()));
      expect(without.stats.storefront.tokenRequests).toBe(0);
      expect(without.stats.backend.requests).toBe(0);
    },
  );

  engine.it(
    '8. a Cornerstone 6.21.0 base layout, installed with the package installer, rendered with --theme',
    async (test) => {
      // The real Cornerstone 6.21.0: skipped without it (see test/theme/helpers/cornerstone.ts).
      if (CORNERSTONE === undefined || skipCornerstone()) return test.skip();
      const fixture = CORNERSTONE;
      expect(
        existsSync(join(fixture, 'config.json')),
        `the Cornerstone fixture at ${fixture}`,
      ).toBe(true);
      const theme = mkdtempSync(join(tmpdir(), 'cornerstone-'));
      try {
        cpSync(fixture, theme, { recursive: true });
        install(theme);
        expect(readFileSync(join(theme, 'templates/layout/base.html'), 'utf8')).toContain(
          '{{> components/current-customer/script}}',
        );

        const emu = await start({ theme });
        expect(emu.theme.name).toBe('Cornerstone');
        expect(emu.theme.warnings).toEqual([]);

        const guestHtml = await served(emu.storefrontUrl);
        expect(guestHtml).toContain('class="navUser"');
        expect(guestHtml).not.toContain('data-current-customer');
        expect(guestHtml).not.toContain('current-customer.min.js');

        const t = await open();
        await logIn(t, emu);
        await waitFor(() => emu.stats.backend.verified >= 1, 'a verified POST from Cornerstone');
        expect(await html(t)).toContain('class="navUser"');
        const nonce = await t.evaluate(
          () =>
            document.querySelector<HTMLScriptElement>('script[src$="current-customer.min.js"]')
              ?.nonce,
        );
        expect(nonce).toBeTruthy();
        expect(await count(t, 'script[src$="current-customer.min.js"]')).toBe(1);
        await waitFor(async () => (await panelState(t)) === 'cached', 'the panel to show "cached"');
        expect(emu.stats.storefront.tokenRequests).toBe(1);
        expect(emu.stats.backend.posts).toBe(1);
        expect(emu.stats.backend.customers).toEqual([4927]);
        expect(await pageErrors(t)).toEqual([]);
      } finally {
        rmSync(theme, { recursive: true, force: true });
      }
    },
  );
});
