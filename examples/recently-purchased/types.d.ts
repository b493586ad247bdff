// The types of the example's options and answer, shared by recently-purchased.js (JSDoc) and its .d.ts.

/** What the page gets for each product: only what the shopper may see. */
export interface RecentlyPurchasedProduct {
  name: string;
  /** The product's storefront path (`/orbit-terrarium-large/`), relative to the storefront. */
  url: string;
  /** An absolute https (or http) URL of its thumbnail, or null. */
  image: string | null;
  /** When the customer last bought it (ISO 8601). */
  purchasedAt: string;
}

/** An installed store's API account, found by the verified store hash. */
export interface StoreCredentials {
  /** The API account's access token (`X-Auth-Token`). Never sent to a browser. */
  accessToken: string;
  /** The API's base URL, ending in `/`; default `https://api.bigcommerce.com/stores/<store_hash>/`. */
  apiBase?: string;
}

export interface RecentlyPurchasedLimits {
  cacheSeconds?: number;
  cacheEntries?: number;
  requestTimeoutMs?: number;
  budgetMs?: number;
  orders?: number;
  products?: number;
  retryAfterSeconds?: number;
}

export interface RecentlyPurchasedOptions {
  clientId: string;
  clientSecret: string;
  /** The storefront origins allowed to post (`https://store.example.com`). */
  allowedOrigins: readonly string[] | ((origin: string, request: Request) => boolean);
  /** The installed stores, by store hash: a `Map`, or your database behind the same `get`. */
  stores: {
    get(storeHash: string): StoreCredentials | undefined | Promise<StoreCredentials | undefined>;
  };
  /** The API base of a store without its own `apiBase`; default BigCommerce's. */
  apiBase?: (storeHash: string) => string;
  limits?: RecentlyPurchasedLimits;
  /** The fetch used for the store API (default the global one). */
  fetch?: (input: URL, init: RequestInit) => Promise<Response>;
  now?: () => number;
  /** Hears each store API failure answered with a 503 (its message never holds a token). */
  onStoreApiError?: (error: Error & { retryAfterSeconds: number }) => void;
  /** As the handler's `onError`: an unexpected failure (then the answer is a 500). */
  onError?: (error: unknown) => void;
}

/**
 * What `recentlyPurchasedEndpoint` gives `createCurrentCustomerHandler`: the subset of its options this
 * example sets, written out so this file needs no import (the call type-checks it against the real ones).
 */
export interface EndpointOptions {
  clientId: string;
  clientSecret: string;
  storeHash: (storeHash: string) => Promise<boolean>;
  allowedOrigins: RecentlyPurchasedOptions['allowedOrigins'];
  /** The products of the verified customer, or a 503 `Response` when the store API failed. */
  onCustomer: (verified: {
    customer: { id: number };
    storeHash: string;
  }) => Promise<{ products: RecentlyPurchasedProduct[] } | Response>;
  onError: ((error: unknown) => void) | undefined;
}
