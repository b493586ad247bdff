// The parts of BigCommerce's store REST API that the "recently purchased" example needs, served by the
// emulator under /stores/<store_hash>/ on its own origin:
//   GET v2/orders?customer_id=&sort=&limit=&page=        (an empty list is `204 No Content`, as v2 does)
//   GET v2/orders/<id>/products
//   GET v3/catalog/products?id:in=&include=primary_image  (`{ data, meta.pagination }`)
// with `X-Auth-Token` (401 without it or with a wrong one) and the rate-limit headers on every authenticated
// answer (`429` once the window's quota is used up).
//
// Shapes: field names and example values follow BigCommerce's published API reference (the v2 Orders and
// Order Products examples, the v3 Catalog product with `primary_image`, the "API rate limits" page: quota per
// window, `X-Rate-Limit-Time-Window-Ms`, `-Time-Reset-Ms`, `-Requests-Quota`, `-Requests-Left`). Each
// answer carries a subset of the documented fields, with their documented names and types. Places where the
// shape could not be confirmed in the published material are marked UNCONFIRMED below.
import { DEMO_CUSTOMERS } from './customers.js';
import { delay } from './faults.js';
import { CATALOG, type CatalogProduct, type DemoOrder, ORDERS, type OrderLine } from './orders.js';
import type { StoreApiFault } from './store-api-fault.js';

/** Plus & Standard plans: 150 requests per 30-second window (BigCommerce's "API rate limits" page). */
export const DEFAULT_QUOTA = 150;
export const DEFAULT_WINDOW_MS = 30_000;
/** v2 and v3 both cap `limit` at 250 and default to 50. */
const MAX_LIMIT = 250;
const DEFAULT_LIMIT = 50;
/** Entries kept in `log`. */
const MAX_LOG = 1000;

export interface StoreApiStats {
  /** Every request under /stores/. */
  requests: number;
  /** ...refused 401 (no or a wrong X-Auth-Token). */
  unauthorized: number;
  /** ...answered 429 (quota used up or the `429` fault). */
  rateLimited: number;
  /** One entry per request, in order (the latest 1,000): path with query, status, customer_id asked for. */
  log: { at: number; path: string; status: number }[];
}

export function emptyStoreApiStats(): StoreApiStats {
  return { requests: 0, unauthorized: 0, rateLimited: 0, log: [] };
}

export interface StoreApiOptions {
  storeHash: string;
  /** The API account's access token the requests must carry in `X-Auth-Token`. */
  accessToken: string;
  /** The storefront's origin: where product pages and images live. */
  storefrontOrigin(): string;
  stats: StoreApiStats;
  /** The fault in force (read on every request). */
  fault(): StoreApiFault;
  quota?: number;
  windowMs?: number;
  now?: () => number;
}

/** The path prefix of a store's API on the emulator's origin. */
export const storeApiPath = (storeHash: string): string => `/stores/${storeHash}/`;

const JSON_TYPE = 'application/json';

/** v2's error body: a list of `{ status, message }` (as in v2's documented error examples). */
const v2Error = (status: number, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify([{ status, message }]), {
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
  });

/**
 * v3's error body: `{ status, title, type }`. UNCONFIRMED: the exact `title` texts and `type` URL of the
 * 401, 404, 429 and 500 answers; the fields themselves are v3's documented error shape.
 */
const v3Error = (status: number, title: string, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({
      status,
      title,
      type: 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes',
      errors: {},
    }),
    { status, headers: { 'content-type': JSON_TYPE, ...headers } },
  );

const errorFor = (version: string) => (version === 'v2' ? v2Error : v3Error);

/** RFC 2822, as v2 writes dates: `Wed, 14 Nov 2012 19:26:23 +0000`. */
const rfc2822 = (iso: string): string => new Date(iso).toUTCString().replace('GMT', '+0000');

const money = (value: number): string => value.toFixed(4);

