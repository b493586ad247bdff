// @vitest-environment jsdom
// Across tabs: several clients in one test play several tabs of one browser, over the in-memory
// BroadcastChannel and Web Locks of tabs-fakes.ts. Request counts are exact.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CurrentCustomer, CurrentCustomerOptions } from '../../src/client/index.js';
import { ASK_TIMEOUT, PRESENCE } from '../../src/client/tabs.js';
import {
  type Answer,
  CLIENT_ID,
  flush,
  json,
  scriptedFetch,
  tokenAt,
  useClients,
} from './helpers.js';
import { FakeBroadcastChannel, installTabs } from './tabs-fakes.js';

let fakes: ReturnType<typeof installTabs>;
let customer: number | null;
let backendAnswers: ((n: number) => Answer) | undefined;
/** One storefront and one backend for the whole browser; every tab uses this transport. */
let server: ReturnType<typeof scriptedFetch>;

const create = useClients(() => fakes.uninstall());
const tab = (options: Partial<CurrentCustomerOptions> = {}) =>
  create({ fetch: server.fetch, leewaySeconds: 0, ...options });
const record = (client: CurrentCustomer) => {
  const seen: { type: string; payload: unknown }[] = [];
  for (const type of ['token', 'response', 'guest', 'changed', 'error'] as const)
    client.on(type, (payload) => seen.push({ type, payload }));
  return seen;
};
const counts = () => [server.storefront.length, server.backend.length];
const CHANNEL = `current-customer:${location.origin}:${CLIENT_ID}`;
/** The presence records in localStorage (tabs.ts): key → value. */
const records = () =>
  Object.fromEntries(
    Object.entries({ ...localStorage }).filter(([key]) => key.startsWith(CHANNEL)),
  );

beforeEach(() => {
  localStorage.clear();
  fakes = installTabs();
  customer = 1;
  backendAnswers = undefined;
  server = scriptedFetch({
    storefront: () =>
      customer === null
        ? { status: 404 }
        : { body: tokenAt(Math.floor(Date.now() / 1000), 60, customer) },
    backend: (n, call) => {
      if (backendAnswers) return backendAnswers(n);
      const token = String(call.init.body);
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
      return json({ hello: payload.customer.id });
    },
  });
});

