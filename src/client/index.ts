export type { CurrentCustomer, StencilCurrentCustomerGlobal } from './client.js';
export { createCurrentCustomer } from './client.js';
export type { CurrentCustomerErrorCode } from './errors.js';
export { CurrentCustomerError } from './errors.js';
export type {
  CurrentCustomerChange,
  CurrentCustomerEventDetailMap,
  CurrentCustomerEventMap,
  CurrentCustomerEventName,
  CurrentCustomerOnOptions,
} from './events.js';
export type { CurrentCustomerPageState } from './fields.js';
export { bindCurrentCustomerFields } from './fields.js';
export type { CurrentCustomerDocumentEventMap } from './globals.js';
export type { CurrentCustomerFetch, CurrentCustomerOptions, CustomerId } from './options.js';
export type { StencilCurrentCustomerQueue, StencilCurrentCustomerReady } from './queue.js';
export type { CurrentCustomerClaims } from './token.js';
