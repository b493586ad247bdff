// @vitest-environment jsdom
// One tab: the page's customer, `changed`, the latest answer for late code, both clocks, prerendering, the
// back/forward cache and bounded backend work. (Across tabs: tabs.test.ts.)
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createCurrentCustomer } from '../../src/client/index.js';
import {
  type Answer,
  CLIENT_ID,
  documentEvents,
  ENDPOINT,
  flush,
  json,
  scriptedFetch,
  setVisibility,
  tokenAt,
  useClients,
} from './helpers.js';

let events: ReturnType<typeof documentEvents>;
const create = useClients(() => events.stop());
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** The storefront, logged in as `customer()` (null: nobody). */
const storefrontAs =
  (customer: () => number | null, lifetime = 900) =>
  (): Answer => {
    const id = customer();
    return id === null ? { status: 404 } : { body: tokenAt(nowSeconds(), lifetime, id) };
  };
const echo = () => json({ ok: true });

beforeEach(() => {
  events = documentEvents();
});

describe("the page's customer", () => {
  it('a token for another customer than `customerId` is dropped: not posted, not returned, `changed` emitted, timer stopped', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: echo });
    const client = create({ fetch: server.fetch, customerId: 7 });
    const changed = vi.fn();
    const response = vi.fn();
    client.on('changed', changed);
    client.on('response', response);
    const seen: unknown[] = [];
    const listener = (event: Event) => seen.push((event as CustomEvent).detail);
    document.addEventListener('current-customer:changed', listener);
    client.start();
    await flush();
    document.removeEventListener('current-customer:changed', listener);

    expect(server.storefront).toHaveLength(1);
    expect(server.backend).toHaveLength(0);
    expect(changed).toHaveBeenCalledExactlyOnceWith({ from: 7, to: 4927 });
    expect(seen).toEqual([{ appClientId: CLIENT_ID, from: 7, to: 4927 }]);
    expect(response).not.toHaveBeenCalled();
    expect(client.getClaims()).toBeNull();
    expect(events.types()).not.toContain('token');
    expect(events.types()).not.toContain('error');
    // No timer runs: an hour later, still one request.
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(server.storefront).toHaveLength(1);
    // Asked directly, it fetches again and refuses again, with a stable code.
    await expect(client.getToken()).rejects.toMatchObject({ code: 'customer_changed' });
    await expect(client.post()).rejects.toMatchObject({ code: 'customer_changed' });
    expect(server.backend).toHaveLength(0);
    // `changed` is about a change: the same other customer again is not a new one.
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it('`customerId` given as a string matches the numeric id in the token', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: echo });
    const client = create({ fetch: server.fetch, customerId: '4927' });
    expect(await client.post()).toEqual({ ok: true });
    expect(events.types()).toEqual(['token', 'response']);
  });

  it("without `customerId`, the first token's customer is the page's; a switch at refresh is dropped", async () => {
    let customer: number | null = 1;
    const server = scriptedFetch({
      storefront: storefrontAs(() => customer, 60),
      backend: echo,
    });
    const client = create({ fetch: server.fetch, leewaySeconds: 0 });
    const changed = vi.fn();
    client.on('changed', changed);
    client.start();
    await flush();
    expect(server.backend).toHaveLength(1);
    expect(client.getResponse()).toEqual({ ok: true });
    customer = 2;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.storefront).toHaveLength(2);
    expect(server.backend).toHaveLength(1);
    expect(changed).toHaveBeenCalledExactlyOnceWith({ from: 1, to: 2 });
    expect(client.getClaims()).toBeNull();
    expect(client.getResponse()).toBeUndefined();
    // The same customer back again: taken, with `changed` back.
    customer = 1;
    client.start();
    await flush();
    expect(changed).toHaveBeenLastCalledWith({ from: 2, to: 1 });
    expect(server.backend).toHaveLength(2);
    expect(client.getClaims()?.customer.id).toBe(1);
  });

  it('a 404 is `guest` as before, then `changed` to null; the answer is cleared', async () => {
    let customer: number | null = 4927;
    const server = scriptedFetch({ storefront: storefrontAs(() => customer, 60), backend: echo });
    const client = create({ fetch: server.fetch, customerId: 4927, leewaySeconds: 0 });
    client.start();
    await flush();
    expect(client.getResponse()).toEqual({ ok: true });
    customer = null;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events.types()).toEqual(['token', 'response', 'guest', 'changed']);
    expect(events.seen.at(-1)?.detail).toEqual({ appClientId: CLIENT_ID, from: 4927, to: null });
    expect(client.getResponse()).toBeUndefined();
    expect(client.getClaims()).toBeNull();
  });

  it('a guest page (no customer yet, 404) emits `guest` and no `changed`', async () => {
    const server = scriptedFetch({ storefront: () => ({ status: 404 }) });
    const client = create({ fetch: server.fetch });
    expect(await client.getToken()).toBeNull();
    expect(events.types()).toEqual(['guest']);
  });

  it('refuses a `customerId` that is neither a number nor a string, naming it', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const server = scriptedFetch({});
    const client = create({
      fetch: server.fetch,
      customerId: {} as unknown as number,
    });
    expect(error).toHaveBeenCalledWith(expect.stringContaining('customerId'));
    await expect(client.getToken()).rejects.toMatchObject({ code: 'config_invalid' });
    expect(server.calls).toHaveLength(0);
  });
});

