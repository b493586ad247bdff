// The whole flow in real Chromium: the emulator's storefront renders the package's partial, the drop-in
// module fetches the token and posts it to the demo backend built with the package's handler. Every
// scenario asserts what the servers saw (the emulator's counters), not only what the page shows.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/dev/emulator.js';
import { install } from '../../src/theme/installer.js';
import { CORNERSTONE, skipCornerstone } from '../theme/helpers/cornerstone.js';
import {
  describeBrowser,
  openPage,
  postFromPage,
  type TestPage,
  useBrowser,
  waitFor,
} from './browser.js';

let emulator: Emulator | undefined;
const pages: TestPage[] = [];

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ port: 0, backendPort: 0, ...options });
  return emulator;
}

afterEach(async () => {
  for (const { context } of pages.splice(0)) await context.close().catch(() => {});
  await emulator?.close();
  emulator = undefined;
});

const panelState = (t: TestPage) => t.page.getAttribute('#current-customer-emulator', 'data-state');

/**
 * Signs the page's context in as a demo customer and lands on `path`. The emulator signs in on a POST only
 * (a GET opens its login page); the context's request shares the page's cookie jar.
 */
async function logIn(
  t: TestPage,
  emu: Emulator,
  path = '/',
): Promise<Awaited<ReturnType<TestPage['page']['goto']>>> {
  await t.context.request.post(new URL('/login', emu.storefrontUrl).href, { maxRedirects: 0 });
  return t.page.goto(new URL(path, emu.storefrontUrl).href);
}

