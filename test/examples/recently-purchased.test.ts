// The recently purchased example's backend against the emulated store API, with real tokens signed by jose
// (the independent reference): the answer holds only shopper-visible fields, newest first; a refused token
// (forged, another store's, expired) makes no API call; a 429 is waited out within the budget and answered;
// an outage, a timeout or one failing order gives 503 with Retry-After, never a partial list; the cache is
// per (storeHash, customer.id) and keeps no failure. The demo backend of `npm start` answers the same.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  type RecentlyPurchasedOptions,
  recentlyPurchasedEndpoint,
} from '../../examples/recently-purchased/recently-purchased.js';
import { DEMO_CUSTOMERS } from '../../src/dev/customers.js';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { createCurrentCustomerHandler } from '../../src/server/index.js';

const CLIENT_ID = 'recently-purchased-test';
const SECRET = 'recently-purchased-test-secret-0123456789';
const STORE = 'abc123';
const [JANE, SAM] = DEMO_CUSTOMERS as unknown as [
  { id: number; email: string },
  { id: number; email: string },
];

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    backendPort: 0,
    panel: false,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    storeHash: STORE,
  });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.setStoreApiFault({ kind: 'none' });
});

/** API calls the emulated store API has seen so far. */
const apiCalls = () => emulator.stats.storeApi.requests;

interface Claims {
  customer: { id: number; email: string };
  store: string;
  secret?: string;
  /** Seconds from now. */
  expiresIn?: number;
}

