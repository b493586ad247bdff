// @ts-check
// "Recently purchased products": the app backend a Stencil storefront posts its Current Customer token to.
// It verifies the token (the store rule included), finds the store's API access token by the *verified*
// store hash, asks the store's REST API for that customer's latest orders and their products, and answers
// `{ products: [{ name, url, image, purchasedAt }] }`: only what the shopper may see.
//
// The rules that keep it safe (docs/recently-purchased.md explains each):
// - Nothing reaches the store API before the token is verified: a refused token costs no API call.
// - Every lookup is keyed by the verified (storeHash, customer.id), never by anything the page sends.
// - The answer holds shopper-visible fields only: no email, address, price paid or order id.
// - A store API failure is a `503` with `Retry-After`, never a `500` and never a partial list.
//
// This file imports nothing: `handler.js` hands `recentlyPurchasedEndpoint(options)` to the package's
// createCurrentCustomerHandler, and the emulator's demo backend runs this same code.
/** @typedef {import('./types.js').RecentlyPurchasedOptions} RecentlyPurchasedOptions */
/** @typedef {import('./types.js').RecentlyPurchasedProduct} RecentlyPurchasedProduct */
/** @typedef {import('./types.js').StoreCredentials} StoreCredentials */

export const DEFAULTS = Object.freeze({
  /** How long a customer's list is reused (see "The cache" in docs/recently-purchased.md). */
  cacheSeconds: 60,
  /** Lists kept at most; the oldest goes first. */
  cacheEntries: 10_000,
  /** One store API request may take this long. */
  requestTimeoutMs: 3_000,
  /** The whole lookup, 429 waits included, must end within this: below the browser module's 10 s. */
  budgetMs: 6_000,
  /** Orders looked at, newest first. */
  orders: 5,
  /** Products answered at most. */
  products: 6,
  /** `Retry-After` of a 503 when the API gave no better figure. */
  retryAfterSeconds: 5,
});