describeBrowser('Current Customer in Chromium', () => {
  const browser = useBrowser();

  async function open(): Promise<TestPage> {
    const t = await openPage(browser());
    pages.push(t);
    return t;
  }

  it('1. a logged-in customer: one current.jwt request, one POST, verified; the panel shows the customer', async () => {
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
    // Another origin: the browser asked first.
    expect(emu.stats.backend.preflights).toBeGreaterThanOrEqual(1);

    const panel = t.page.locator('#current-customer-emulator');
    await expect(panel.locator('[data-field="customer"]').textContent()).resolves.toContain(
      'jane.doe@example.com',
    );
    const answer = JSON.parse(
      (await panel.locator('[data-field="answer"]').textContent()) ?? 'null',
    ) as { customer: { id: number }; recentlyPurchased: unknown[] };
    expect(answer.customer.id).toBe(4927);
    expect(answer.recentlyPurchased).toHaveLength(3);
    const claims = JSON.parse(
      (await panel.locator('[data-field="claims"]').textContent()) ?? 'null',
    ) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: emu.clientId, operation: 'current_customer' });
    expect(t.pageErrors).toEqual([]);
    // The token itself never reaches the page's DOM or console.
    const html = await t.page.content();
    expect(html).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(t.console.join('\n')).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });

  it('2. a guest: no configuration and no script in the markup; no current.jwt request, no POST', async () => {
    const emu = await start();
    const t = await open();
    const response = await t.page.goto(emu.storefrontUrl, { waitUntil: 'load' });
    const html = (await response?.text()) ?? '';
    expect(html).toContain('data-log-in');
    expect(html).not.toContain('data-current-customer');
    expect(html).not.toContain('current-customer.min.js');
    expect(await t.page.evaluate(() => 'StencilCurrentCustomer' in window)).toBe(false);
    expect(await panelState(t)).toBe('guest');
    // A round trip to the storefront after the page settled: anything the page sent has arrived.
    await t.page.evaluate(() => fetch('/__emulator/stats').then((r) => r.json()));
    expect(emu.stats.storefront.pages).toBe(1);
    expect(emu.stats.storefront.tokenRequests).toBe(0);
    expect(emu.stats.backend.requests).toBe(0);
  });

  it('3. a 3-second token: refreshed after expiry, fetched and posted again, and not before', async () => {
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
    expect(t.pageErrors).toEqual([]);
  });

  it('4. ten concurrent getToken() calls from page script: one storefront request', async () => {
    const emu = await start();
    const t = await open();
    await logIn(t, emu);
    await waitFor(() => emu.stats.backend.verified >= 1, 'the first verified POST');
    expect(emu.stats.storefront.tokenRequests).toBe(1);

    const result = await t.page.evaluate(
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
        return { count: tokens.length, distinct: new Set(tokens).size, ok: tokens.every(Boolean) };
      },
      { appClientId: emu.clientId, endpoint: emu.backendUrl },
    );
    expect(result).toEqual({ count: 10, distinct: 1, ok: true });
    // One more request than the booted client's: the ten callers shared it.
    expect(emu.stats.storefront.tokenRequests).toBe(2);
  });

  it('5. logged out in a second tab: the next refresh gets 404, emits guest, posts nothing more', async () => {
    const emu = await start({ tokenTtl: 4 });
    const first = await open();
    await logIn(first, emu);
    await waitFor(() => emu.stats.backend.verified >= 1, 'the first verified POST');
    // Listening before the log-out, so the event cannot be missed.
    await first.page.evaluate(() => {
      (window as unknown as { guest: Promise<string> }).guest = new Promise<string>((resolve) =>
        document.addEventListener(
          'current-customer:guest',
          (event) => resolve((event as CustomEvent<{ appClientId: string }>).detail.appClientId),
          { once: true },
        ),
      );
    });

    const second = await openPage(browser(), first.context);
    pages.push(second);
    await second.context.request.post(new URL('/logout', emu.storefrontUrl).href, {
      maxRedirects: 0,
    });
    await second.page.goto(emu.storefrontUrl);
    expect(await second.page.locator('[data-log-in]').count()).toBe(1);
    await first.page.bringToFront();
    const postsAtLogout = emu.stats.backend.posts;

    expect(
      await first.page.evaluate(() => (window as unknown as { guest: Promise<string> }).guest),
    ).toBe(emu.clientId);
    const last = emu.stats.storefront.tokenLog.at(-1);
    expect(last?.status).toBe(404);
    await waitFor(async () => (await panelState(first)) === 'guest', 'the panel to show "guest"');

    // A whole token lifetime later, still nothing: no retry, no POST.
    const requests = emu.stats.storefront.tokenRequests;
    await first.page.waitForTimeout(4_000);
    expect(emu.stats.storefront.tokenRequests).toBe(requests);
    expect(emu.stats.backend.posts).toBe(postsAtLogout);
    expect(first.pageErrors).toEqual([]);
  });

  it('6. backend down, then answering 500: bounded retries with backoff, an error event, a usable page', async () => {
    const emu = await start();
    await emu.setBackendMode('down');
    const t = await open();
    const failedPosts: number[] = [];
    t.page.on('requestfailed', (request) => {
      if (request.url() === emu.backendUrl && request.method() === 'POST')
        failedPosts.push(Date.now());
    });
    await t.page.addInitScript(() => {
      // Full jitter at its midpoint: the waits are exactly 0.5, 1 and 2 s, so the test can bound them below.
      Math.random = () => 0.5;
      (window as unknown as { firstError: Promise<string> }).firstError = new Promise<string>(
        (resolve) =>
          document.addEventListener(
            'current-customer:error',
            (event) =>
              resolve((event as CustomEvent<{ error: { code: string } }>).detail.error.code),
            { once: true },
          ),
      );
    });
    await logIn(t, emu);
    const downError = await t.page.evaluate(
      () => (window as unknown as { firstError: Promise<string> }).firstError,
    );
    expect(downError).toBe('network');
    // Playwright reports failures on its own channel: let the last one arrive.
    await waitFor(() => failedPosts.length >= 4, 'four failed POSTs');
    expect(failedPosts).toHaveLength(4);
    // Backoff between the four attempts: 0.5 + 1 + 2 = 3.5 s with the jitter at its midpoint (a backoff
    // of 0 would take a few milliseconds), and bounded above by the caps of 1, 2 and 4 s.
    expect((failedPosts[3] ?? 0) - (failedPosts[0] ?? 0)).toBeGreaterThanOrEqual(3_500 - 100);
    expect((failedPosts[3] ?? 0) - (failedPosts[0] ?? 0)).toBeLessThan(7_000 + 1_000);
    expect(emu.stats.storefront.tokenRequests).toBe(1);
    expect(emu.stats.backend.requests).toBe(0);

    await emu.setBackendMode('fail');
    const code = await postFromPage(t.page, emu.clientId);
    expect(code).toBe('backend_http_500');
    expect(emu.stats.backend.posts).toBe(4);
    expect(emu.stats.backend.failed).toBe(4);
    const posts = emu.stats.backend.log.filter((entry) => entry.method === 'POST');
    expect(posts.map((entry) => entry.status)).toEqual([500, 500, 500, 500]);
    expect((posts[3]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(3_500 - 100);
    expect((posts[3]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeLessThan(7_000 + 1_000);
    // The token was still valid: the POST retries did not fetch another.
    expect(emu.stats.storefront.tokenRequests).toBe(1);
    await waitFor(async () => (await panelState(t)) === 'error', 'the panel to show "error"');

    // The page is still usable and nothing was thrown at it.
    await t.page.locator('a[href="/about"]').first().click();
    await t.page.waitForURL('**/about');
    expect(t.pageErrors).toEqual([]);
    expect(t.console.filter((line) => /uncaught/i.test(line))).toEqual([]);
  }, 60_000);

  it('7. a CSP nonce: the module runs with it; a script tag without it is blocked', async () => {
    const withNonce = await start();
    const t = await open();
    const response = await logIn(t, withNonce);
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(csp).toContain(`connect-src 'self' ${new URL(withNonce.backendUrl).origin}`);
    await waitFor(() => withNonce.stats.backend.verified >= 1, 'a verified POST under the CSP');
    expect(t.console.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
    await withNonce.close();

    const without = await start({ themeNonce: false });
    const u = await open();
    await u.page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(event.blockedURI));
    });
    await logIn(u, without);
    const html = await u.page.content();
    expect(html).toContain('current-customer.min.js');
    await waitFor(
      async () =>
        (
          await u.page.evaluate(
            () => (window as unknown as { cspViolations: string[] }).cspViolations,
          )
        ).some((uri) => uri.endsWith('/assets/current-customer/current-customer.min.js')),
      'a CSP violation for the drop-in script',
    );
    expect(await u.page.evaluate(() => 'StencilCurrentCustomer' in window)).toBe(false);
    await u.page.evaluate(() => fetch('/__emulator/stats').then((r) => r.json()));
    expect(without.stats.storefront.tokenRequests).toBe(0);
    expect(without.stats.backend.requests).toBe(0);
  });

  it('8. a Cornerstone 6.21.0 base layout, installed with the package installer, rendered with --theme', async (test) => {
    // The real Cornerstone 6.21.0: skipped without it (see test/theme/helpers/cornerstone.ts).
    if (CORNERSTONE === undefined || skipCornerstone()) return test.skip();
    const fixture = CORNERSTONE;
    expect(existsSync(join(fixture, 'config.json')), `the Cornerstone fixture at ${fixture}`).toBe(
      true,
    );
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

      const guest = await open();
      const guestHtml = (await (await guest.page.goto(emu.storefrontUrl))?.text()) ?? '';
      expect(guestHtml).toContain('class="navUser"');
      expect(guestHtml).not.toContain('data-current-customer');
      expect(guestHtml).not.toContain('current-customer.min.js');

      const t = await open();
      await logIn(t, emu);
      await waitFor(() => emu.stats.backend.verified >= 1, 'a verified POST from Cornerstone');
      const html = await t.page.content();
      expect(html).toContain('class="navUser"');
      const nonce = await t.page.evaluate(
        () =>
          document.querySelector<HTMLScriptElement>('script[src$="current-customer.min.js"]')
            ?.nonce,
      );
      expect(nonce).toBeTruthy();
      expect(await t.page.locator('script[src$="current-customer.min.js"]').count()).toBe(1);
      await waitFor(async () => (await panelState(t)) === 'cached', 'the panel to show "cached"');
      expect(emu.stats.storefront.tokenRequests).toBe(1);
      expect(emu.stats.backend.posts).toBe(1);
      expect(emu.stats.backend.customers).toEqual([4927]);
      expect(t.pageErrors).toEqual([]);
    } finally {
      rmSync(theme, { recursive: true, force: true });
    }
  });
});