describe('the latest answer, for late code', () => {
  it('getResponse() is undefined before any answer, then the latest one', async () => {
    let n = 0;
    const server = scriptedFetch({
      storefront: storefrontAs(() => 4927),
      backend: () => json({ n: ++n }),
    });
    const client = create({ fetch: server.fetch });
    expect(client.getResponse()).toBeUndefined();
    await client.post();
    expect(client.getResponse()).toEqual({ n: 1 });
    await client.post();
    expect(client.getResponse()).toEqual({ n: 2 });
  });

  it("on('response', handler, { replay: true }) is called at once with the latest answer, then as usual", async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: echo });
    const client = create({ fetch: server.fetch });
    const early = vi.fn();
    client.on('response', early, { replay: true });
    expect(early).not.toHaveBeenCalled();
    await client.post();
    expect(early).toHaveBeenCalledTimes(1);

    const late = vi.fn();
    const plain = vi.fn();
    client.on('response', late, { replay: true });
    client.on('response', plain);
    expect(late).toHaveBeenCalledExactlyOnceWith({ ok: true });
    expect(plain).not.toHaveBeenCalled();
    await client.post();
    expect(late).toHaveBeenCalledTimes(2);
    expect(plain).toHaveBeenCalledTimes(1);
    // Replay is for `response` only, and replays an answer that is null too.
    const token = vi.fn();
    client.on('token', token, { replay: true });
    expect(token).not.toHaveBeenCalled();
  });

  it('replays a null answer (an empty JSON body)', async () => {
    const server = scriptedFetch({
      storefront: storefrontAs(() => 4927),
      backend: () => ({ status: 200, headers: { 'content-type': 'application/json' } }),
    });
    const client = create({ fetch: server.fetch });
    await client.post();
    const late = vi.fn();
    client.on('response', late, { replay: true });
    expect(late).toHaveBeenCalledExactlyOnceWith(null);
  });

  it('types post(), getResponse() and the response event with TResponse', () => {
    interface Answer {
      greeting: string;
      points: number;
    }
    const client = createCurrentCustomer<Answer>({ appClientId: CLIENT_ID, endpoint: ENDPOINT });
    expectTypeOf(client.post).returns.resolves.toEqualTypeOf<Answer | null>();
    expectTypeOf(client.getResponse()).toEqualTypeOf<Answer | undefined>();
    client.on('response', (data) => expectTypeOf(data).toEqualTypeOf<Answer>());
    client.on('changed', (change) =>
      expectTypeOf(change).toEqualTypeOf<{
        from: number | string | null;
        to: number | string | null;
      }>(),
    );
    const untyped = createCurrentCustomer({ appClientId: CLIENT_ID, endpoint: ENDPOINT });
    expectTypeOf(untyped.getResponse()).toEqualTypeOf<unknown>();
  });
});

describe('time', () => {
  it('wall clock set back 30 days: the token stops being valid on the monotonic clock, the timer fires once', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927, 900), backend: echo });
    const client = create({ fetch: server.fetch });
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((handler: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(handler, ms);
    }) as typeof setTimeout);
    client.start();
    await flush();
    const first = await client.getToken();
    vi.setSystemTime(Date.now() - 30 * 86_400_000);
    // Wakes that re-arm the timer (visibility) never set a delay beyond the token's lifetime.
    setVisibility('visible');
    expect(Math.max(...delays)).toBeLessThanOrEqual(900_000);
    expect(await client.getToken()).toBe(first);
    await vi.advanceTimersByTimeAsync(870_000 - 1);
    expect(server.storefront).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.storefront).toHaveLength(2);
    expect(await client.getToken()).not.toBe(first);
    expect(Math.max(...delays)).toBeLessThanOrEqual(900_000);
  });

  it('wall clock set back 1 hour: getToken() never returns a token past its lifetime', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927, 900) });
    const client = create({ fetch: server.fetch, autoRefresh: false });
    const first = await client.getToken();
    vi.setSystemTime(Date.now() - 3_600_000);
    await vi.advanceTimersByTimeAsync(870_000);
    expect(client.getClaims()).toBeNull();
    expect(await client.getToken()).not.toBe(first);
    expect(server.storefront).toHaveLength(2);
  });

  it('wall clock set forward: an old token does not look valid', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927, 900) });
    const client = create({ fetch: server.fetch, autoRefresh: false });
    await client.getToken();
    expect(client.getClaims()).not.toBeNull();
    vi.setSystemTime(Date.now() + 3_600_000);
    expect(client.getClaims()).toBeNull();
  });
});

