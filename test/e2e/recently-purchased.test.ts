// "Recently purchased", end to end in Chromium: the emulator's storefront renders the demo theme's list, the
// drop-in posts the token to the demo backend (the example), which asks the emulated store API; the page
// shows the products as text. A customer without orders sees the empty state, a guest sees nothing and the
// API is never called, a switch in another tab empties the first tab's list before anything else, and an
// outage ends in the page's fallback.
import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { describeBrowser, openPage, type TestPage, useBrowser, waitFor } from './browser.js';

const JANE = 4927;
const SAM = 5012;
const JANE_NEWEST_FIRST = [
  'Tiered Wire Basket',
  'Orbit Terrarium - Large',
  'Able Brewing System',
  'Chemex Coffeemaker 3 Cup',
  'Fog Linen Chambray Towel - Beige Stripe',
];
const EMPTY = 'Nothing yet: the products you buy will show here.';
const UNAVAILABLE = 'Your recent purchases cannot be shown right now.';

let emulator: Emulator | undefined;
const pages: TestPage[] = [];

afterEach(async () => {
  for (const { context } of pages.splice(0)) await context.close().catch(() => {});
  await emulator?.close();
  emulator = undefined;
});

describeBrowser('recently purchased in Chromium', () => {
  const browser = useBrowser();

  async function start(): Promise<Emulator> {
    emulator = await startEmulator({ port: 0, backendPort: 0, panel: false });
    return emulator;
  }

  async function open(context?: TestPage['context']): Promise<TestPage> {
    const t = await openPage(browser(), context);
    pages.push(t);
    // Every state the list and its status go through, from before the page's first script.
    await t.page.addInitScript(() => {
      const seen: { items: string[]; status: string; event?: string }[] = [];
      (window as unknown as { seen: typeof seen }).seen = seen;
      const record = (event?: string) => {
        const section = document.querySelector('[data-recently-purchased]');
        if (!section) return;
        seen.push({
          items: [...section.querySelectorAll('li [data-name]')].map((a) => a.textContent ?? ''),
          status: section.querySelector('[data-recently-purchased-status]')?.textContent ?? '',
          event,
        });
      };
      new MutationObserver(() => record()).observe(document, {
        subtree: true,
        childList: true,
        characterData: true,
      });
      document.addEventListener('current-customer:changed', () => record('changed'));
    });
    return t;
  }

  async function logIn(t: TestPage, emu: Emulator, customer: number, path = '/'): Promise<void> {
    const response = await t.context.request.post(new URL('/login', emu.storefrontUrl).href, {
      form: { customer: String(customer), redirect: path },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(303);
    await t.page.goto(new URL(path, emu.storefrontUrl).href);
  }

  const items = (page: Page) => page.locator('[data-recently-purchased] li [data-name]');
  /** The text of the list's status row (loading, empty, unavailable, changed); '' when there is none. */
  const statusText = async (page: Page) =>
    (await page.locator('[data-recently-purchased-status]').allTextContents()).join('');

  async function waitForItems(page: Page, count: number): Promise<void> {
    await waitFor(async () => (await items(page).count()) === count, `${count} products`, 15_000);
  }

  it('a customer with orders sees their products, newest first, as text with storefront links', async () => {
    const emu = await start();
    const t = await open();
    await logIn(t, emu, JANE);
    await waitForItems(t.page, JANE_NEWEST_FIRST.length);
    expect(await items(t.page).allTextContents()).toEqual(JANE_NEWEST_FIRST);
    const hrefs = await items(t.page).evaluateAll((links) =>
      links.map((a) => (a as HTMLAnchorElement).href),
    );
    expect(hrefs[0]).toBe(`${emu.storefrontOrigin}/tiered-wire-basket/`);
    expect(await statusText(t.page)).toBe('');
    // Each row is the template's markup and nothing else.
    const rows = await t.page
      .locator('[data-recently-purchased] li:not([data-recently-purchased-status])')
      .evaluateAll((lis) => lis.map((li) => li.querySelectorAll('*').length));
    expect(rows).toHaveLength(JANE_NEWEST_FIRST.length);
    expect(rows.every((n) => n === 2)).toBe(true);
    // The list add-on drew it, loaded once, with the page's nonce.
    const addOn = await t.page.evaluate(() =>
      [...document.querySelectorAll('script[src*="current-customer-list.min.js"]')].map(
        (script) => (script as HTMLScriptElement).async && script.hasAttribute('nonce'),
      ),
    );
    expect(addOn).toEqual([true]);
    // Cold: 6 API calls for the first view; the next view is answered from the example's cache.
    expect(emu.stats.storeApi.requests).toBe(6);
    await t.page.reload();
    await waitForItems(t.page, JANE_NEWEST_FIRST.length);
    expect(emu.stats.storeApi.requests).toBe(6);
    expect(t.pageErrors).toEqual([]);
  });

  it('a customer without orders sees the empty state', async () => {
    const emu = await start();
    const t = await open();
    await logIn(t, emu, SAM);
    await waitFor(async () => (await statusText(t.page)) === EMPTY, 'the empty state');
    expect(await items(t.page).count()).toBe(0);
    expect(emu.stats.storeApi.requests).toBe(1);
    expect(t.pageErrors).toEqual([]);
  });

  it('a guest sees nothing, and the store API is never called', async () => {
    const emu = await start();
    const t = await open();
    await t.page.goto(emu.storefrontUrl);
    await t.page.waitForLoadState('load');
    // Whatever the module would do on a guest page, give it the time to do it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await t.page.locator('[data-recently-purchased]').count()).toBe(0);
    expect(emu.stats.storeApi.requests).toBe(0);
    expect(emu.stats.backend.posts).toBe(0);
  });

  it("after a switch in another tab, the first customer's products are gone before anything else, and never shown to the second", async () => {
    const emu = await start();
    const first = await open();
    await logIn(first, emu, JANE);
    await waitForItems(first.page, JANE_NEWEST_FIRST.length);

    // Another tab of the same browser signs in as Sam.
    const second = await open(first.context);
    await logIn(second, emu, SAM);
    await waitFor(
      async () => (await statusText(second.page)) === EMPTY,
      "the second tab's empty state for Sam",
    );
    await first.page.bringToFront();
    await waitFor(
      async () => (await items(first.page).count()) === 0,
      "Jane's products gone from the first tab",
      15_000,
    );
    // Let anything that would follow arrive.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    type Seen = { items: string[]; status: string; event?: string }[];
    const seen = await first.page.evaluate(() => (window as unknown as { seen: Seen }).seen);
    const changedAt = seen.findIndex((s) => s.event === 'changed');
    expect(changedAt).toBeGreaterThan(0);
    // When `changed` reached the document, the list was already empty...
    expect(seen[changedAt]?.items).toEqual([]);
    // ...and from then on no product, Jane's or anyone's, was shown in that tab.
    expect(seen.slice(changedAt).every((s) => s.items.length === 0)).toBe(true);
    expect(await statusText(first.page)).toMatch(/another tab/);
    // The second tab, Sam's, never showed one of Jane's products.
    const secondSeen = await second.page.evaluate(() => (window as unknown as { seen: Seen }).seen);
    expect(secondSeen.every((s) => s.items.length === 0)).toBe(true);
    expect(first.pageErrors).toEqual([]);
    expect(second.pageErrors).toEqual([]);
  }, 45_000);

  it('an API 429 is waited out and answered', async () => {
    const emu = await start();
    emu.setStoreApiFault({ kind: '429', seconds: 2 });
    const t = await open();
    await logIn(t, emu, JANE);
    await waitForItems(t.page, JANE_NEWEST_FIRST.length);
    expect(await items(t.page).allTextContents()).toEqual(JANE_NEWEST_FIRST);
    expect(emu.stats.storeApi.rateLimited).toBeGreaterThan(0);
    expect(emu.stats.backend.log.filter((e) => e.method === 'POST').map((e) => e.status)).toEqual([
      200,
    ]);
  }, 30_000);

  it("a forged token and another store's token, posted from the storefront's page, make 0 API calls", async () => {
    const emu = await start();
    const t = await open();
    await t.page.goto(emu.storefrontUrl);
    const now = Math.floor(Date.now() / 1000);
    const sign = (store: string, secret: string) =>
      new SignJWT({
        customer: { id: JANE, email: 'jane.doe@example.com', group_id: '6' },
        store_hash: store,
        operation: 'current_customer',
        version: 1,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('bc/apps')
        .setSubject(store)
        .setAudience(emu.clientId)
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .sign(new TextEncoder().encode(secret));
    const tokens = [
      await sign(emu.storeHash, 'an-attackers-guess-0123456789'),
      await sign('other1', emu.clientSecret),
    ];
    const statuses = await t.page.evaluate(
      async ([url, list]) =>
        Promise.all(
          (list as string[]).map(async (token) => {
            const response = await fetch(url as string, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ token }),
            });
            return response.status;
          }),
        ),
      [emu.backendUrl, tokens] as const,
    );
    expect(statuses).toEqual([401, 401]);
    expect(emu.stats.backend.refused).toBe(2);
    expect(emu.stats.storeApi.requests).toBe(0);
  });

  it('a store API outage: the backend answers 503, and the page shows its fallback', async () => {
    const emu = await start();
    emu.setStoreApiFault({ kind: '500' });
    const t = await open();
    await logIn(t, emu, JANE);
    await waitFor(async () => (await statusText(t.page)) === UNAVAILABLE, 'the fallback', 30_000);
    expect(await items(t.page).count()).toBe(0);
    expect(emu.stats.backend.failed).toBeGreaterThan(0);
    expect(
      emu.stats.backend.log.filter((e) => e.method === 'POST').every((e) => e.status === 503),
    ).toBe(true);
    expect(t.pageErrors).toEqual([]);
  }, 45_000);
});
