// The early start: the configuration partial's inline script, rendered by BigCommerce's real renderer and run
// by jsdom while it parses the page, then the built drop-in file arriving later and taking over (early.ts).
// The tabs' channel and lock are the in-memory fakes of tabs-fakes.ts; requests go to a scripted fetch that
// answers with real Response objects.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createThemeRenderer, type ThemeRenderer } from '../../src/dev/renderer.js';
import { readTemplates } from '../../src/dev/theme.js';
import { memoryTheme, renderPage } from '../theme/helpers/render.js';
import { tokenAt } from './helpers.js';
import { FakeBroadcastChannel, FakeLocks } from './tabs-fakes.js';

/** The part of jsdom's API used here (jsdom ships no type declarations). */
interface Jsdom {
  JSDOM: new (
    html: string,
    options: {
      url: string;
      runScripts: 'dangerously';
      beforeParse(window: Window & typeof globalThis): void;
    },
  ) => { window: Window & typeof globalThis };
}
const { JSDOM } = (await import('jsdom' as string)) as Jsdom;

const DROP_IN = fileURLToPath(
  new URL('../../assets/current-customer/current-customer.min.js', import.meta.url),
);
const ORIGIN = 'https://store.example.com';
const CLIENT = 'client-a';
const ENDPOINT = 'https://app.example.com/verify';
const CHANNEL = `current-customer:${ORIGIN}:${CLIENT}`;
const SETTINGS = {
  current_customer_enabled: true,
  current_customer_app_client_id: CLIENT,
  current_customer_endpoint: ENDPOINT,
};

let renderer: ThemeRenderer;
beforeAll(async () => {
  if (!existsSync(DROP_IN)) throw new Error(`${DROP_IN} is missing: run \`npm run build\` first`);
  renderer = await createThemeRenderer(
    memoryTheme({
      ...readTemplates(fileURLToPath(new URL('../../templates', import.meta.url))),
      page: '<!DOCTYPE html><html><head></head><body>{{> components/current-customer/script}}</body></html>',
    }),
  );
});

afterEach(() => {
  FakeBroadcastChannel.open.clear();
  FakeBroadcastChannel.sent = [];
});

interface Request {
  url: string;
  body?: string;
  /** Whether the drop-in file had run when the request was made. */
  late: boolean;
}

interface Scenario {
  settings?: Record<string, unknown>;
  /** The customer whose token the storefront gives (null: a guest, 404). */
  loggedIn?: number | null;
  /** Set up the window before the page is parsed (storage, globals). */
  before?(window: Window & typeof globalThis): void;
  /** Without BroadcastChannel and Web Locks. */
  alone?: boolean;
}