describe('the page life cycle', () => {
  const prerender = (value: boolean) =>
    Object.defineProperty(document, 'prerendering', { configurable: true, value });
  afterEach(() => {
    Reflect.deleteProperty(document, 'prerendering');
  });

  it('while prerendering, start() waits for prerenderingchange', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: echo });
    const client = create({ fetch: server.fetch });
    prerender(true);
    client.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toHaveLength(0);
    prerender(false);
    document.dispatchEvent(new Event('prerenderingchange'));
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
  });

  it('stop() while waiting for the prerendered page to be shown: nothing starts', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: echo });
    const client = create({ fetch: server.fetch });
    prerender(true);
    client.start();
    client.stop();
    prerender(false);
    document.dispatchEvent(new Event('prerenderingchange'));
    await flush();
    expect(server.calls).toHaveLength(0);
  });

  const restore = () =>
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));

  it('restored from the back/forward cache after a completed POST: a fresh token, no POST', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: echo });
    const client = create({ fetch: server.fetch });
    client.start();
    await flush();
    const first = await client.getToken();
    window.dispatchEvent(new Event('pagehide'));
    restore();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([2, 1]);
    expect(await client.getToken()).not.toBe(first);
    expect(client.getResponse()).toEqual({ ok: true });
  });

  it('restored after leaving mid-POST: a fresh token, and the POST', async () => {
    const server = scriptedFetch({
      storefront: storefrontAs(() => 4927),
      backend: (n) => (n === 0 ? 'hang' : echo()),
    });
    const client = create({ fetch: server.fetch });
    client.start();
    await flush();
    expect(server.backend).toHaveLength(1);
    window.dispatchEvent(new Event('pagehide'));
    await flush();
    restore();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([2, 2]);
    expect(client.getResponse()).toEqual({ ok: true });
  });

  it('restored for another customer: `changed`, no POST', async () => {
    let customer = 1;
    const server = scriptedFetch({ storefront: storefrontAs(() => customer), backend: echo });
    const client = create({ fetch: server.fetch, customerId: 1 });
    client.start();
    await flush();
    window.dispatchEvent(new Event('pagehide'));
    customer = 2;
    restore();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([2, 1]);
    expect(events.types().slice(-1)).toEqual(['changed']);
  });

  it('a pageshow that is not a restore does nothing', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: echo });
    create({ fetch: server.fetch }).start();
    await flush();
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
    await flush();
    expect(server.calls).toHaveLength(2);
  });
});

describe('bounded backend work', () => {
  it('a POST that timed out is not sent again (the backend may have done the work)', async () => {
    const server = scriptedFetch({ storefront: storefrontAs(() => 4927), backend: () => 'hang' });
    const client = create({ fetch: server.fetch, timeoutMs: 1000 });
    const result = client.post().catch((error) => error);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toMatchObject({ code: 'timeout' });
    expect(server.backend).toHaveLength(1);
  });

  it('a storefront request that timed out is still retried', async () => {
    const server = scriptedFetch({
      storefront: (n) => (n === 0 ? 'hang' : { body: tokenAt(nowSeconds()) }),
    });
    const client = create({ fetch: server.fetch, timeoutMs: 1000 });
    const token = client.getToken();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await token).toMatch(/^eyJ/);
    expect(server.storefront).toHaveLength(2);
  });

  it('network errors before an answer, 429 and 5xx are retried', async () => {
    const replies: Answer[] = [
      new TypeError('Failed to fetch'),
      { status: 429 },
      { status: 503 },
      json({ ok: true }),
    ];
    const server = scriptedFetch({
      storefront: storefrontAs(() => 4927),
      backend: (n) => replies[n] ?? { status: 599 },
    });
    const client = create({ fetch: server.fetch });
    const result = client.post();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toEqual({ ok: true });
    expect(server.backend).toHaveLength(4);
  });
});
