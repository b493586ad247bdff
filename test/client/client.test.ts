// @vitest-environment jsdom
import { beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type CurrentCustomer,
  CurrentCustomerError,
  type CurrentCustomerEventMap,
  type CurrentCustomerOptions,
  createCurrentCustomer,
} from '../../src/client/index.js';
import {
  CLIENT_ID,
  documentEvents,
  ENDPOINT,
  flush,
  issuing,
  json,
  scriptedFetch,
  setVisibility,
  tokenAt,
  useClients,
} from './helpers.js';

let events: ReturnType<typeof documentEvents>;
const create = useClients(() => events.stop());
const ok = () => json({ ok: true });
beforeEach(() => {
  events = documentEvents();
});

describe('fetching and posting', () => {
  it('fetches same-origin without the HTTP cache, then posts the token alone as text (a CORS simple request)', async () => {
    const server = scriptedFetch({ storefront: issuing(), backend: ok });
    const client = create({ fetch: server.fetch });
    client.start();
    await flush();
    expect(server.storefront).toHaveLength(1);
    const [get] = server.storefront;
    expect(get?.url).toBe(`/customer/current.jwt?app_client_id=${CLIENT_ID}`);
    expect(get?.init.credentials).toBe('same-origin');
    expect(get?.init.cache).toBe('no-store');
    expect(get?.init.method ?? 'GET').toBe('GET');
    expect(server.backend).toHaveLength(1);
    const [post] = server.backend;
    const token = await client.getToken();
    expect(post?.url).toBe(ENDPOINT);
    expect(post?.init.method).toBe('POST');
    expect(post?.init.credentials).toBe('omit');
    // No header of its own: fetch sends a string body as text/plain;charset=UTF-8, which needs no preflight.
    expect(post?.init.headers).toBeUndefined();
    expect(post?.init.body).toBe(token);
    expect(new Request(ENDPOINT, post?.init).headers.get('content-type')).toBe(
      'text/plain;charset=UTF-8',
    );
    expect(events.types()).toEqual(['token', 'response']);
  });

  it('body: "json" posts exactly {"token":…} as application/json; any other value is a configuration error', async () => {
    const server = scriptedFetch({ storefront: issuing(), backend: ok });
    const client = create({ fetch: server.fetch, body: 'json' });
    await client.post();
    const [post] = server.backend;
    expect(new Headers(post?.init.headers).get('content-type')).toBe('application/json');
    expect(post?.init.body).toBe(`{"token":"${await client.getToken()}"}`);
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const bad = create({ fetch: server.fetch, body: 'form' as 'json' });
    await expect(bad.post()).rejects.toMatchObject({
      code: 'config_invalid',
      message: 'body must be text or json',
    });
    expect(error).toHaveBeenCalledWith('current-customer: body must be text or json');
  });

  it('posts with credentials "include" when asked', async () => {
    const server = scriptedFetch({ storefront: issuing(), backend: ok });
    await create({ fetch: server.fetch, credentials: 'include' }).post();
    expect(server.backend[0]?.init.credentials).toBe('include');
  });

  it('accepts a token wrapped in whitespace or in a JSON {token} body', async () => {
    const jwt = tokenAt(Math.floor(Date.now() / 1000));
    for (const body of [`\n  ${jwt}  \n`, JSON.stringify({ token: jwt })]) {
      const server = scriptedFetch({ storefront: () => ({ body }) });
      expect(await create({ fetch: server.fetch }).getToken()).toBe(jwt);
    }
  });

  it('post() resolves to parsed JSON, or to text when the backend does not send JSON', async () => {
    const jsonServer = scriptedFetch({ storefront: issuing(), backend: () => json({ id: 4927 }) });
    expect(await create({ fetch: jsonServer.fetch }).post()).toEqual({ id: 4927 });
    const textServer = scriptedFetch({ storefront: issuing(), backend: () => ({ body: 'fine' }) });
    expect(await create({ fetch: textServer.fetch }).post()).toBe('fine');
  });

  it('emits token (claims) and response (data) to on() handlers and as document events', async () => {
    const server = scriptedFetch({ storefront: issuing(), backend: () => json({ hello: 'x' }) });
    const client = create({ fetch: server.fetch });
    const claims = vi.fn();
    const data = vi.fn();
    client.on('token', claims);
    const off = client.on('response', data);
    await client.post();
    expect(claims).toHaveBeenCalledWith(
      expect.objectContaining({ customer: expect.objectContaining({ id: 4927 }) }),
    );
    expect(data).toHaveBeenCalledWith({ hello: 'x' });
    off();
    await client.post();
    expect(data).toHaveBeenCalledTimes(1);
    const [token, response] = events.seen;
    expect(token?.detail).toEqual({ appClientId: CLIENT_ID, claims: client.getClaims() });
    expect(response?.detail).toEqual({ appClientId: CLIENT_ID, data: { hello: 'x' } });
    expect(JSON.stringify(events.seen)).not.toContain(await client.getToken());
  });

  it('a throwing on() handler stops neither the other handlers nor the module', async () => {
    const server = scriptedFetch({ storefront: issuing(), backend: ok });
    const client = create({ fetch: server.fetch });
    // Handlers are event listeners: the environment reports a throwing one (see boot.test.ts).
    const reported = (event: ErrorEvent) => event.preventDefault();
    window.addEventListener('error', reported);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    client.on('token', () => {
      throw new Error('handler bug');
    });
    const after = vi.fn();
    client.on('token', after);
    await expect(client.post()).resolves.toEqual({ ok: true });
    expect(after).toHaveBeenCalledTimes(1);
    expect(server.backend).toHaveLength(1);
    window.removeEventListener('error', reported);
  });
});

