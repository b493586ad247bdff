// Types of recently-purchased.js (written in JavaScript so it runs as it is, on Node 20 and later, with
// no build step). Kept beside it by hand; `npm run check` in this folder type-checks the module against them.

import type {
  EndpointOptions,
  RecentlyPurchasedLimits,
  RecentlyPurchasedOptions,
  RecentlyPurchasedProduct,
} from './types.js';

export type * from './types.js';

export declare const DEFAULTS: Readonly<Required<RecentlyPurchasedLimits>>;

export declare class StoreApiUnavailable extends Error {
  constructor(message: string, retryAfterSeconds: number);
  readonly retryAfterSeconds: number;
}

export declare function bigCommerceApiBase(storeHash: string): string;

export declare function recentlyPurchasedEndpoint(
  options: RecentlyPurchasedOptions,
): EndpointOptions;

export declare function createRecentlyPurchased(
  options: RecentlyPurchasedOptions,
): (storeHash: string, customerId: number) => Promise<RecentlyPurchasedProduct[]>;