/** A logged-in customer's page (customer 4927), parsed by jsdom with its inline scripts run. */
const open = async ({ settings = {}, loggedIn = 4927, before, alone }: Scenario = {}) => {
  const html = await renderPage(renderer, {
    page: 'page',
    context: { customer: { id: 4927 }, theme_settings: { ...SETTINGS, ...settings } },
    siteSettings: { cdn_url: 'https://cdn.example.com', theme_version_id: 'v1' },
    nonce: 'n0nce',
  });
  const requests: Request[] = [];
  const tokens: string[] = [];
  let booted = false;
  let storefront = Promise.resolve();
  const { window } = new JSDOM(html, {
    url: `${ORIGIN}/account.php`,
    runScripts: 'dangerously',
    beforeParse(window) {
      window.fetch = (async (input: string, init: RequestInit = {}) => {
        const url = new URL(String(input), ORIGIN);
        requests.push({ url: url.href, body: init.body as string | undefined, late: booted });
        if (url.pathname === '/customer/current.jwt') {
          await storefront;
          if (loggedIn === null) return new Response('', { status: 404 });
          const token = tokenAt(Math.floor(Date.now() / 1000), 900, loggedIn);
          tokens.push(token);
          return new Response(token, { headers: { 'content-type': 'text/plain' } });
        }
        return Response.json({ answeredFor: String(init.body).length });
      }) as typeof fetch;
      if (!alone) {
        (window as unknown as { BroadcastChannel: unknown }).BroadcastChannel =
          FakeBroadcastChannel;
        Object.defineProperty(window.navigator, 'locks', { value: new FakeLocks() });
      }
      before?.(window);
    },
  });
  const events: string[] = [];
  for (const type of ['response', 'error', 'guest', 'changed'])
    window.document.addEventListener(`current-customer:${type}`, () => events.push(type));
  return {
    window,
    requests,
    tokens,
    events,
    /** Holds the storefront's answers until the returned function is called. */
    holdStorefront() {
      let release = () => {};
      storefront = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    /** The drop-in file arrives. */
    load() {
      booted = true;
      window.eval(readFileSync(DROP_IN, 'utf8'));
    },
    client: () =>
      (
        window as unknown as {
          StencilCurrentCustomer: {
            clients: Record<string, { getToken(): Promise<string | null>; stop(): void }>;
          };
        }
      ).StencilCurrentCustomer.clients[CLIENT],
    posts: () => requests.filter((request) => request.url === ENDPOINT),
    storefront: () => requests.filter((request) => request.url.includes('/customer/current.jwt')),
  };
};

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('the early start', () => {
  it('asks for the token and posts it while the page parses; the drop-in takes both over and asks nothing more', async () => {
    const page = await open();
    // Before the drop-in: the token request left at once, and the POST once the token came.
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
    expect(page.requests.map((request) => request.late)).toEqual([false, false]);
    expect(page.posts()[0]?.body).toBe(page.tokens[0]);
    page.load();
    await vi.waitFor(() => expect(page.events).toEqual(['response']));
    await settle();
    expect(page.storefront()).toHaveLength(1);
    expect(page.posts()).toHaveLength(1);
    await expect(page.client()?.getToken()).resolves.toBe(page.tokens[0]);
    // Other tabs hear of the token, but not as fresh: it was requested outside the lock.
    const told = FakeBroadcastChannel.sent.find(
      ({ message }) => (message as { type: string }).type === 'state',
    );
    expect(told?.name).toBe(CHANNEL);
    expect(told?.message).toMatchObject({ token: page.tokens[0], fresh: false });
    page.client()?.stop();
  });

  it('posts the JSON body when the partial says so, and the drop-in takes that POST over', async () => {
    const page = await open({ settings: { current_customer_body: 'json' } });
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
    expect(JSON.parse(page.posts()[0]?.body ?? '')).toEqual({ token: page.tokens[0] });
    page.load();
    await vi.waitFor(() => expect(page.events).toEqual(['response']));
    await settle();
    expect(page.requests).toHaveLength(2);
    page.client()?.stop();
  });

  it('works without BroadcastChannel and Web Locks', async () => {
    const page = await open({ alone: true });
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
    page.load();
    await vi.waitFor(() => expect(page.events).toEqual(['response']));
    await settle();
    expect(page.requests).toHaveLength(2);
    page.client()?.stop();
  });

  it('drop-in first: it waits for the early token instead of asking again', async () => {
    const page = await open();
    const release = page.holdStorefront();
    page.load();
    await settle();
    release();
    await vi.waitFor(() => expect(page.events).toEqual(['response']));
    await settle();
    expect(page.storefront()).toHaveLength(1);
    expect(page.posts()).toHaveLength(1);
    page.client()?.stop();
  });

  it("a failed early POST is the drop-in's first attempt: the next one comes after the backoff", async () => {
    let down = true;
    const page = await open({
      before: (window) => {
        window.Math.random = () => 0.5;
        const storefront = window.fetch;
        window.fetch = (async (input: string, init?: RequestInit) => {
          if (String(input) === ENDPOINT && down) {
            await storefront(input, init);
            throw new TypeError('Failed to fetch');
          }
          return storefront(input, init);
        }) as typeof fetch;
      },
    });
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
    page.load();
    // The first backoff is 500 ms with the jitter at its midpoint.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(page.posts()).toHaveLength(1);
    down = false;
    await vi.waitFor(() => expect(page.events).toEqual(['response']), { timeout: 3000 });
    expect(page.posts()).toHaveLength(2);
    // The retry asked the storefront again first, as every retry does.
    expect(page.storefront()).toHaveLength(2);
    page.client()?.stop();
  });

  it('posts nothing for a guest (404) or another customer; the drop-in reports them as it would', async () => {
    const guest = await open({ loggedIn: null });
    await settle();
    expect(guest.posts()).toEqual([]);
    guest.load();
    await vi.waitFor(() => expect(guest.events).toContain('guest'));
    expect(guest.storefront()).toHaveLength(1);

    const other = await open({ loggedIn: 1234 });
    await settle();
    expect(other.storefront()).toHaveLength(1);
    expect(other.posts()).toEqual([]);
    other.load();
    await vi.waitFor(() => expect(other.events).toEqual(['changed']));
    await settle();
    expect(other.posts()).toEqual([]);
  });

  it.each([
    ['another tab has a live presence record', {}],
    ['refreshing is off', { current_customer_auto_refresh: false }],
    ['the endpoint is not https', { current_customer_endpoint: 'http://app.example.com/verify' }],
    ['the endpoint is not a URL', { current_customer_endpoint: 'app.example.com' }],
    ['the client id has characters the module refuses', { current_customer_app_client_id: 'a b' }],
  ])('makes no request when %s', async (why, settings) => {
    const page = await open({
      settings,
      before: (window) => {
        if (why.startsWith('another tab'))
          window.localStorage.setItem(`${CHANNEL} 0.5`, String(Date.now() + 60_000));
      },
    });
    await settle();
    expect(page.requests).toEqual([]);
  });

  it('makes no request while the page is prerendered, or where storage is blocked', async () => {
    for (const before of [
      (window: Window) => Object.defineProperty(window.document, 'prerendering', { value: true }),
      (window: Window) =>
        Object.defineProperty(window, 'localStorage', {
          get() {
            throw new DOMException('blocked', 'SecurityError');
          },
        }),
    ]) {
      const page = await open({ before });
      await settle();
      expect(page.requests).toEqual([]);
    }
  });

  it('an expired presence record does not stop it', async () => {
    const page = await open({
      before: (window) => window.localStorage.setItem(`${CHANNEL} 0.5`, String(Date.now() - 1)),
    });
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
  });

  it('a message heard from another tab before the drop-in: the early token is left unused and the drop-in asks again', async () => {
    const page = await open();
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
    // Another tab's guest hint (a guest page was rendered): the customer may have logged out meanwhile.
    new FakeBroadcastChannel(CHANNEL).postMessage({ type: 'guest' });
    await settle();
    page.load();
    await vi.waitFor(() => expect(page.events).toEqual(['response']));
    await settle();
    expect(page.storefront()).toHaveLength(2);
    expect(page.posts()).toHaveLength(2);
    expect(page.storefront()[1]?.late).toBe(true);
    expect(page.posts()[1]?.body).toBe(page.tokens[1]);
    page.client()?.stop();
  });

  it('a message heard after the drop-in took over, before the token was used: left unused too', async () => {
    const page = await open();
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
    // Another tab holds the lock, so the client takes the early start over and waits in line.
    let release = () => {};
    const locks = (page.window.navigator as Navigator & { locks: LockManager }).locks;
    void locks.request(CHANNEL, () => new Promise<void>((resolve) => (release = resolve)));
    page.load();
    await settle();
    expect(page.storefront()).toHaveLength(1);
    new FakeBroadcastChannel(CHANNEL).postMessage({ type: 'guest' });
    await settle();
    release();
    await vi.waitFor(() => expect(page.events).toEqual(['response']));
    await settle();
    expect(page.storefront().filter((request) => request.late)).toHaveLength(1);
    expect(page.posts().at(-1)?.body).toBe(page.tokens.at(-1));
    page.client()?.stop();
  });

  it('too old when the drop-in arrives: left unused, its channel closed', async () => {
    const page = await open();
    await vi.waitFor(() => expect(page.posts()).toHaveLength(1));
    const channels = FakeBroadcastChannel.open.size;
    const now = page.window.performance.now();
    vi.spyOn(page.window.performance, 'now').mockImplementation(() => now + 10_001);
    page.load();
    await vi.waitFor(() => expect(page.events).toEqual(['response']));
    expect(page.storefront()).toHaveLength(2);
    expect(page.posts()).toHaveLength(2);
    // The early channel was closed and the client opened its own.
    expect(FakeBroadcastChannel.open.size).toBe(channels);
    page.client()?.stop();
  });
});