describe('sharing', () => {
  it('two tabs starting at once: one storefront request, one POST, and both tabs get the token and the answer', async () => {
    const a = tab();
    const b = tab();
    const seenA = record(a);
    const seenB = record(b);
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    expect(counts()).toEqual([1, 1]);
    expect(seenA.map((e) => e.type)).toEqual(['token', 'response']);
    expect(seenB.map((e) => e.type)).toEqual(['token', 'response']);
    expect(b.getResponse()).toEqual({ hello: 1 });
    expect(await b.getToken()).toBe(await a.getToken());
    expect(counts()).toEqual([1, 1]);
  });

  it('five tabs over three token lifetimes: one storefront request and one POST per lifetime', async () => {
    const tabs = [tab(), tab(), tab(), tab(), tab()];
    const seen = tabs.map(record);
    for (const t of tabs) t.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    expect(counts()).toEqual([1, 1]);
    // 60-second tokens, no leeway: refreshed at 60, 120 and 180 s (each time, a tab asks the others
    // first: ASK_TIMEOUT more).
    await vi.advanceTimersByTimeAsync(3 * 60_000 + 3 * ASK_TIMEOUT);
    expect(counts()).toEqual([4, 4]);
    for (const s of seen) expect(s.filter((e) => e.type === 'response')).toHaveLength(4);
  });

  it('a lone tab (no other tab’s presence record) never waits for replies: it fetches at once, and again at once at expiry after a second tab came and went', async () => {
    const a = tab();
    a.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(counts()).toEqual([1, 1]);
    // A second tab comes (it finds A's record and gets A's token) and goes (its `bye`).
    const b = tab();
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT);
    expect(counts()).toEqual([1, 1]);
    b.stop();
    // The token came at 0 and lives 60 s: it expires now, and tab A fetches at once.
    await vi.advanceTimersByTimeAsync(60_000 - ASK_TIMEOUT);
    expect(counts()).toEqual([2, 2]);
  });

  it('a live record of a tab that does not answer (it crashed) makes a new tab wait for replies once, at most ASK_TIMEOUT', async () => {
    localStorage.setItem(`${CHANNEL} 0.5`, String(Date.now() + 60_000));
    tab().start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT - 1);
    expect(counts()).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(counts()).toEqual([1, 1]);
  });

  it('an expired record makes no tab wait, and the tab that finds it removes it', async () => {
    localStorage.setItem(`${CHANNEL} 0.5`, String(Date.now() - 1));
    localStorage.setItem('theme-setting', 'kept');
    tab().start();
    await vi.advanceTimersByTimeAsync(1);
    expect(counts()).toEqual([1, 1]);
    expect(localStorage.getItem(`${CHANNEL} 0.5`)).toBeNull();
    expect(localStorage.getItem('theme-setting')).toBe('kept');
  });

  it('where storage is blocked (reading localStorage throws), a tab waits for replies as if another tab were open, and works', async () => {
    vi.spyOn(globalThis, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    });
    const a = tab();
    a.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT - 1);
    expect(counts()).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(counts()).toEqual([1, 1]);
    a.stop();
  });

  it('each open tab keeps one record: no token, claim or customer, only until when it counts; refreshed with each state it sends, removed on pagehide and stop()', async () => {
    const a = tab();
    a.start();
    await vi.advanceTimersByTimeAsync(1);
    const token = await a.getToken();
    const [key, until] = Object.entries(records())[0] ?? [];
    expect(Object.keys(records())).toHaveLength(1);
    expect(key).toMatch(new RegExp(`^${CHANNEL.replace(/[.:/]/g, '\\$&')} 0\\.\\d+$`));
    expect(Number(until)).toBeGreaterThan(Date.now() + PRESENCE - 1_000);
    expect(Number(until)).toBeLessThanOrEqual(Date.now() + PRESENCE);
    for (const part of String(token).split('.'))
      expect(JSON.stringify(records())).not.toContain(part);
    // A second tab asks: A's reply (a `state`) moves its record on.
    await vi.advanceTimersByTimeAsync(10_000);
    const b = tab();
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT);
    expect(Object.keys(records())).toHaveLength(2);
    expect(Number(records()[key as string])).toBeGreaterThan(Number(until) + 10_000);
    b.stop();
    expect(Object.keys(records())).toEqual([key]);
    window.dispatchEvent(new Event('pagehide'));
    expect(records()).toEqual({});
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    expect(Object.keys(records())).toHaveLength(1);
    a.stop();
    expect(records()).toEqual({});
  });

  it('an identified, idle page holds no Web Lock and has none pending (so Firefox may keep it in its back/forward cache)', async () => {
    backendAnswers = (n) => (n === 1 ? 'hang' : json({ ok: true }));
    const a = tab();
    const b = tab();
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    expect(counts()).toEqual([1, 1]);
    expect(await fakes.locks.query()).toEqual({ held: [], pending: [] });
    // While working (the next POST hangs), only the exclusive lock, and only for that time.
    await vi.advanceTimersByTimeAsync(60_000 + 2 * ASK_TIMEOUT);
    expect(counts()).toEqual([2, 2]);
    expect((await fakes.locks.query()).held?.map((lock) => lock.mode)).toEqual(['exclusive']);
    // The POST times out (not sent again): the lock goes with it, and the 60-s retry holds none.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await fakes.locks.query()).toEqual({ held: [], pending: [] });
  });

  it('a new tab next to a tab with a valid token and answer gets both without any request', async () => {
    const a = tab({ customerId: 1 });
    a.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT);
    expect(counts()).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(10_000);
    const b = tab({ customerId: 1 });
    const seenB = record(b);
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT);
    expect(counts()).toEqual([1, 1]);
    expect(seenB.map((e) => e.type)).toEqual(['token', 'response']);
    expect(b.getResponse()).toEqual({ hello: 1 });
    expect(b.getClaims()?.customer.id).toBe(1);
    // It also keeps the first tab's expiry: both refresh together, once.
    await vi.advanceTimersByTimeAsync(50_000);
    expect(counts()).toEqual([2, 2]);
  });

  it('a new tab whose page is for another customer ignores an open tab’s older token and fetches', async () => {
    const a = tab({ customerId: 1 });
    a.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT);
    customer = 2;
    const b = tab({ customerId: 2 });
    const seenA = record(a);
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    expect(counts()).toEqual([2, 2]);
    expect(b.getResponse()).toEqual({ hello: 2 });
    expect(seenA).toEqual([{ type: 'changed', payload: { from: 1, to: 2 } }]);
    expect(a.getClaims()).toBeNull();
  });

  it('the posting tab goes away mid-POST: the next tab in line posts instead', async () => {
    backendAnswers = (n) => (n === 0 ? 'hang' : json({ hello: 1 }));
    const a = tab();
    const b = tab();
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    expect(counts()).toEqual([1, 1]);
    expect(b.getClaims()?.customer.id).toBe(1);
    a.stop(); // the tab closes: its lock goes with it
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    expect(counts()).toEqual([1, 2]);
    expect(b.getResponse()).toEqual({ hello: 1 });
  });

  it('the channel is named after the store (origin) and the app; storage gets nothing but the presence record, and no cookie is set', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    tab().start();
    await flush();
    expect([...FakeBroadcastChannel.open].map((channel) => channel.name)).toEqual([CHANNEL]);
    expect(
      setItem.mock.calls.every(
        ([key, value]) => key.startsWith(`${CHANNEL} `) && /^\d+$/.test(value),
      ),
    ).toBe(true);
    expect(setItem).toHaveBeenCalled();
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
  });
});

