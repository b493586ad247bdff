// stencil-current-customer/server: verify a BigCommerce Current Customer token, and answer the browser module's
// POST with a Fetch API handler that runs on Node (through toNodeListener), Cloudflare Workers, Deno and Bun.
export type { VerifiedClaims, VerifiedCustomer } from './claims.js';
export type { AllowedOrigins } from './cors.js';
export { CurrentCustomerTokenError, type CurrentCustomerTokenErrorCode } from './errors.js';
export {
  type CurrentCustomerHandler,
  type CurrentCustomerHandlerOptions,
  type CurrentCustomerRefusal,
  type CurrentCustomerRefusalCode,
  createCurrentCustomerHandler,
  MAX_BODY_BYTES,
  STORE_LOOKUP_RETRY_AFTER_SECONDS,
} from './handler.js';
export type { HmacImplementation } from './hmac.js';
export {
  type NodeListener,
  type NodeListenerOptions,
  type NodeRequestLike,
  type NodeResponseLike,
  toNodeListener,
} from './node.js';
export type { StoreHashOption, StoreLookup, StoreRuleOptions } from './store.js';
export {
  type CurrentCustomerVerifier,
  createVerifier,
  type VerifierOptions,
  verifyCurrentCustomerToken,
} from './verifier.js';
