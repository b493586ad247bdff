// The emulated store REST API: documented shapes (field names and JSON types of BigCommerce's published
// examples), the customer filter and order, 204 for an empty v2 list, X-Auth-Token, the rate-limit headers
// and 429, and its faults. The handler is called directly with Fetch Requests and a fake clock; the `down`
// fault goes through a real HTTP server, where it must drop the connection.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CUSTOMERS } from '../../src/dev/customers.js';
import { startEmulator } from '../../src/dev/emulator.js';
import { parseDevOptions } from '../../src/dev/options.js';
import { CUSTOMER_WITHOUT_ORDERS, ORDERS, OTHER_SHOPPER_ID } from '../../src/dev/orders.js';
import { createStoreApi, emptyStoreApiStats } from '../../src/dev/store-api.js';
import { parseStoreApiFault, type StoreApiFault } from '../../src/dev/store-api-fault.js';
import { packageRoot } from '../../src/paths.js';
import { V2_ORDER, V2_ORDER_PRODUCT, V3_PAGINATION, V3_PRODUCT } from './store-api.fixtures.js';

const TOKEN = 'demo-access-token';
const ORIGIN = 'http://127.0.0.1:3737';
const JANE = (DEMO_CUSTOMERS[0] as { id: number }).id;

function api(options: { quota?: number; windowMs?: number } = {}) {
  let fault: StoreApiFault = { kind: 'none' };
  const clock = { now: 1_000_000 };
  const stats = emptyStoreApiStats();
  const storeApi = createStoreApi({
    storeHash: 'dev123',
    accessToken: TOKEN,
    storefrontOrigin: () => ORIGIN,
    stats,
    fault: () => fault,
    now: () => clock.now,
    ...options,
  });
  const get = (path: string, token: string | null = TOKEN) =>
    storeApi.handle(
      new Request(`${ORIGIN}/stores/dev123/${path}`, {
        headers: token === null ? {} : { 'x-auth-token': token },
      }),
    );
  return {
    get,
    stats,
    clock,
    setFault: (next: StoreApiFault) => {
      fault = next;
    },
  };
}

/** The JSON type of a value: `array`, `null`, or typeof. */
const typeOf = (value: unknown) =>
  Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;

/** Every field of `actual` exists in `documented` with the same JSON type, recursively into objects. */
function expectDocumentedShape(actual: unknown, documented: unknown, path = '$'): void {
  expect(typeOf(actual), path).toBe(typeOf(documented));
  if (typeOf(actual) !== 'object') return;
  const doc = documented as Record<string, unknown>;
  for (const [key, value] of Object.entries(actual as Record<string, unknown>)) {
    expect(Object.keys(doc), `${path}.${key} is documented`).toContain(key);
    expectDocumentedShape(value, doc[key], `${path}.${key}`);
  }
}