function sign({ customer, store, secret = SECRET, expiresIn = 900 }: Claims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    customer: { id: customer.id, email: customer.email, group_id: '1' },
    application_id: 'app',
    store_hash: store,
    operation: 'current_customer',
    version: 1,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('bc/apps')
    .setSubject(store)
    .setAudience(CLIENT_ID)
    .setIssuedAt(now - 1)
    .setExpirationTime(now + expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** The example's handler, as handler.js builds it, pointed at the emulated store API. */
function exampleHandler(overrides: Partial<RecentlyPurchasedOptions> = {}) {
  const storeErrors: string[] = [];
  const handler = createCurrentCustomerHandler(
    recentlyPurchasedEndpoint({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      allowedOrigins: [emulator.storefrontOrigin],
      stores: new Map([
        [STORE, { accessToken: emulator.storeApiToken, apiBase: emulator.storeApiUrl }],
      ]),
      onStoreApiError: (error) => storeErrors.push(error.message),
      ...overrides,
    }),
  );
  const post = async (token: string) => {
    const response = await handler(
      new Request('http://127.0.0.1/current-customer', {
        method: 'POST',
        headers: { origin: emulator.storefrontOrigin, 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      }),
    );
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : null,
    };
  };
  return { post, storeErrors };
}

const JANE_NEWEST_FIRST = [
  'Tiered Wire Basket',
  'Orbit Terrarium - Large',
  'Able Brewing System',
  'Chemex Coffeemaker 3 Cup',
  'Fog Linen Chambray Towel - Beige Stripe',
];

describe('answers', () => {
  it('a customer with orders: their products, newest first, only shopper-visible fields', async () => {
    const { post } = exampleHandler();
    const before = apiCalls();
    const { status, body } = await post(await sign({ customer: JANE, store: STORE }));
    expect(status).toBe(200);
    const products = body.products as Record<string, unknown>[];
    expect(products.map((p) => p.name)).toEqual(JANE_NEWEST_FIRST);
    for (const product of products) {
      expect(Object.keys(product).sort()).toEqual(['image', 'name', 'purchasedAt', 'url']);
      expect(product.url).toMatch(/^\/[a-z0-9-]+\/$/);
      expect(product.image).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/product_images\/thumbnail\//);
    }
    const dates = products.map((p) => Date.parse(p.purchasedAt as string));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect(products[0]?.purchasedAt).toBe('2024-06-28T18:05:00.000Z');
    // Nothing private: no email, address, order id, price or the hidden product bought in the latest order.
    const text = JSON.stringify(body);
    for (const secret of [
      JANE.email,
      'Anderson',
      'Utility Caddy',
      '105',
      '119.95',
      'Gift wrapping',
    ]) {
      expect(text).not.toContain(secret);
    }
    // Cold: the orders, each of the 4 orders' products, and one catalog request.
    expect(apiCalls() - before).toBe(6);
  });

  it('a customer without orders: an empty list after one API call (the 204)', async () => {
    const { post } = exampleHandler();
    const before = apiCalls();
    const { status, body } = await post(await sign({ customer: SAM, store: STORE }));
    expect(status).toBe(200);
    expect(body).toEqual({ products: [] });
    expect(apiCalls() - before).toBe(1);
  });

  it('caches per (storeHash, customer.id): a second view costs no API call, another customer does', async () => {
    const { post } = exampleHandler();
    const first = await post(await sign({ customer: JANE, store: STORE }));
    const before = apiCalls();
    const again = await post(await sign({ customer: JANE, store: STORE }));
    expect(again.body).toEqual(first.body);
    expect(apiCalls() - before).toBe(0);
    const sam = await post(await sign({ customer: SAM, store: STORE }));
    expect(sam.body).toEqual({ products: [] });
    expect(apiCalls() - before).toBe(1);
  });

  it('several tabs posting at once share one lookup', async () => {
    const { post } = exampleHandler();
    const token = await sign({ customer: JANE, store: STORE });
    const before = apiCalls();
    const answers = await Promise.all([post(token), post(token), post(token)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(apiCalls() - before).toBe(6);
  });

  it('expires the cache after cacheSeconds', async () => {
    let now = Date.now();
    const { post } = exampleHandler({ now: () => now, limits: { cacheSeconds: 60 } });
    await post(await sign({ customer: SAM, store: STORE }));
    const before = apiCalls();
    now += 59_000;
    await post(await sign({ customer: SAM, store: STORE }));
    expect(apiCalls() - before).toBe(0);
    now += 2_000;
    await post(await sign({ customer: SAM, store: STORE }));
    expect(apiCalls() - before).toBe(1);
  });
});

describe('refused tokens make no API call', () => {
  it.each([
    [
      'forged (another secret)',
      { customer: JANE, store: STORE, secret: 'an-attackers-guess-0123456789' },
      401,
    ],
    ["another store's (signed with our secret)", { customer: JANE, store: 'other1' }, 401],
    ['expired', { customer: JANE, store: STORE, expiresIn: -120 }, 401],
  ] as [string, Claims, number][])('%s', async (_name, claims, status) => {
    const { post } = exampleHandler();
    const before = apiCalls();
    const answer = await post(await sign(claims));
    expect(answer.status).toBe(status);
    expect(answer.body).not.toHaveProperty('products');
    expect(apiCalls() - before).toBe(0);
  });

  it('not a token at all', async () => {
    const { post } = exampleHandler();
    const before = apiCalls();
    expect((await post('not.a.token')).status).toBe(401);
    expect(apiCalls() - before).toBe(0);
  });
});

describe('store API conditions', () => {
  it('waits out a 429 for X-Rate-Limit-Time-Reset-Ms and answers', async () => {
    const { post } = exampleHandler();
    emulator.setStoreApiFault({ kind: '429', seconds: 1 });
    const limitedBefore = emulator.stats.storeApi.rateLimited;
    const started = Date.now();
    const { status, body } = await post(await sign({ customer: JANE, store: STORE }));
    expect(status).toBe(200);
    expect(body.products.map((p: { name: string }) => p.name)).toEqual(JANE_NEWEST_FIRST);
    expect(emulator.stats.storeApi.rateLimited - limitedBefore).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a 429 longer than the budget: 503 with its reset as Retry-After, at once', async () => {
    const { post } = exampleHandler();
    emulator.setStoreApiFault({ kind: '429', seconds: 30 });
    const started = Date.now();
    const { status, headers, body } = await post(await sign({ customer: JANE, store: STORE }));
    expect(status).toBe(503);
    expect(body).toEqual({ error: 'store_api_unavailable' });
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(Date.now() - started).toBeLessThan(DEFAULTS.budgetMs);
  });

  it.each([
    ['500', { kind: '500' }],
    ['down (connection dropped)', { kind: 'down' }],
  ] as const)('an outage (%s): 503 with Retry-After, never 500', async (_name, fault) => {
    const { post, storeErrors } = exampleHandler();
    emulator.setStoreApiFault(fault);
    const { status, headers, body } = await post(await sign({ customer: JANE, store: STORE }));
    expect(status).toBe(503);
    expect(headers.get('retry-after')).toBe(String(DEFAULTS.retryAfterSeconds));
    expect(headers.get('access-control-allow-origin')).toBe(emulator.storefrontOrigin);
    expect(body).toEqual({ error: 'store_api_unavailable' });
    expect(storeErrors).toHaveLength(1);
    // No token in what is reported.
    expect(storeErrors[0]).not.toMatch(/eyJ/);
  });

  it('a slow API: the request timeout gives 503', async () => {
    const { post } = exampleHandler({ limits: { requestTimeoutMs: 300 } });
    emulator.setStoreApiFault({ kind: 'slow', seconds: 1 });
    const started = Date.now();
    const { status } = await post(await sign({ customer: SAM, store: STORE }));
    expect(status).toBe(503);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('one failing order: 503 for the whole answer, never a partial list; failures are not cached', async () => {
    const fetchSome = (input: URL, init: RequestInit) =>
      input.pathname.endsWith('/orders/102/products')
        ? Promise.resolve(new Response('[{"status":500}]', { status: 500 }))
        : fetch(input, init);
    const failing = exampleHandler({ fetch: fetchSome });
    const token = await sign({ customer: JANE, store: STORE });
    const answer = await failing.post(token);
    expect(answer.status).toBe(503);
    expect(answer.body).not.toHaveProperty('products');
    // The same handler, once the API answers again: a whole list (nothing of the failure was kept).
    emulator.setStoreApiFault({ kind: '500' });
    const shared = exampleHandler();
    expect((await shared.post(token)).status).toBe(503);
    emulator.setStoreApiFault({ kind: 'none' });
    const whole = await shared.post(token);
    expect(whole.status).toBe(200);
    expect(whole.body.products).toHaveLength(JANE_NEWEST_FIRST.length);
  });

  it("an order of another customer in the answer is refused as a whole (the API's filter is checked)", async () => {
    const ignoreFilter = (input: URL, init: RequestInit) => {
      const url = new URL(input);
      if (url.pathname.endsWith('/v2/orders')) url.searchParams.set('customer_id', '7001');
      return fetch(url, init);
    };
    const { post } = exampleHandler({ fetch: ignoreFilter });
    expect((await post(await sign({ customer: JANE, store: STORE }))).status).toBe(503);
  });
});

describe("npm start's demo backend is the example", () => {
  const postToDemo = async (token: string) => {
    const response = await fetch(emulator.demoBackendUrl as string, {
      method: 'POST',
      headers: { origin: emulator.storefrontOrigin, 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };

  it('answers the same products, and 503 when the store API is down', async () => {
    const token = await sign({ customer: JANE, store: STORE });
    const demo = await postToDemo(token);
    expect(demo.status).toBe(200);
    expect(demo.body.products).toEqual((await exampleHandler().post(token)).body.products);
    const before = apiCalls();
    expect((await postToDemo(await sign({ customer: JANE, store: 'other1' }))).status).toBe(401);
    expect(apiCalls()).toBe(before);
    emulator.setStoreApiFault({ kind: 'down' });
    const down = await postToDemo(await sign({ customer: SAM, store: STORE }));
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe(String(DEFAULTS.retryAfterSeconds));
  });
});
