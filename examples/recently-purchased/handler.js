// @ts-check
// The endpoint's Fetch API handler, `(request) => Promise<Response>`, for any runtime: the package's
// handler with this example's options.
import { createCurrentCustomerHandler } from 'stencil-current-customer/server';
import { recentlyPurchasedEndpoint } from './recently-purchased.js';

/** @param {import('./types.js').RecentlyPurchasedOptions} options */
export const createRecentlyPurchasedHandler = (options) =>
  createCurrentCustomerHandler(recentlyPurchasedEndpoint(options));