/** Lets a lone tab's opening wait for other tabs (ASK_TIMEOUT) pass, and what follows it run. */
const settle = () => vi.advanceTimersByTimeAsync(ASK_TIMEOUT);
/** What a guest page's inline script posts (script.html): a hint, from no tab. */
const guestPage = async () => {
  const page = new FakeBroadcastChannel(`current-customer:${location.origin}:${CLIENT_ID}`);
  page.postMessage({ type: 'guest' });
  page.close();
};

describe('no lock across a wait', () => {
  it('a tab waiting out a 503 + Retry-After holds no lock: a tab for another customer fetches at once, and its token stops the wait (nothing posted for customer 1 after the switch)', async () => {
    backendAnswers = (n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '8' } } : json({ ok: true });
    const a = tab({ customerId: 1 });
    const seenA = record(a);
    a.start();
    await settle();
    expect(counts()).toEqual([1, 1]);
    // Tab A is in its 8-s wait: it holds no lock and has none pending.
    expect(await fakes.locks.query()).toEqual({ held: [], pending: [] });
    // Tab B: a page for customer 2. Its automatic refresh gets the lock at once.
    customer = 2;
    const b = tab({ customerId: 2 });
    b.start();
    await vi.advanceTimersByTimeAsync(2 * ASK_TIMEOUT);
    expect(counts()).toEqual([2, 2]);
    expect(b.getResponse()).toEqual({ ok: true });
    expect(seenA.filter((e) => e.type === 'changed')).toEqual([
      { type: 'changed', payload: { from: 1, to: 2 } },
    ]);
    expect(a.getClaims()).toBeNull();
    // Tab A never posted again: its first POST (503) is the only one for customer 1.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(counts()).toEqual([2, 2]);
    expect(server.backend[1]?.init.body).toBe(await b.getToken());
    expect(seenA.some((e) => e.type === 'response')).toBe(false);
  });

  it('a retry after a wait uses the token another tab delivered during the wait, without a request of its own', async () => {
    backendAnswers = (n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '5' } } : json({ ok: true });
    const a = tab();
    const seenA = record(a);
    a.start();
    await settle();
    const first = server.backend[0]?.init.body;
    // Another tab fetched a newer token for the same customer during the wait, and posted it.
    const b = tab();
    b.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(counts()).toEqual([2, 2]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(counts()).toEqual([2, 2]);
    expect(server.backend[1]?.init.body).not.toBe(first);
    expect(server.backend[1]?.init.body).toBe(await b.getToken());
    expect(await a.getToken()).toBe(await b.getToken());
    expect(seenA.filter((e) => e.type === 'response')).toHaveLength(1);
  });

  it('a retry after a wait with no other tab asks the storefront first', async () => {
    backendAnswers = (n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '5' } } : json({ ok: true });
    const a = tab();
    a.start();
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(counts()).toEqual([2, 2]);
    expect(server.backend[1]?.init.body).toBe(await a.getToken());
    expect(server.backend[1]?.init.body).not.toBe(server.backend[0]?.init.body);
  });
});