export function createStoreApi(options: StoreApiOptions) {
  const { stats } = options;
  const quota = options.quota ?? DEFAULT_QUOTA;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const now = options.now ?? Date.now;
  const prefix = storeApiPath(options.storeHash);
  /** The current rate-limit window: when it began and the requests it has taken. */
  let window = { start: -Infinity, used: 0 };
  /** The `429` fault's exhausted period: armed by the first request after the fault was set. */
  let exhausted: { fault: StoreApiFault; until: number } | undefined;

  const rateLimit = (): { headers: Record<string, string>; limited: boolean } => {
    const at = now();
    if (at - window.start >= windowMs) window = { start: at, used: 0 };
    let resetMs = window.start + windowMs - at;
    let left = quota - window.used;
    const fault = options.fault();
    if (fault.kind === '429') {
      if (exhausted?.fault !== fault) exhausted = { fault, until: at + fault.seconds * 1000 };
      if (at < exhausted.until) {
        left = 0;
        resetMs = exhausted.until - at;
      }
    }
    const limited = left <= 0;
    if (!limited) window.used++;
    return {
      limited,
      headers: {
        'x-rate-limit-time-window-ms': String(windowMs),
        'x-rate-limit-time-reset-ms': String(Math.max(0, Math.ceil(resetMs))),
        'x-rate-limit-requests-quota': String(quota),
        'x-rate-limit-requests-left': String(Math.max(0, limited ? 0 : left - 1)),
      },
    };
  };

  const productUrl = (path: string) => `${options.storefrontOrigin()}${path}`;

  /** A v2 order, with the documented fields an app is likely to read (and the private ones it must not pass on). */
  function orderJson(order: DemoOrder) {
    const customer = DEMO_CUSTOMERS.find((c) => c.id === order.customerId);
    const total = order.lines.reduce(
      (sum, l) => sum + (CATALOG.find((p) => p.id === l.productId)?.price ?? 5) * l.quantity,
      0,
    );
    const base = `${options.storefrontOrigin()}${prefix}v2/orders/${order.id}`;
    return {
      id: order.id,
      customer_id: order.customerId,
      date_created: rfc2822(order.createdAt),
      date_modified: rfc2822(order.createdAt),
      date_shipped: '',
      status_id: order.status[0],
      status: order.status[1],
      subtotal_ex_tax: money(total),
      subtotal_inc_tax: money(total),
      total_ex_tax: money(total),
      total_inc_tax: money(total),
      items_total: order.lines.reduce((n, l) => n + l.quantity, 0),
      payment_method: 'Credit Card',
      currency_code: 'USD',
      ip_address: '203.0.113.7',
      is_deleted: false,
      billing_address: {
        first_name: customer?.first_name ?? 'Alex',
        last_name: customer?.last_name ?? 'Shopper',
        street_1: '12345 W Anderson Ln',
        city: 'Austin',
        state: 'Texas',
        zip: '78757',
        country: 'United States',
        country_iso2: 'US',
        phone: customer?.phone ?? '',
        email: customer?.email ?? 'shopper@example.com',
      },
      products: { url: `${base}/products`, resource: `/orders/${order.id}/products` },
      shipping_addresses: {
        url: `${base}/shippingaddresses`,
        resource: `/orders/${order.id}/shippingaddresses`,
      },
      coupons: { url: `${base}/coupons`, resource: `/orders/${order.id}/coupons` },
    };
  }

  function orderProductJson(order: DemoOrder, l: OrderLine, index: number) {
    const product = CATALOG.find((p) => p.id === l.productId);
    const price = money(product?.price ?? 5);
    return {
      id: order.id * 10 + index,
      order_id: order.id,
      product_id: l.productId,
      order_address_id: order.id,
      name: l.name,
      sku: product?.sku ?? '',
      type: 'physical',
      base_price: price,
      price_ex_tax: price,
      price_inc_tax: price,
      base_total: money((product?.price ?? 5) * l.quantity),
      total_inc_tax: money((product?.price ?? 5) * l.quantity),
      quantity: l.quantity,
      is_refunded: false,
      product_options: [],
    };
  }

  function productJson(product: CatalogProduct, withImage: boolean) {
    const json: Record<string, unknown> = {
      id: product.id,
      name: product.name,
      type: 'physical',
      sku: product.sku,
      price: product.price,
      is_visible: product.visible,
      custom_url: { url: product.path, is_customized: false },
    };
    // UNCONFIRMED: what `include=primary_image` gives a product without images (here: no field at all).
    if (withImage && product.image !== null) {
      const file = product.image;
      const url = (size: string) => productUrl(`/product_images/${size}/${file}`);
      json.primary_image = {
        id: product.id * 10,
        product_id: product.id,
        is_thumbnail: true,
        sort_order: 0,
        description: '',
        image_file: `sample/${file}`,
        url_zoom: url('zoom'),
        url_standard: url('standard'),
        url_thumbnail: url('thumbnail'),
        url_tiny: url('tiny'),
        date_modified: '2024-01-01T00:00:00+00:00',
      };
    }
    return json;
  }

  /** A whole number from `raw` within [min, max], or the fallback when absent; undefined when malformed. */
  const wholeNumber = (raw: string | null, fallback: number, max: number): number | undefined => {
    if (raw === null) return fallback;
    if (!/^\d{1,9}$/.test(raw)) return undefined;
    return Math.min(Number(raw), max);
  };

  function listOrders(query: URLSearchParams): Response {
    const limit = wholeNumber(query.get('limit'), DEFAULT_LIMIT, MAX_LIMIT);
    const page = wholeNumber(query.get('page'), 1, 1e9);
    const customer = query.get('customer_id');
    if (limit === undefined || limit === 0 || page === undefined || page === 0) {
      return v2Error(400, 'The field "limit" or "page" is invalid.');
    }
    if (customer !== null && !/^\d{1,12}$/.test(customer)) {
      return v2Error(400, 'The field "customer_id" is invalid.');
    }
    let orders = ORDERS.filter((o) => customer === null || o.customerId === Number(customer));
    const sort = query.get('sort') ?? 'id:asc';
    const [field, direction = 'asc'] = sort.split(':');
    if (!['id', 'date_created'].includes(field as string) || !['asc', 'desc'].includes(direction)) {
      // UNCONFIRMED: v2's answer to a sort it does not know (the emulator only knows these two fields).
      return v2Error(400, `The sort "${sort}" is not supported by this emulator.`);
    }
    const key = (o: DemoOrder) => (field === 'id' ? o.id : Date.parse(o.createdAt));
    orders = [...orders].sort((a, b) => (key(a) - key(b)) * (direction === 'desc' ? -1 : 1));
    const slice = orders.slice((page - 1) * limit, page * limit);
    if (slice.length === 0) return new Response(null, { status: 204 });
    return Response.json(slice.map(orderJson));
  }

  function orderProducts(id: string): Response {
    const order = /^\d{1,12}$/.test(id) ? ORDERS.find((o) => o.id === Number(id)) : undefined;
    if (!order) return v2Error(404, 'The requested resource was not found.');
    return Response.json(order.lines.map((l, i) => orderProductJson(order, l, i)));
  }

  function listProducts(query: URLSearchParams, search: string): Response {
    const limit = wholeNumber(query.get('limit'), DEFAULT_LIMIT, MAX_LIMIT);
    const page = wholeNumber(query.get('page'), 1, 1e9);
    if (limit === undefined || limit === 0 || page === undefined || page === 0) {
      return v3Error(422, 'The field "limit" or "page" is invalid.');
    }
    const idIn = query.get('id:in');
    const ids = idIn === null ? null : idIn.split(',');
    if (ids?.some((id) => !/^\d{1,12}$/.test(id))) {
      return v3Error(422, 'The filter "id:in" must be a comma-separated list of integers.');
    }
    const include = (query.get('include') ?? '').split(',');
    const matching = CATALOG.filter((p) => ids === null || ids.includes(String(p.id)));
    const slice = matching.slice((page - 1) * limit, page * limit);
    return Response.json({
      data: slice.map((p) => productJson(p, include.includes('primary_image'))),
      meta: {
        pagination: {
          total: matching.length,
          count: slice.length,
          per_page: limit,
          current_page: page,
          total_pages: Math.max(1, Math.ceil(matching.length / limit)),
          links: { current: search === '' ? `?page=${page}&limit=${limit}` : search },
          too_many: false,
        },
      },
    });
  }

  function route(version: string, rest: string, url: URL): Response {
    if (version === 'v2' && rest === 'orders') return listOrders(url.searchParams);
    const products = /^orders\/([^/]+)\/products$/.exec(rest);
    if (version === 'v2' && products) return orderProducts(products[1] as string);
    if (version === 'v3' && rest === 'catalog/products') {
      return listProducts(url.searchParams, url.search);
    }
    return errorFor(version)(404, 'The requested resource was not found.');
  }

  async function answer(request: Request, url: URL): Promise<Response> {
    const rest = url.pathname.slice(prefix.length);
    const version = rest.slice(0, 2);
    const error = errorFor(version);
    if (!url.pathname.startsWith(prefix) || (version !== 'v2' && version !== 'v3')) {
      // UNCONFIRMED: the answer for a store hash the token does not belong to.
      return v3Error(404, 'Store not found.');
    }
    if (request.headers.get('x-auth-token') !== options.accessToken) {
      stats.unauthorized++;
      return error(401, 'You are not authorized to access this resource. Check X-Auth-Token.');
    }
    const fault = options.fault();
    if (fault.kind === 'slow') await delay(fault.seconds);
    if (fault.kind === 'down') {
      // A body that fails before its first byte: the Node adapter drops the connection unanswered.
      return new Response(
        new ReadableStream({ start: (c) => c.error(new Error('store API down (injected)')) }),
      );
    }
    const { limited, headers } = rateLimit();
    if (limited) {
      stats.rateLimited++;
      return error(429, 'Too many requests', headers);
    }
    if (fault.kind === '500') return error(500, 'Internal Server Error (injected)', headers);
    if (request.method !== 'GET') return error(405, 'Method not allowed.', headers);
    const response = route(version, rest.slice(3), url);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  }

  /** Answers a request under /stores/ (the caller routes them here). */
  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    stats.requests++;
    const response = await answer(request, url);
    stats.log.push({ at: now(), path: url.pathname + url.search, status: response.status });
    if (stats.log.length > MAX_LOG) stats.log.shift();
    response.headers.set('cache-control', 'no-store');
    return response;
  }

  return { handle, prefix };
}

export type StoreApi = ReturnType<typeof createStoreApi>;