/** The store API could not give a whole answer in time: the page gets a 503 with `Retry-After`. */
export class StoreApiUnavailable extends Error {
  /**
   * @param {string} message
   * @param {number} retryAfterSeconds
   */
  constructor(message, retryAfterSeconds) {
    super(message);
    this.name = 'StoreApiUnavailable';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** BigCommerce's production API: `https://api.bigcommerce.com/stores/<store_hash>/`. */
export const bigCommerceApiBase = (/** @type {string} */ storeHash) =>
  `https://api.bigcommerce.com/stores/${storeHash}/`;

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The options of `createCurrentCustomerHandler` (stencil-current-customer/server) for this endpoint.
 * @param {RecentlyPurchasedOptions} options
 * @returns {import('./types.js').EndpointOptions}
 */
export function recentlyPurchasedEndpoint(options) {
  const lookup = createRecentlyPurchased(options);
  return {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    // The store rule: only tokens of stores that installed the app. BigCommerce signs a token for any store
    // whose theme uses our (public) client id, so a valid signature alone proves nothing about the store.
    storeHash: async (storeHash) => (await options.stores.get(storeHash)) !== undefined,
    allowedOrigins: options.allowedOrigins,
    // Runs only for a verified token: the store API is never called for a refused one.
    onCustomer: async ({ customer, storeHash }) => {
      try {
        return { products: await lookup(storeHash, customer.id) };
      } catch (error) {
        if (!(error instanceof StoreApiUnavailable)) throw error;
        options.onStoreApiError?.(error);
        return Response.json(
          { error: 'store_api_unavailable' },
          {
            status: 503,
            headers: {
              'retry-after': String(error.retryAfterSeconds),
              'cache-control': 'no-store',
            },
          },
        );
      }
    },
    onError: options.onError,
  };
}

/**
 * The lookup alone: `(storeHash, customerId) => products`, cached and coalesced per (storeHash, customerId).
 * Call it only with a verified store hash and customer id.
 * @param {RecentlyPurchasedOptions} options
 */
export function createRecentlyPurchased(options) {
  const settings = { ...DEFAULTS, ...options.limits };
  const fetchApi = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const apiBase = options.apiBase ?? bigCommerceApiBase;
  /** @type {Map<string, { products: RecentlyPurchasedProduct[]; expires: number }>} */
  const cache = new Map();
  /** @type {Map<string, Promise<RecentlyPurchasedProduct[]>>} */
  const inFlight = new Map();

  /**
   * One GET of the store API: `null` for a 204, the parsed JSON otherwise. Waits out a 429 for its
   * `X-Rate-Limit-Time-Reset-Ms` when that ends before `deadline`.
   * @param {StoreCredentials} store
   * @param {string} base
   * @param {string} path
   * @param {number} deadline
   * @returns {Promise<unknown>}
   */
  async function get(store, base, path, deadline) {
    for (;;) {
      const left = deadline - now();
      if (left <= 0)
        throw new StoreApiUnavailable(`no time left for ${path}`, settings.retryAfterSeconds);
      /** @type {Response} */
      let response;
      try {
        response = await fetchApi(new URL(path, base), {
          headers: { 'x-auth-token': store.accessToken, accept: 'application/json' },
          signal: AbortSignal.timeout(Math.min(settings.requestTimeoutMs, left)),
        });
      } catch (error) {
        const reason = error instanceof Error ? error.name : 'error';
        throw new StoreApiUnavailable(`${path}: ${reason}`, settings.retryAfterSeconds);
      }
      if (response.status === 429) {
        await response.body?.cancel();
        const reset = Number(response.headers.get('x-rate-limit-time-reset-ms'));
        const waitMs = Number.isFinite(reset) && reset >= 0 ? reset : 1_000;
        if (now() + waitMs >= deadline) {
          throw new StoreApiUnavailable(
            `${path}: rate limited`,
            Math.max(1, Math.ceil(waitMs / 1000)),
          );
        }
        await sleep(waitMs);
        continue;
      }
      if (response.status === 204) return null;
      if (!response.ok) {
        await response.body?.cancel();
        throw new StoreApiUnavailable(`${path}: ${response.status}`, settings.retryAfterSeconds);
      }
      try {
        return await response.json();
      } catch {
        throw new StoreApiUnavailable(`${path}: not JSON`, settings.retryAfterSeconds);
      }
    }
  }

  /**
   * Orders newest first, then each order's lines, then the catalog entries of the products bought.
   * @param {string} storeHash
   * @param {number} customerId
   * @returns {Promise<RecentlyPurchasedProduct[]>}
   */
  async function fetchProducts(storeHash, customerId) {
    const store = await options.stores.get(storeHash);
    if (store === undefined) {
      throw new StoreApiUnavailable(
        `no API account for store ${storeHash}`,
        settings.retryAfterSeconds,
      );
    }
    const base = store.apiBase ?? apiBase(storeHash);
    const deadline = now() + settings.budgetMs;
    const query = new URLSearchParams({
      customer_id: String(customerId),
      sort: 'date_created:desc',
      limit: String(settings.orders),
    });
    const orders = listOf(await get(store, base, `v2/orders?${query}`, deadline), 'orders');

    /** product id → when it was last bought (the orders come newest first). */
    const bought = new Map();
    const lines = await Promise.all(
      orders.map((order) => {
        const id = field(order, 'id', 'number');
        return get(store, base, `v2/orders/${id}/products`, deadline);
      }),
    );
    orders.forEach((order, i) => {
      // An order answered by another customer's lookup would be a leak: refuse the whole answer.
      if (field(order, 'customer_id', 'number') !== customerId) {
        throw new StoreApiUnavailable('an order of another customer', settings.retryAfterSeconds);
      }
      const purchasedAt = new Date(field(order, 'date_created', 'string'));
      if (Number.isNaN(purchasedAt.getTime())) {
        throw new StoreApiUnavailable('an order without a date', settings.retryAfterSeconds);
      }
      for (const line of listOf(lines[i], 'order products')) {
        const productId = field(line, 'product_id', 'number');
        // 0: a custom line that is not a catalog product (gift wrapping, a service): nothing to show.
        if (productId !== 0 && !bought.has(productId)) bought.set(productId, purchasedAt);
      }
    });
    const ids = [...bought.keys()].slice(0, settings.products);
    if (ids.length === 0) return [];

    const catalog = new URLSearchParams({
      'id:in': ids.join(','),
      include: 'primary_image',
      limit: String(ids.length),
    });
    const page = await get(store, base, `v3/catalog/products?${catalog}`, deadline);
    const byId = new Map(
      listOf(field(page, 'data', 'object'), 'products').map((p) => [field(p, 'id', 'number'), p]),
    );
    /** @type {RecentlyPurchasedProduct[]} */
    const products = [];
    for (const id of ids) {
      const product = byId.get(id);
      // Deleted since, or hidden from the storefront: the shopper cannot open it, so it is not shown.
      if (product === undefined || field(product, 'is_visible', 'boolean') !== true) continue;
      products.push(shopperView(product, bought.get(id)));
    }
    return products;
  }

  /**
   * @param {string} storeHash a verified store hash
   * @param {number} customerId a verified customer id
   * @returns {Promise<RecentlyPurchasedProduct[]>}
   */
  return async function recentlyPurchased(storeHash, customerId) {
    // The key is the verified pair, so one customer's list is never another's, even across stores.
    const key = `${storeHash}\u0000${customerId}`;
    const cached = cache.get(key);
    if (cached !== undefined && cached.expires > now()) return cached.products;
    cache.delete(key);
    // Several tabs of one customer posting at once share one lookup.
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = fetchProducts(storeHash, customerId).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const products = await pending;
    // Only whole answers are kept; a failure is never cached.
    if (settings.cacheSeconds > 0 && !cache.has(key)) {
      if (cache.size >= settings.cacheEntries) cache.delete(cache.keys().next().value ?? '');
      cache.set(key, { products, expires: now() + settings.cacheSeconds * 1000 });
    }
    return products;
  };

  /**
   * What the page may show of a product: its name, its storefront path, its thumbnail, when it was bought.
   * @param {unknown} product
   * @param {Date} purchasedAt
   * @returns {RecentlyPurchasedProduct}
   */
  function shopperView(product, purchasedAt) {
    const url = field(field(product, 'custom_url', 'object'), 'url', 'string');
    const image = /** @type {Record<string, unknown> | undefined} */ (
      /** @type {Record<string, unknown>} */ (product).primary_image
    );
    const thumbnail = image?.url_thumbnail;
    return {
      name: field(product, 'name', 'string'),
      url,
      image: typeof thumbnail === 'string' && /^https?:\/\//.test(thumbnail) ? thumbnail : null,
      purchasedAt: purchasedAt.toISOString(),
    };
  }

  /**
   * A list from the API: `null` (a 204) is an empty one.
   * @param {unknown} value
   * @param {string} what
   * @returns {unknown[]}
   */
  function listOf(value, what) {
    if (value === null) return [];
    if (!Array.isArray(value)) {
      throw new StoreApiUnavailable(`${what}: not a list`, settings.retryAfterSeconds);
    }
    return value;
  }

  /**
   * @template {'number' | 'string' | 'boolean' | 'object'} T
   * @param {unknown} value
   * @param {string} name
   * @param {T} type
   * @returns {T extends 'number' ? number : T extends 'string' ? string : T extends 'boolean' ? boolean : object}
   */
  function field(value, name, type) {
    const found =
      value !== null && typeof value === 'object'
        ? /** @type {Record<string, unknown>} */ (value)[name]
        : undefined;
    if (typeof found !== type || found === null) {
      throw new StoreApiUnavailable(`unexpected answer: ${name}`, settings.retryAfterSeconds);
    }
    return /** @type {any} */ (found);
  }
}