describe('what a tab takes from another', () => {
  it('a client without customerId never adopts an open tab’s older token: it asks the storefront, which names customer 2', async () => {
    const a = tab({ customerId: 1 });
    const seenA = record(a);
    a.start();
    await settle();
    expect(counts()).toEqual([1, 1]);
    // Customer 2 logged in through a page without the module; tab A still holds customer 1's token.
    customer = 2;
    const b = tab({ customerId: undefined });
    const seenB = record(b);
    b.start();
    await vi.advanceTimersByTimeAsync(2 * ASK_TIMEOUT);
    expect(counts()).toEqual([2, 2]);
    expect(b.getClaims()?.customer.id).toBe(2);
    expect(b.getResponse()).toEqual({ hello: 2 });
    expect(seenB.map((e) => e.type)).toEqual(['token', 'response']);
    expect(seenA.filter((e) => e.type === 'changed')).toEqual([
      { type: 'changed', payload: { from: 1, to: 2 } },
    ]);
  });

  it('a token from another tab keeps the lifetime that tab says remains, not a full one from now', async () => {
    const a = tab({ customerId: 1 });
    a.start();
    await settle();
    await vi.advanceTimersByTimeAsync(40_000);
    const b = tab({ customerId: 1 });
    b.start();
    await settle();
    expect(counts()).toEqual([1, 1]);
    expect(b.getClaims()?.customer.id).toBe(1);
    a.stop();
    // Tab A's token came at ASK_TIMEOUT and lives 60 s: tab B, alone now, refreshes when it expires
    // (just after 60 s + ASK_TIMEOUT from the start), not 60 s after it took the token (at 100 s).
    await vi.advanceTimersByTimeAsync(60_000 + 2 * ASK_TIMEOUT - (40_000 + 2 * ASK_TIMEOUT));
    expect(counts()).toEqual([2, 2]);
  });

  it('the answer shared is the answer to the current token, never the previous token’s', async () => {
    backendAnswers = (n) => (n === 0 ? json({ answer: 'first' }) : 'hang');
    const a = tab({ customerId: 1 });
    a.start();
    await settle();
    expect(a.getResponse()).toEqual({ answer: 'first' });
    // The token expires: tab A fetches the next one; its POST hangs.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counts()).toEqual([2, 2]);
    const b = tab({ customerId: 1 });
    const seenB = record(b);
    b.start();
    await settle();
    // Tab B took the current token from tab A, but not the first token's answer as the answer to it.
    expect(await b.getToken()).toBe(await a.getToken());
    expect(seenB.map((e) => e.type)).toEqual(['token']);
    expect(b.getResponse()).toBeUndefined();
  });
});

