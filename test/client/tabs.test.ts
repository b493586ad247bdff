// @vitest-environment jsdom
// Across tabs: several clients in one test play several tabs of one browser, over the in-memory
// BroadcastChannel and Web Locks of tabs-fakes.ts. Request counts are exact.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CurrentCustomer, CurrentCustomerOptions } from '../../src/client/index.js';
import { ASK_TIMEOUT } from '../../src/client/tabs.js';
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

beforeEach(() => {
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
      const { token } = JSON.parse(String(call.init.body)) as { token: string };
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

  it('a lone tab does not wait to fetch', async () => {
    tab().start();
    await flush();
    expect(counts()).toEqual([1, 1]);
  });

  it('start() sends its tab lock, the count of tabs and the exclusive lock in one turn: one wait, not three in a row', () => {
    const sent: string[] = [];
    const request = fakes.locks.request.bind(fakes.locks);
    const query = fakes.locks.query.bind(fakes.locks);
    vi.spyOn(fakes.locks, 'request').mockImplementation((name, options, callback) => {
      sent.push(
        `request ${typeof options === 'function' ? 'exclusive' : (options.mode ?? 'exclusive')}`,
      );
      return request(name, options, callback as never);
    });
    vi.spyOn(fakes.locks, 'query').mockImplementation(() => {
      sent.push('query');
      return query();
    });
    tab().start();
    // Synchronously, before any answer of the lock manager: the query comes after the tab's own lock.
    expect(sent).toEqual(['request shared', 'query', 'request exclusive']);
  });

  it('a new tab whose own lock is still pending in the count still sees the other tab, and asks it', async () => {
    const a = tab();
    a.start();
    await flush();
    expect(counts()).toEqual([1, 1]);
    const query = fakes.locks.query.bind(fakes.locks);
    // The lock manager's answer as a browser may give it right after the request: the new tab's lock
    // (the last shared one) pending, the other tab's held.
    vi.spyOn(fakes.locks, 'query').mockImplementationOnce(async () => {
      const { held = [], pending = [] } = await query();
      const mine = held.map((lock) => lock.mode).lastIndexOf('shared');
      return { held: held.filter((_, i) => i !== mine), pending: [...pending, held[mine] ?? {}] };
    });
    const b = tab();
    b.start();
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT);
    expect(counts()).toEqual([1, 1]);
    expect(b.getResponse()).toEqual({ hello: 1 });
  });

  it('a new tab next to a tab with a valid token and answer gets both without any request', async () => {
    const a = tab();
    a.start();
    await flush();
    expect(counts()).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(10_000);
    const b = tab();
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
    await flush();
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

  it('the channel is named after the store (origin) and the app; nothing is written to storage', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    tab().start();
    await flush();
    expect([...FakeBroadcastChannel.open].map((channel) => channel.name)).toEqual([
      `current-customer:${location.origin}:${CLIENT_ID}`,
    ]);
    expect(setItem).not.toHaveBeenCalled();
    expect(document.cookie).toBe('');
  });
});

describe('logouts and switches reach every tab', () => {
  it('a switch seen in tab B drops the token in tab A and cancels its retry (Retry-After) before it is sent', async () => {
    backendAnswers = (n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '8' } } : json({ ok: true });
    const a = tab({ customerId: 1 });
    const seenA = record(a);
    a.start();
    await flush();
    expect(counts()).toEqual([1, 1]);
    // Tab B: a page for customer 2. Its automatic refresh waits behind tab A's (which holds the lock
    // through its backoff); its page code asks for the token at once.
    customer = 2;
    const b = tab({ customerId: 2 });
    b.start();
    expect(await b.getToken()).toMatch(/^eyJ/);
    await flush();
    expect(seenA.filter((e) => e.type === 'changed')).toEqual([
      { type: 'changed', payload: { from: 1, to: 2 } },
    ]);
    expect(a.getClaims()).toBeNull();
    // Tab A never posted again: its first POST (503) is the only one for customer 1; then tab B posts.
    await vi.advanceTimersByTimeAsync(30_000);
    const posted = server.backend.map((call) => String(call.init.body));
    expect(posted).toHaveLength(2);
    expect(posted[1]).toBe(`{"token":"${await b.getToken()}"}`);
    expect(seenA.some((e) => e.type === 'response')).toBe(false);
  });

  it('a retry re-reads the current token before each attempt', async () => {
    backendAnswers = (n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '5' } } : json({ ok: true });
    const a = tab();
    a.start();
    await flush();
    const first = server.backend[0]?.init.body;
    // Another tab fetched a newer token for the same customer meanwhile.
    const b = tab();
    b.start();
    await vi.advanceTimersByTimeAsync(1_000);
    await b.getToken();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(server.backend).toHaveLength(2);
    expect(server.backend[1]?.init.body).not.toBe(first);
    expect(server.backend[1]?.init.body).toBe(`{"token":"${await b.getToken()}"}`);
  });

  it('an answer that arrives after a switch reaches nobody', async () => {
    const a = tab({ customerId: 1 });
    const seenA = record(a);
    backendAnswers = () => 'hang';
    a.start();
    await flush();
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

  it('pagehide closes the channel and lets go of the tab lock (so the page may enter the back/forward cache); a restore opens them again', async () => {
    const a = tab();
    a.start();
    await flush();
    window.dispatchEvent(new Event('pagehide'));
    await flush();
    expect(FakeBroadcastChannel.open.size).toBe(0);
    expect((await fakes.locks.query()).held).toHaveLength(0);
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await flush();
    expect(FakeBroadcastChannel.open.size).toBe(1);
    expect((await fakes.locks.query()).held?.map((lock) => lock.mode)).toEqual(['shared']);
    // The restore fetched a fresh token and, the last POST having completed, posted nothing.
    expect(counts()).toEqual([2, 1]);
  });

  it('stop() closes the channel and lets go of the tab lock', async () => {
    const a = tab();
    a.start();
    await flush();
    expect(FakeBroadcastChannel.open.size).toBe(1);
    expect((await fakes.locks.query()).held).toHaveLength(1);
    a.stop();
    await flush();
    expect(FakeBroadcastChannel.open.size).toBe(0);
    expect((await fakes.locks.query()).held).toHaveLength(0);
  });
});