describe('shapes, against the documented examples', () => {
  it('v2 orders: the documented order fields, with their types, and an RFC 2822 date', async () => {
    const { get } = api();
    const response = await get(`v2/orders?customer_id=${JANE}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const orders = (await response.json()) as Record<string, unknown>[];
    expect(orders.length).toBeGreaterThan(1);
    for (const order of orders) {
      expectDocumentedShape(order, V2_ORDER);
      expect(Object.keys(order).sort()).toEqual(Object.keys(V2_ORDER).sort());
      expect(order.date_created).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    }
  });

  it('v2 order products: the documented line fields', async () => {
    const { get } = api();
    const lines = (await (await get('v2/orders/102/products')).json()) as unknown[];
    expect(lines.length).toBe(2);
    for (const line of lines) expectDocumentedShape(line, V2_ORDER_PRODUCT);
    expect(lines.map((l) => (l as { product_id: number }).product_id)).toEqual([80, 0]);
  });

  it('v3 catalog products: { data, meta.pagination }, custom_url and primary_image', async () => {
    const { get } = api();
    const response = await get('v3/catalog/products?id:in=86,97,103&include=primary_image');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data: Record<string, unknown>[];
      meta: { pagination: unknown };
    };
    expect(body.data.map((p) => p.id)).toEqual([86, 97, 103]);
    for (const product of body.data) expectDocumentedShape(product, V3_PRODUCT);
    expectDocumentedShape(body.meta.pagination, V3_PAGINATION);
    expect(body.meta.pagination).toMatchObject({ total: 3, count: 3, current_page: 1 });
    expect(body.data[0]).toMatchObject({
      name: 'Able Brewing System',
      custom_url: { url: '/able-brewing-system/' },
    });
    // Without include=primary_image there is no image.
    const plain = (await (await get('v3/catalog/products?id:in=86')).json()) as {
      data: Record<string, unknown>[];
    };
    expect(plain.data[0]).not.toHaveProperty('primary_image');
  });
});

describe('queries', () => {
  it("filters by customer_id: never another shopper's orders", async () => {
    const { get } = api();
    const orders = (await (await get(`v2/orders?customer_id=${JANE}`)).json()) as {
      customer_id: number;
    }[];
    expect(orders.every((o) => o.customer_id === JANE)).toBe(true);
    expect(orders).toHaveLength(ORDERS.filter((o) => o.customerId === JANE).length);
    const others = (await (await get(`v2/orders?customer_id=${OTHER_SHOPPER_ID}`)).json()) as {
      customer_id: number;
    }[];
    expect(others.every((o) => o.customer_id === OTHER_SHOPPER_ID)).toBe(true);
  });

  it('sorts by date_created:desc and honours limit (ids are not in date order)', async () => {
    const { get } = api();
    const all = (await (
      await get(`v2/orders?customer_id=${JANE}&sort=date_created:desc`)
    ).json()) as {
      id: number;
      date_created: string;
    }[];
    const dates = all.map((o) => Date.parse(o.date_created));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect(all.map((o) => o.id)).toEqual([105, 102, 100, 103]);
    const two = (await (
      await get(`v2/orders?customer_id=${JANE}&sort=date_created:desc&limit=2`)
    ).json()) as { id: number }[];
    expect(two.map((o) => o.id)).toEqual([105, 102]);
    const page2 = (await (
      await get(`v2/orders?customer_id=${JANE}&sort=date_created:desc&limit=2&page=2`)
    ).json()) as { id: number }[];
    expect(page2.map((o) => o.id)).toEqual([100, 103]);
    const byId = (await (await get(`v2/orders?customer_id=${JANE}`)).json()) as { id: number }[];
    expect(byId.map((o) => o.id)).toEqual([100, 102, 103, 105]);
  });

  it('answers an empty v2 list with 204 and no body; an empty v3 list with 200 and data []', async () => {
    const { get } = api();
    const none = await get(`v2/orders?customer_id=${CUSTOMER_WITHOUT_ORDERS}`);
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
    const pastTheEnd = await get(`v2/orders?customer_id=${JANE}&page=9`);
    expect(pastTheEnd.status).toBe(204);
    const v3 = await get('v3/catalog/products?id:in=999999');
    expect(v3.status).toBe(200);
    expect(await v3.json()).toMatchObject({ data: [], meta: { pagination: { total: 0 } } });
  });

  it('refuses malformed queries with 400/422 and unknown orders and paths with 404', async () => {
    const { get } = api();
    expect((await get('v2/orders?limit=abc')).status).toBe(400);
    expect((await get('v2/orders?customer_id=1;drop')).status).toBe(400);
    expect((await get('v2/orders?sort=total:desc')).status).toBe(400);
    expect((await get('v3/catalog/products?id:in=1,x')).status).toBe(422);
    const missing = await get('v2/orders/999/products');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual([{ status: 404, message: expect.any(String) }]);
    expect((await get('v3/customers')).status).toBe(404);
  });
});

describe('X-Auth-Token', () => {
  it('answers 401 without the header or with a wrong token, in each version’s error shape', async () => {
    const { get, stats } = api();
    const without = await get('v2/orders', null);
    expect(without.status).toBe(401);
    expect(await without.json()).toEqual([{ status: 401, message: expect.any(String) }]);
    const wrong = await get('v3/catalog/products', 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ status: 401, title: expect.any(String) });
    expect(stats.unauthorized).toBe(2);
    // A refused request carries no rate-limit headers and takes nothing from the quota.
    expect(wrong.headers.get('x-rate-limit-requests-left')).toBeNull();
  });

  it('serves only its own store hash', async () => {
    const stats = emptyStoreApiStats();
    const storeApi = createStoreApi({
      storeHash: 'dev123',
      accessToken: TOKEN,
      storefrontOrigin: () => ORIGIN,
      stats,
      fault: () => ({ kind: 'none' }),
    });
    const other = await storeApi.handle(
      new Request(`${ORIGIN}/stores/other1/v2/orders`, { headers: { 'x-auth-token': TOKEN } }),
    );
    expect(other.status).toBe(404);
  });
});

describe('rate limits', () => {
  it('sends the window, reset, quota and left headers, then 429 until the window resets', async () => {
    const { get, clock, stats } = api({ quota: 3, windowMs: 30_000 });
    const lefts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await get('v2/orders?customer_id=1');
      expect(response.headers.get('x-rate-limit-time-window-ms')).toBe('30000');
      expect(response.headers.get('x-rate-limit-requests-quota')).toBe('3');
      lefts.push(response.headers.get('x-rate-limit-requests-left') as string);
      clock.now += 1000;
    }
    expect(lefts).toEqual(['2', '1', '0']);
    const limited = await get('v2/orders?customer_id=1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-rate-limit-requests-left')).toBe('0');
    expect(limited.headers.get('x-rate-limit-time-reset-ms')).toBe('27000');
    expect(stats.rateLimited).toBe(1);
    clock.now += 27_000;
    const after = await get('v2/orders?customer_id=1');
    expect(after.status).toBe(204);
    expect(after.headers.get('x-rate-limit-requests-left')).toBe('2');
  });
});

describe('faults', () => {
  it('429:<s>: the quota is used up for <s> seconds from the next request, then normal', async () => {
    const { get, clock, setFault } = api();
    setFault({ kind: '429', seconds: 2 });
    const first = await get('v2/orders?customer_id=1');
    expect(first.status).toBe(429);
    expect(first.headers.get('x-rate-limit-time-reset-ms')).toBe('2000');
    clock.now += 1500;
    const second = await get('v2/orders?customer_id=1');
    expect(second.status).toBe(429);
    expect(second.headers.get('x-rate-limit-time-reset-ms')).toBe('500');
    clock.now += 500;
    expect((await get('v2/orders?customer_id=1')).status).toBe(204);
  });

  it('500 answers the error shape; slow answers late', async () => {
    const { get, setFault } = api();
    setFault({ kind: '500' });
    const failed = await get('v3/catalog/products');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ status: 500 });
    setFault({ kind: 'slow', seconds: 1 });
    const started = Date.now();
    expect((await get('v2/orders/100/products')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('down drops the connection without an answer (over real HTTP)', async () => {
    const emulator = await startEmulator({ port: 0, backendPort: 0, panel: false });
    try {
      const url = `${emulator.storeApiUrl}v2/orders?customer_id=${CUSTOMER_WITHOUT_ORDERS}`;
      const headers = { 'x-auth-token': emulator.storeApiToken };
      expect((await fetch(url, { headers })).status).toBe(204);
      emulator.setStoreApiFault({ kind: 'down' });
      await expect(fetch(url, { headers })).rejects.toThrow(TypeError);
      emulator.setStoreApiFault({ kind: 'none' });
      expect((await fetch(url, { headers: { 'x-auth-token': 'wrong' } })).status).toBe(401);
    } finally {
      await emulator.close();
    }
  });

  it('parses the spellings and names the flag in errors', () => {
    expect(parseStoreApiFault('429', 'f')).toEqual({ kind: '429', seconds: 2 });
    expect(parseStoreApiFault(' SLOW:3 ', 'f')).toEqual({ kind: 'slow', seconds: 3 });
    expect(parseStoreApiFault('down', 'f')).toEqual({ kind: 'down' });
    expect(() => parseStoreApiFault('slow', '--store-api-fault')).toThrow(/--store-api-fault/);
    expect(() => parseStoreApiFault('503', '--store-api-fault')).toThrow(/one of none, slow/);
    expect(() => parseStoreApiFault('500:3', 'f')).toThrow(/takes no seconds/);
  });
});

describe('the dev command', () => {
  it('reads --store-api-fault and CURRENT_CUSTOMER_STORE_API_FAULT (the flag wins)', () => {
    expect(parseDevOptions([], {}).storeApiFault).toEqual({ kind: 'none' });
    expect(
      parseDevOptions([], { CURRENT_CUSTOMER_STORE_API_FAULT: '429:3' }).storeApiFault,
    ).toEqual({ kind: '429', seconds: 3 });
    expect(
      parseDevOptions(['--store-api-fault', 'down'], { CURRENT_CUSTOMER_STORE_API_FAULT: '500' })
        .storeApiFault,
    ).toEqual({ kind: 'down' });
    expect(() => parseDevOptions(['--store-api-fault=sometimes'], {})).toThrow(
      /--store-api-fault must be one of/,
    );
  });

  it('prints the store API base URL and access token at start-up, and they work (built)', async () => {
    const cli = join(packageRoot(), 'dist', 'cli.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first`);
    const child = spawn(
      process.execPath,
      [cli, 'dev', '--port', '0', '--backend-port', '0', '--store-api-fault', '429:1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
      });
      const deadline = Date.now() + 15_000;
      while (!out.includes('press Ctrl-C')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const found =
        /^store API:\s+(http:\/\/127\.0\.0\.1:\d+\/stores\/dev123\/) \(X-Auth-Token: (\w+)\)$/m.exec(
          out,
        );
      expect(found).not.toBeNull();
      expect(out).toContain('faults: store API 429:1');
      const [, base, token] = found as unknown as [string, string, string];
      const url = `${base}v2/orders?customer_id=${CUSTOMER_WITHOUT_ORDERS}`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { 'x-auth-token': token } })).status).toBe(429);
    } finally {
      child.kill('SIGINT');
    }
  });
});