describe('stopping and leaving', () => {
  const holdLock = () => {
    let release = () => {};
    void fakes.locks.request(`current-customer:${location.origin}:${CLIENT_ID}`, () => {
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    return () => release();
  };

  it.each([
    ['stop()', (client: CurrentCustomer) => client.stop()],
    ['pagehide', () => window.dispatchEvent(new Event('pagehide'))],
  ])(
    '%s withdraws a queued lock request: the tab never fetches or posts afterwards',
    async (_name, leave) => {
      // Another tab works (holds the lock) while this one opens.
      const release = holdLock();
      const own = vi.fn(server.fetch);
      const b = tab({ fetch: own });
      b.start();
      await settle();
      expect(fakes.locks.pending).toHaveLength(1);
      leave(b);
      await flush();
      expect(fakes.locks.pending).toHaveLength(0);
      release();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(own).not.toHaveBeenCalled();
    },
  );

  it('pagehide closes the channel; a restore opens it again, fetches a fresh token and holds no lock after', async () => {
    const a = tab();
    a.start();
    await settle();
    window.dispatchEvent(new Event('pagehide'));
    await flush();
    expect(FakeBroadcastChannel.open.size).toBe(0);
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await settle();
    expect(FakeBroadcastChannel.open.size).toBe(1);
    // The restore fetched a fresh token and, the last POST having completed, posted nothing.
    expect(counts()).toEqual([2, 1]);
    expect(await fakes.locks.query()).toEqual({ held: [], pending: [] });
  });

  it('stop() closes the channel and tells the other tabs (`bye`)', async () => {
    const a = tab();
    a.start();
    await settle();
    expect(FakeBroadcastChannel.open.size).toBe(1);
    a.stop();
    await flush();
    expect(FakeBroadcastChannel.open.size).toBe(0);
    expect(FakeBroadcastChannel.sent.at(-1)?.message).toMatchObject({ type: 'bye' });
  });
});

describe('logouts and switches reach every tab', () => {
  it('an answer that arrives after a switch reaches nobody', async () => {
    const a = tab({ customerId: 1 });
    const seenA = record(a);
    backendAnswers = () => 'hang';
    a.start();
    await settle();
    const stale = await a.getToken();
    customer = 2;
    const b = tab({ customerId: 2 });
    b.start();
    await b.getToken();
    await flush();
    // An answer to customer 1's token, sent late by some tab, is ignored.
    const late = new FakeBroadcastChannel(`current-customer:${location.origin}:${CLIENT_ID}`);
    late.postMessage({
      type: 'state',
      token: stale,
      ttl: 30_000,
      answered: true,
      data: { hello: 1 },
    });
    await flush();
    late.close();
    expect(seenA.map((e) => e.type)).toEqual(['token', 'changed']);
    expect(a.getResponse()).toBeUndefined();
    expect(a.getClaims()).toBeNull();
  });

  it('a 404 in one tab is `guest` and `changed` in every tab, at once', async () => {
    const a = tab({ customerId: 1 });
    const b = tab({ customerId: 1 });
    const seenA = record(a);
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    customer = null;
    // Both tokens expire together: one tab asks the storefront (after asking the other tab).
    await vi.advanceTimersByTimeAsync(60_000 + 2 * ASK_TIMEOUT);
    expect(seenA.filter((e) => e.type === 'guest' || e.type === 'changed')).toEqual([
      { type: 'guest', payload: null },
      { type: 'changed', payload: { from: 1, to: null } },
    ]);
    // One 404 for the browser, not one per tab.
    expect(server.storefront).toHaveLength(2);
    expect(a.getResponse()).toBeUndefined();
    expect(b.getResponse()).toBeUndefined();
  });

  it('a logout that lands on a guest page: its hint makes one storefront request for the whole browser, and every tab hears `guest` then `changed` to null', async () => {
    const tabs = [tab({ customerId: 1 }), tab({ customerId: 1 }), tab({ customerId: 1 })];
    const seen = tabs.map(record);
    for (const t of tabs) t.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    expect(counts()).toEqual([1, 1]);
    customer = null;
    await guestPage();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 4);
    expect(counts()).toEqual([2, 1]);
    for (const s of seen)
      expect(s.filter((e) => e.type !== 'token' && e.type !== 'response')).toEqual([
        { type: 'guest', payload: null },
        { type: 'changed', payload: { from: 1, to: null } },
      ]);
    for (const t of tabs) expect(t.getResponse()).toBeUndefined();
  });

  it('a stale guest page (the customer is still logged in) logs nobody out: one storefront request, still verified', async () => {
    const tabs = [tab({ customerId: 1 }), tab({ customerId: 1 })];
    const seen = tabs.map(record);
    for (const t of tabs) t.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 2);
    await guestPage();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT * 4);
    expect(server.storefront).toHaveLength(2);
    for (const s of seen)
      expect(s.some((e) => e.type === 'guest' || e.type === 'changed')).toBe(false);
    for (const t of tabs) expect(t.getClaims()?.customer.id).toBe(1);
  });

  it('a guest hint heard while a storefront request begun before it is in flight: the tab asks again after it', async () => {
    // The storefront answers at once (for whoever is logged in then), the answer arrives 500 ms later.
    const slow = vi.fn(async (url: string, init: RequestInit) => {
      const answer = server.fetch(url, init);
      if (url.startsWith('/customer/')) await new Promise((resolve) => setTimeout(resolve, 500));
      return answer;
    });
    const a = tab({ customerId: 1, fetch: slow });
    const seenA = record(a);
    a.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT + 600);
    expect(counts()).toEqual([1, 1]);
    // The token expires: the refresh asks the storefront (customer 1 still), then the customer logs out
    // and a guest page is rendered while that answer is on its way.
    await vi.advanceTimersByTimeAsync(60_000 - 100 + 10);
    expect(server.storefront).toHaveLength(2);
    customer = null;
    await guestPage();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(server.storefront).toHaveLength(3);
    expect(seenA.filter((e) => e.type === 'guest' || e.type === 'changed')).toEqual([
      { type: 'guest', payload: null },
      { type: 'changed', payload: { from: 1, to: null } },
    ]);
  });

  it('a guest hint wakes no stopped tab and no tab already a guest', async () => {
    const a = tab({ customerId: 1 });
    a.start();
    await settle();
    customer = null;
    await guestPage();
    await settle();
    expect(counts()).toEqual([2, 1]);
    // Tab A is a guest now: another hint asks nothing.
    await guestPage();
    await settle();
    a.stop();
    await guestPage();
    await settle();
    expect(counts()).toEqual([2, 1]);
  });
});

describe('working alone', () => {
  it('shareAcrossTabs: false works per tab, as before', async () => {
    tab({ shareAcrossTabs: false }).start();
    tab({ shareAcrossTabs: false }).start();
    await flush();
    expect(counts()).toEqual([2, 2]);
    expect(FakeBroadcastChannel.open.size).toBe(0);
  });

  it('without Web Locks, each tab works on its own', async () => {
    Reflect.deleteProperty(navigator, 'locks');
    tab().start();
    tab().start();
    await flush();
    expect(counts()).toEqual([2, 2]);
  });

  it('without BroadcastChannel, each tab works on its own', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    tab().start();
    tab().start();
    await flush();
    expect(counts()).toEqual([2, 2]);
  });
});