describe('caching and expiry', () => {
  it.each([
    ['in step', 0],
    ['10 minutes fast', -600],
    ['10 minutes slow', 600],
  ])(
    'with the client clock %s, a 15-minute token is cached for 14.5 minutes',
    async (_name, skew) => {
      const server = scriptedFetch({ storefront: issuing(900, skew) });
      const client = create({ fetch: server.fetch, autoRefresh: false });
      const first = await client.getToken();
      vi.setSystemTime(Date.now() + 14.5 * 60_000 - 1000);
      expect(await client.getToken()).toBe(first);
      expect(client.getClaims()).not.toBeNull();
      expect(server.storefront).toHaveLength(1);
      vi.setSystemTime(Date.now() + 2000);
      expect(client.getClaims()).toBeNull();
      const second = await client.getToken();
      expect(second).not.toBe(first);
      expect(server.storefront).toHaveLength(2);
    },
  );

  it('honours leewaySeconds', async () => {
    const server = scriptedFetch({ storefront: issuing(900) });
    const client = create({ fetch: server.fetch, autoRefresh: false, leewaySeconds: 120 });
    await client.getToken();
    vi.setSystemTime(Date.now() + 780_000 - 1);
    await client.getToken();
    expect(server.storefront).toHaveLength(1);
    vi.setSystemTime(Date.now() + 2);
    await client.getToken();
    expect(server.storefront).toHaveLength(2);
  });

  it('single flight: 100 concurrent getToken() calls make one request', async () => {
    const server = scriptedFetch({ storefront: issuing() });
    const client = create({ fetch: server.fetch });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));
    expect(server.storefront).toHaveLength(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('checks expiry on read: a clock jump (sleep) with no timer firing still refetches', async () => {
    const server = scriptedFetch({ storefront: issuing() });
    const client = create({ fetch: server.fetch, autoRefresh: false });
    const first = await client.getToken();
    vi.setSystemTime(Date.now() + 3 * 3600_000); // no timers run: the laptop slept
    expect(client.getClaims()).toBeNull();
    expect(await client.getToken()).not.toBe(first);
    expect(server.storefront).toHaveLength(2);
  });

  it('auto refresh: fetches and posts again after each expiry', async () => {
    const server = scriptedFetch({ storefront: issuing(900), backend: ok });
    create({ fetch: server.fetch }).start();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(870_000 - 10);
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(20);
    expect([server.storefront.length, server.backend.length]).toEqual([2, 2]);
    await vi.advanceTimersByTimeAsync(870_000);
    expect([server.storefront.length, server.backend.length]).toEqual([3, 3]);
  });

  it('autoRefresh: false fetches once; the next getToken() after expiry fetches', async () => {
    const server = scriptedFetch({ storefront: issuing(900), backend: ok });
    const client = create({ fetch: server.fetch, autoRefresh: false });
    client.start();
    await vi.advanceTimersByTimeAsync(3600_000);
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
    await client.getToken();
    expect(server.storefront).toHaveLength(2);
  });
});

describe('hidden tabs and coming back', () => {
  it('a tab hidden for an hour makes no requests; becoming visible refreshes at once', async () => {
    const server = scriptedFetch({ storefront: issuing(900), backend: ok });
    create({ fetch: server.fetch }).start();
    await flush();
    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(3600_000);
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
    setVisibility('visible');
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([2, 2]);
  });

  it('becoming visible before expiry does nothing', async () => {
    const server = scriptedFetch({ storefront: issuing(900), backend: ok });
    create({ fetch: server.fetch }).start();
    await flush();
    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(60_000);
    setVisibility('visible');
    await flush();
    expect(server.storefront).toHaveLength(1);
  });

  it('online refreshes at once when the token has expired', async () => {
    const server = scriptedFetch({ storefront: issuing(900), backend: ok });
    create({ fetch: server.fetch }).start();
    await flush();
    window.dispatchEvent(new Event('online'));
    await flush();
    expect(server.storefront).toHaveLength(1);
    vi.setSystemTime(Date.now() + 3600_000); // slept: the timer has not run
    window.dispatchEvent(new Event('online'));
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([2, 2]);
  });
});

describe('guests', () => {
  it('404: drops the token, emits guest, posts nothing, retries nothing until asked', async () => {
    let loggedIn = true;
    const server = scriptedFetch({
      storefront: () => (loggedIn ? issuing(900)() : { status: 404, body: 'Not Found' }),
      backend: ok,
    });
    const client = create({ fetch: server.fetch });
    const guest = vi.fn();
    client.on('guest', guest);
    client.start();
    await flush();
    loggedIn = false; // logged out in another tab
    await vi.advanceTimersByTimeAsync(900_000);
    expect(guest).toHaveBeenCalledTimes(1);
    expect(client.getClaims()).toBeNull();
    expect(server.storefront).toHaveLength(2);
    expect(server.backend).toHaveLength(1);
    expect(events.seen.slice(-2)).toEqual([
      { type: 'current-customer:guest', detail: { appClientId: CLIENT_ID } },
      {
        type: 'current-customer:changed',
        detail: { appClientId: CLIENT_ID, from: 4927, to: null },
      },
    ]);
    setVisibility('hidden');
    setVisibility('visible');
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(3 * 3600_000);
    expect(server.storefront).toHaveLength(2);
    expect(await client.getToken()).toBeNull(); // asked: one more request
    expect(await client.post()).toBeNull();
    expect(server.storefront).toHaveLength(4);
    expect(server.backend).toHaveLength(1);
  });

  it('on() guest handlers get null (typed null)', async () => {
    expectTypeOf<CurrentCustomerEventMap['guest']>().toEqualTypeOf<null>();
    const server = scriptedFetch({ storefront: () => ({ status: 404 }) });
    const client = create({ fetch: server.fetch });
    const payloads: null[] = [];
    client.on('guest', (payload) => payloads.push(payload));
    await expect(client.getToken()).resolves.toBeNull();
    expect(payloads).toEqual([null]);
  });

  it('start() on a started client that is a guest asks again; once a customer, start() is a no-op', async () => {
    let loggedIn = false;
    const server = scriptedFetch({
      storefront: () => (loggedIn ? issuing(900)() : { status: 404 }),
      backend: ok,
    });
    const client = create({ fetch: server.fetch });
    const guest = vi.fn();
    client.on('guest', guest);
    client.start();
    await flush();
    expect([server.storefront.length, server.backend.length, guest.mock.calls.length]).toEqual([
      1, 0, 1,
    ]);
    client.start(); // still a guest: one more request, nothing posted
    await flush();
    expect([server.storefront.length, server.backend.length, guest.mock.calls.length]).toEqual([
      2, 0, 2,
    ]);
    loggedIn = true; // logged in in another tab
    client.start();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([3, 1]);
    expect(client.getClaims()?.customer.id).toBe(4927);
    client.start(); // a customer now: nothing more
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([3, 1]);
    await vi.advanceTimersByTimeAsync(870_000); // and auto refresh runs again
    expect([server.storefront.length, server.backend.length]).toEqual([4, 2]);
  });
});

describe('failures and retries', () => {
  const errorsOf = (client: CurrentCustomer) => {
    const seen: CurrentCustomerError[] = [];
    client.on('error', (error) => seen.push(error));
    return seen;
  };

  it('5xx: retries with full-jitter backoff, at most 4 attempts, then one error event', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const server = scriptedFetch({ storefront: () => ({ status: 503 }) });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    client.start();
    await flush();
    expect(server.storefront).toHaveLength(1);
    // Caps 1 s, 2 s, 4 s: with random() ≈ 1 the waits are just under each cap.
    for (const [wait, count] of [
      [998, 1],
      [2, 2],
      [1996, 2],
      [2, 3],
      [3994, 3],
      [2, 4],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(server.storefront).toHaveLength(count);
    }
    expect(errors.map((e) => e.code)).toEqual(['storefront_http_503']);
    expect(errors[0]).toBeInstanceOf(CurrentCustomerError);
    expect(errors[0]?.status).toBe(503);
    // Nothing more until the slow retry after a failed refresh, 60 s later (tested below).
    await vi.advanceTimersByTimeAsync(60_000 - 10);
    expect(server.storefront).toHaveLength(4);
    expect(server.backend).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(events.seen.at(-1)?.detail).toEqual({ appClientId: CLIENT_ID, error: errors[0] });
  });

  it('a refresh that fails for good is tried again 60 s later while visible, each try at most 4 attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // no backoff waits
    let down = false;
    const server = scriptedFetch({
      storefront: () => (down ? { status: 503 } : issuing(900)()),
      backend: ok,
    });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    client.start();
    await flush();
    down = true;
    await vi.advanceTimersByTimeAsync(870_000 + 10); // expired: the refresh fails 4 times
    expect([server.storefront.length, errors.length]).toEqual([5, 1]);
    await vi.advanceTimersByTimeAsync(60_000 - 20);
    expect([server.storefront.length, errors.length]).toEqual([5, 1]);
    await vi.advanceTimersByTimeAsync(20); // tried again: 4 attempts, one more error event
    expect([server.storefront.length, errors.length]).toEqual([9, 2]);
    down = false;
    await vi.advanceTimersByTimeAsync(60_000); // and again: this time it works
    expect([server.storefront.length, server.backend.length, errors.length]).toEqual([10, 2, 2]);
    await vi.advanceTimersByTimeAsync(870_000); // back on the expiry schedule
    expect([server.storefront.length, server.backend.length, errors.length]).toEqual([11, 3, 2]);
    expect(errors.map((e) => e.code)).toEqual(['storefront_http_503', 'storefront_http_503']);
  });

  it('the slow retry (after a failed start too) waits while hidden and stop() clears it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const server = scriptedFetch({ storefront: () => new TypeError('offline') });
    const client = create({ fetch: server.fetch });
    client.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(server.storefront).toHaveLength(4);
    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(3600_000); // hidden: no request in an hour
    expect(server.storefront).toHaveLength(4);
    setVisibility('visible'); // back: the expired token is refreshed at once (and fails)
    await vi.advanceTimersByTimeAsync(10);
    expect(server.storefront).toHaveLength(8);
    await vi.advanceTimersByTimeAsync(60_000); // which armed the next retry
    expect(server.storefront).toHaveLength(12);
    client.stop();
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(server.storefront).toHaveLength(12);
  });

  it('no slow retry after a failure retrying cannot cure (a 4xx, a malformed token)', async () => {
    for (const storefront of [() => ({ status: 403 }), () => ({ body: 'junk' })]) {
      const server = scriptedFetch({ storefront });
      create({ fetch: server.fetch }).start();
      await vi.advanceTimersByTimeAsync(3600_000);
      expect(server.storefront).toHaveLength(1);
    }
  });

  it('recovers when a retry succeeds', async () => {
    const server = scriptedFetch({
      storefront: (n) => (n < 2 ? { status: 500 } : issuing()()),
      backend: ok,
    });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    client.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect([server.storefront.length, server.backend.length, errors.length]).toEqual([3, 1, 0]);
  });

  it.each([
    ['delay seconds', () => '7'],
    ['an HTTP date', () => new Date(Date.now() + 7000).toUTCString()],
  ])('429 honours Retry-After given as %s', async (_name, header) => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const server = scriptedFetch({
      storefront: (n) =>
        n === 0 ? { status: 429, headers: { 'retry-after': header() } } : issuing()(),
    });
    const client = create({ fetch: server.fetch });
    const pending = client.getToken();
    await vi.advanceTimersByTimeAsync(6900);
    expect(server.storefront).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(server.storefront).toHaveLength(2);
    await expect(pending).resolves.toMatch(/\./);
  });

  it('network errors retry, then reject getToken() with code "network"', async () => {
    const server = scriptedFetch({ storefront: () => new TypeError('Failed to fetch') });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    const pending = client.getToken();
    const settled = expect(pending).rejects.toMatchObject({ code: 'network' });
    await vi.advanceTimersByTimeAsync(30_000);
    await settled;
    expect(server.storefront).toHaveLength(4);
    expect(errors.map((e) => e.code)).toEqual(['network']);
  });

  it('aborts each request after timeoutMs (default 10 s) and retries; then "timeout"', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const server = scriptedFetch({ storefront: () => 'hang' });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    client.start();
    await vi.advanceTimersByTimeAsync(9999);
    expect(server.storefront[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.storefront[0]?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(server.storefront).toHaveLength(4);
    expect(server.storefront.every((call) => call.signal.aborted)).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['timeout']);
  });

  it('a custom timeoutMs applies', async () => {
    const server = scriptedFetch({ storefront: () => 'hang' });
    create({ fetch: server.fetch, timeoutMs: 500 }).start();
    await vi.advanceTimersByTimeAsync(499);
    // Not aborted early (at 0 ms, say), and aborted at 500 ms exactly.
    expect(server.storefront).toHaveLength(1);
    expect(server.storefront[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.storefront[0]?.signal.aborted).toBe(true);
  });

  it.each([400, 403, 410])('storefront %i: no retry, one error event', async (status) => {
    const server = scriptedFetch({ storefront: () => ({ status }) });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    client.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.storefront).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual([`storefront_http_${status}`]);
  });

  it('backend 5xx retries; backend 403 does not', async () => {
    const five = scriptedFetch({ storefront: issuing(), backend: () => ({ status: 502 }) });
    const retried = create({ fetch: five.fetch });
    const fiveErrors = errorsOf(retried);
    retried.start();
    await vi.advanceTimersByTimeAsync(60_000);
    // Each retry, after its wait, asks the storefront for a fresh token first.
    expect([five.storefront.length, five.backend.length]).toEqual([4, 4]);
    expect(fiveErrors.map((e) => e.code)).toEqual(['backend_http_502']);
    const four = scriptedFetch({ storefront: issuing(), backend: () => ({ status: 403 }) });
    const client = create({ fetch: four.fetch });
    await expect(client.post()).rejects.toMatchObject({ code: 'backend_http_403', status: 403 });
    expect(four.backend).toHaveLength(1);
  });

  it('backend 401: fetches a fresh token once and posts again, then gives up', async () => {
    // 401 forever, as far as a bounded test can say: after 20 POSTs the backend stops answering, so a
    // client that loops fails the counts below instead of hanging the test.
    const server = scriptedFetch({
      storefront: issuing(),
      backend: (n) => (n < 20 ? { status: 401 } : 'hang'),
    });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    client.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect([server.storefront.length, server.backend.length]).toEqual([2, 2]);
    const bodies = server.backend.map((call) => call.init.body);
    expect(bodies[0]).not.toBe(bodies[1]);
    expect(errors.map((e) => e.code)).toEqual(['backend_http_401']);
  });

  it('backend 401 then 200: the fresh token is accepted', async () => {
    const server = scriptedFetch({
      storefront: issuing(),
      backend: (n) => (n === 0 ? { status: 401 } : json({ ok: 1 })),
    });
    const client = create({ fetch: server.fetch });
    await expect(client.post()).resolves.toEqual({ ok: 1 });
  });

  it('a malformed token is an error event and is never posted', async () => {
    const server = scriptedFetch({
      storefront: () => ({ body: '<html>Please log in</html>' }),
      backend: ok,
    });
    const client = create({ fetch: server.fetch });
    const errors = errorsOf(client);
    client.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(errors.map((e) => e.code)).toEqual(['token_malformed']);
    expect(server.storefront).toHaveLength(1);
    expect(server.backend).toHaveLength(0);
  });

  it('start() never lets a rejection escape, whatever fails', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      for (const storefront of [
        () => new TypeError('offline'),
        () => ({ status: 500 }),
        () => ({ body: 'junk' }),
        () => ({ status: 404 }),
      ]) {
        const server = scriptedFetch({ storefront, backend: () => ({ status: 500 }) });
        create({ fetch: server.fetch }).start();
      }
      const broken = scriptedFetch({ storefront: issuing(), backend: () => ({ status: 401 }) });
      create({ fetch: broken.fetch }).start();
      await vi.advanceTimersByTimeAsync(120_000);
      vi.useRealTimers();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe('bad configuration', () => {
  it.each([
    [{ appClientId: '' }, 'appClientId'],
    [{ appClientId: undefined }, 'appClientId'],
    [{ endpoint: 'not a url' }, 'endpoint'],
    [{ endpoint: '/relative/path' }, 'endpoint'],
    [{ endpoint: 'http://app.example.com/x' }, 'endpoint'],
    [{ endpoint: 'ftp://app.example.com/x' }, 'endpoint'],
    [{ credentials: 'same-origin' }, 'credentials'],
    [{ timeoutMs: -1 }, 'timeoutMs'],
    [{ leewaySeconds: '30' }, 'leewaySeconds'],
    [{ autoRefresh: 'yes' }, 'autoRefresh'],
  ])('%j: one console.error naming %s, no requests, no throw', async (bad, setting) => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const server = scriptedFetch({ storefront: issuing(), backend: ok });
    const options = { appClientId: CLIENT_ID, endpoint: ENDPOINT, fetch: server.fetch, ...bad };
    let client: CurrentCustomer | undefined;
    expect(() => {
      client = createCurrentCustomer(options as CurrentCustomerOptions);
      client.start();
    }).not.toThrow();
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).toContain(setting);
    await expect(client?.getToken()).rejects.toMatchObject({ code: 'config_invalid' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toHaveLength(0);
    expect(events.seen.map((e) => (e.detail.error as CurrentCustomerError).code)).toContain(
      'config_invalid',
    );
    expect(error).toHaveBeenCalledTimes(1);
  });

  it.each([
    'http://localhost:3000/x',
    'http://127.0.0.1:8787/x',
    'http://[::1]:8080/x',
    'https://app.example.com/x',
  ])('accepts %s', async (endpoint) => {
    const server = scriptedFetch({ storefront: issuing(), backend: ok });
    await create({ fetch: server.fetch, endpoint }).post();
    expect(server.backend[0]?.url).toBe(endpoint);
  });
});

describe('page lifecycle', () => {
  it('pagehide aborts requests in flight, quietly', async () => {
    const server = scriptedFetch({ storefront: () => 'hang' });
    const client = create({ fetch: server.fetch });
    const errors = vi.fn();
    client.on('error', errors);
    client.start();
    await flush();
    window.dispatchEvent(new Event('pagehide'));
    expect(server.storefront[0]?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.storefront).toHaveLength(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it('pagehide also cancels a backoff wait', async () => {
    const server = scriptedFetch({ storefront: () => ({ status: 500 }) });
    create({ fetch: server.fetch }).start();
    await flush();
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.storefront).toHaveLength(1);
  });

  it('stop() clears timers and listeners; start() again works', async () => {
    const server = scriptedFetch({ storefront: issuing(900), backend: ok });
    const client = create({ fetch: server.fetch });
    client.start();
    await flush();
    client.stop();
    await vi.advanceTimersByTimeAsync(3600_000);
    setVisibility('hidden');
    setVisibility('visible');
    window.dispatchEvent(new Event('online'));
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
    client.start();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([2, 2]);
    await vi.advanceTimersByTimeAsync(870_000);
    expect([server.storefront.length, server.backend.length]).toEqual([3, 3]);
  });

  it('stop() then start() at once, with a request in flight, still fetches and posts', async () => {
    let hang = true;
    const server = scriptedFetch({ storefront: () => (hang ? 'hang' : issuing()()), backend: ok });
    const client = create({ fetch: server.fetch });
    client.start();
    await flush();
    hang = false;
    client.stop();
    client.start();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([2, 1]);
  });

  it('start() twice starts once', async () => {
    const server = scriptedFetch({ storefront: issuing(), backend: ok });
    const client = create({ fetch: server.fetch });
    client.start();
    client.start();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
  });
});

describe('what each wait and retry guarantees', () => {
  it('a leeway as long as the lifetime still caches a token for half its lifetime, never fetching in a loop', async () => {
    const server = scriptedFetch({ storefront: issuing(60), backend: ok });
    const client = create({ fetch: server.fetch, leewaySeconds: 600 });
    client.start();
    await flush();
    expect(server.storefront).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(client.getClaims()).not.toBeNull();
    expect(server.storefront).toHaveLength(1);
    // Refreshed every 30 s: 3 more in 90 s, not thousands.
    await vi.advanceTimersByTimeAsync(90_000);
    expect([server.storefront.length, server.backend.length]).toEqual([4, 4]);
  });

  it('a POST retried after a wait (503, Retry-After) carries a fresh token from the storefront', async () => {
    const server = scriptedFetch({
      storefront: issuing(),
      backend: (n) => (n === 0 ? { status: 503, headers: { 'retry-after': '5' } } : ok()),
    });
    const client = create({ fetch: server.fetch });
    client.start();
    await flush();
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
    // The token is not kept across the wait: nothing hands it out meanwhile.
    expect(client.getClaims()).toBeNull();
    await vi.advanceTimersByTimeAsync(4_999);
    expect([server.storefront.length, server.backend.length]).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(1);
    expect([server.storefront.length, server.backend.length]).toEqual([2, 2]);
    const [first, second] = server.backend.map((call) => call.init.body);
    expect(second).not.toBe(first);
    expect(second).toBe(await client.getToken());
    expect(client.getResponse()).toEqual({ ok: true });
  });

  it('the 60-s retry after a refresh that failed for good asks the storefront first too', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const server = scriptedFetch({
      storefront: issuing(),
      backend: (n) => (n < 4 ? { status: 503 } : ok()),
    });
    const client = create({ fetch: server.fetch });
    client.start();
    await vi.advanceTimersByTimeAsync(10);
    expect([server.storefront.length, server.backend.length]).toEqual([4, 4]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect([server.storefront.length, server.backend.length]).toEqual([5, 5]);
    expect(server.backend[4]?.init.body).toBe(await client.getToken());
  });

  it('a POST that timed out is not sent again (the backend may have done the work)', async () => {
    const server = scriptedFetch({ storefront: issuing(), backend: () => 'hang' });
    const client = create({ fetch: server.fetch });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.code));
    client.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.backend[0]?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(50_000);
    expect(server.backend).toHaveLength(1);
    expect(errors).toEqual(['timeout']);
    // post() too: one POST, then the timeout.
    const again = client.post().catch((error: CurrentCustomerError) => error.code);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(await again).toBe('timeout');
    expect(server.backend).toHaveLength(2);
  });
});
