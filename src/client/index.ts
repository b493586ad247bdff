export type { CurrentCustomer, StencilCurrentCustomerGlobal } from './client.js';
export { createCurrentCustomer } from './client.js';
export type { CurrentCustomerErrorCode } from './errors.js';
export { CurrentCustomerError } from './errors.js';
export type {
  CurrentCustomerEventDetailMap,
  CurrentCustomerEventMap,
  CurrentCustomerEventName,
} from './events.js';
export type { CurrentCustomerFetch, CurrentCustomerOptions } from './options.js';
export type { CurrentCustomerClaims } from './token.js';
