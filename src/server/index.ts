// stencil-current-customer/server: verify a BigCommerce Current Customer token, and answer the browser module's
// POST with a Fetch API handler that runs on Node (through toNodeListener), Cloudflare Workers, Deno and Bun.
export type { CurrentCustomer, CurrentCustomerClaims } from './claims.js';
export { CurrentCustomerTokenError, type CurrentCustomerTokenErrorCode } from './errors.js';
export type { HmacImplementation } from './hmac.js';
export {
  type CurrentCustomerVerifier,
  createVerifier,
  type VerifierOptions,
  verifyCurrentCustomerToken,
} from './verifier.js';
