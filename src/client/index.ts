export type { CurrentCustomer, StencilCurrentCustomerGlobal } from './client.js';
export { createCurrentCustomer } from './client.js';
export type { CurrentCustomerErrorCode } from './errors.js';
export { CurrentCustomerError } from './errors.js';
export type {
  CurrentCustomerEventDetailMap,
  CurrentCustomerEventMap,
  CurrentCustomerEventName,
} from './events.js';
export type { CurrentCustomerPageState } from './fields.js';
export { bindCurrentCustomerFields } from './fields.js';
export type { CurrentCustomerDocumentEventMap } from './globals.js';
export type { CurrentCustomerFetch, CurrentCustomerOptions } from './options.js';
export type { StencilCurrentCustomerQueue, StencilCurrentCustomerReady } from './queue.js';
export type { CurrentCustomerClaims } from './token.js';
