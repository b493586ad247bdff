// The Fetch API request handler for the endpoint the browser module posts to: (request) => Promise<Response>.
// A thin wrapper: the behaviour is the endpoint's (endpoint.ts), read from and answered with Fetch API objects.

import { readLimited } from './body.js';
import type { VerifiedCustomer } from './claims.js';
import type { AllowedOrigins } from './cors.js';
import {
  type CurrentCustomerRefusal,
  createEndpoint,
  type EndpointAnswer,
  type EndpointRequest,
  registerEndpoint,
} from './endpoint.js';
import type { VerifierOptions } from './verifier.js';

export {
  type CurrentCustomerRefusal,
  type CurrentCustomerRefusalCode,
  MAX_BODY_BYTES,
  STORE_LOOKUP_RETRY_AFTER_SECONDS,
} from './endpoint.js';

/** The handler's options besides the verifier's. */
export interface HandlerEndpointOptions {
  /**
   * Storefront origins allowed to call the endpoint from a browser (`https://store.example.com`): a list, one
   * origin as a string, or a function `(origin, request) => boolean`. A request with another Origin gets 403
   * before its body is read, any verification or `onCustomer`. A request with no Origin header (server to
   * server; CORS does not apply) is served. `[]` allows browsers from nowhere. Entries must be https origins
   * (http only on localhost, 127.0.0.1 and [::1]), with no wildcard. A function that throws refuses the request
   * with 403, as for an origin it does not allow, and the error is reported.
   */
  allowedOrigins: AllowedOrigins;
  /** Send `Access-Control-Allow-Credentials: true`, for a browser module posting with `credentials: 'include'`. */
  allowCredentials?: boolean;
  /**
   * What the endpoint answers for a verified customer: a plain value is sent as JSON (200; `undefined` gives 204),
   * a `Response` is passed through with the CORS headers added. Default:
   * `{ customer: { id, email, groupId }, storeHash }`. Key customers by (storeHash, customer.id).
   */
  onCustomer?: (customer: VerifiedCustomer, request: Request) => unknown;
  /**
   * Called with an error thrown by `onCustomer` (then the response is a 500 with a generic body), by the origin
   * function (403) or by the store lookup (503 `store_lookup_failed`), or an unexpected internal one (500).
   * Default: `console.error` of the error's message, with the token removed from it.
   */
  onError?: (error: unknown) => void;
  /**
   * Called for every request the handler refuses (every answer of 400 and over, a successful preflight is not
   * one) with its code, HTTP status, Origin, a message and, for a token refused on a claim, the claim (`aud`,
   * `iss`, `exp`, `operation`, …). Never with the token or the secret. For logging: a wrong client id shows as
   * `claim_invalid` on `aud`, a wrong secret as `signature_invalid`, a storefront missing from `allowedOrigins`
   * as `origin_not_allowed` with its origin. A throwing `onRefusal` is reported to `onError` and changes nothing.
   */
  onRefusal?: (refusal: CurrentCustomerRefusal) => void;
}

/** The handler's options: the verifier's (key and store rule) and its own. */
export type CurrentCustomerHandlerOptions = VerifierOptions & HandlerEndpointOptions;

export type CurrentCustomerHandler = (request: Request) => Promise<Response>;

/** The endpoint's view of a Fetch `Request`. */
function fromFetchRequest(request: Request): EndpointRequest {
  const { headers } = request;
  return {
    method: request.method,
    origin: headers.get('origin'),
    contentType: headers.get('content-type'),
    contentLength: headers.get('content-length'),
    authorization: headers.get('authorization'),
    readBody: (limit) => readLimited(request, limit),
    toRequest: () => request,
  };
}

/** The endpoint's answer as a Fetch `Response`. */
function toFetchResponse(answer: EndpointAnswer): Response {
  if (answer instanceof Response) return answer;
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * Creates the handler for the browser module's POST. The verifier is created here, so configuration errors throw
 * now, not at the first request.
 */
export function createCurrentCustomerHandler(
  options: CurrentCustomerHandlerOptions,
): CurrentCustomerHandler {
  const endpoint = createEndpoint(options);
  const handler: CurrentCustomerHandler = async (request) =>
    toFetchResponse(await endpoint(fromFetchRequest(request)));
  // toNodeListener(handler) finds the endpoint and serves it from Node's own request and response objects.
  registerEndpoint(handler, endpoint);
  return handler;
}
