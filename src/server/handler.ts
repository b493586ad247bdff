// The Fetch API request handler for the endpoint the browser module posts to: (request) => Promise<Response>.
import { bearerToken } from './bearer.js';
import type { VerifiedCustomer } from './claims.js';
import {
  ALLOWED_METHODS,
  type AllowedOrigins,
  corsHeaders,
  createOriginCheck,
  EXPOSED_HEADERS,
  preflightHeaders,
} from './cors.js';
import { CurrentCustomerTokenError, configError, MESSAGE_PREFIX } from './errors.js';
import { createVerifier, type VerifierOptions } from './verifier.js';

/** The largest request body read, in bytes: a token is about 600 bytes. Reading stops past it (413). */
export const MAX_BODY_BYTES = 8192;

/** The `Retry-After` of a 503 when the app's store lookup failed, in seconds. */
export const STORE_LOOKUP_RETRY_AFTER_SECONDS = 5;

export interface CurrentCustomerHandlerOptions extends VerifierOptions {
  /**
   * Storefront origins allowed to call the endpoint from a browser (`https://store.example.com`), or a function
   * `(origin, request) => boolean`. A request with another Origin gets 403 before any verification. A request
   * with no Origin header (server to server; CORS does not apply) is served. `[]` allows browsers from nowhere.
   * Entries must be https origins (http only on localhost, 127.0.0.1 and [::1]), with no wildcard. A function
   * that throws refuses the request with 403, as for an origin it does not allow, and the error is reported.
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
}

export type CurrentCustomerHandler = (request: Request) => Promise<Response>;

/** Response headers as a plain record, lower-case names. */
type HeaderRecord = Record<string, string>;

function json(status: number, body: unknown, headers: HeaderRecord): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The handler's `{"error": "<code>"}` answer. */
const errorJson = (status: number, code: string, headers: HeaderRecord): Response =>
  json(status, { error: code }, headers);

function isJson(contentType: string | null): boolean {
  if (contentType === null) return false;
  const essence = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return essence === 'application/json';
}

/** Reads the body, stopping as soon as it passes the limit (whatever content-length says). */
async function readLimited(request: Request, limit: number): Promise<Uint8Array | 'too_large'> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit) {
    return 'too_large';
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return 'too_large';
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

type TokenResult = { token: string } | { status: number; code: string };

/** The token from an `Authorization: Bearer` header, else from a JSON body `{"token": "…"}`. */
async function tokenFromRequest(request: Request): Promise<TokenResult> {
  const authorization = request.headers.get('authorization');
  const bearer = authorization === null ? undefined : bearerToken(authorization);
  if (bearer !== undefined) {
    return bearer === '' ? { status: 400, code: 'token_missing' } : { token: bearer };
  }
  if (!isJson(request.headers.get('content-type'))) {
    return { status: 415, code: 'unsupported_media_type' };
  }
  let body: Uint8Array | 'too_large';
  try {
    body = await readLimited(request, MAX_BODY_BYTES);
  } catch {
    return { status: 400, code: 'invalid_request' };
  }
  if (body === 'too_large') return { status: 413, code: 'payload_too_large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { status: 400, code: 'invalid_json' };
  }
  const token =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as { token?: unknown }).token
      : undefined;
  if (typeof token !== 'string' || token === '') return { status: 400, code: 'token_missing' };
  return { token };
}

function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('[token]') : text;
}

/** Logs the message only (no stack, no request), with the token cut out of it should it appear there. */
function logError(error: unknown, token: string | undefined): void {
  const message = error instanceof Error ? redact(error.message, token) : 'a non-Error was thrown';
  console.error(`${MESSAGE_PREFIX}the handler failed: ${message}`);
}

/** Adds `item` to a comma-separated header list unless it is there already (compared case-insensitively). */
function appendToList(headers: Headers, name: string, item: string): void {
  const current = headers.get(name);
  const wanted = item.toLowerCase();
  const has = current?.split(',').some((entry) => entry.trim().toLowerCase() === wanted);
  if (!has) headers.set(name, current ? `${current}, ${item}` : item);
}

/** Adds headers to a Response from `onCustomer`, which may have immutable headers (e.g. from fetch). */
function withHeaders(response: Response, headers: HeaderRecord): Response {
  const merged = new Headers(response.headers);
  // A Response from fetch() (type "basic" or "cors") has a decoded body: the upstream's content-encoding and
  // content-length describe bytes that are no longer there.
  if (response.type !== 'default') {
    merged.delete('content-encoding');
    merged.delete('content-length');
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'vary') {
      appendToList(merged, name, 'Origin');
    } else if (name === 'access-control-expose-headers') {
      appendToList(merged, name, EXPOSED_HEADERS);
    } else if (name === 'cache-control') {
      if (!merged.has(name)) merged.set(name, value);
    } else {
      merged.set(name, value);
    }
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: merged,
  });
}

/**
 * Creates the handler for the browser module's POST. The verifier is created here, so configuration errors throw
 * now, not at the first request.
 */
export function createCurrentCustomerHandler(
  options: CurrentCustomerHandlerOptions,
): CurrentCustomerHandler {
  const verify = createVerifier(options);
  const isAllowed = createOriginCheck(options.allowedOrigins);
  const allowCredentials = options.allowCredentials === true;
  const onCustomer =
    options.onCustomer ??
    ((verified: VerifiedCustomer) => ({
      customer: verified.customer,
      storeHash: verified.storeHash,
    }));
  for (const name of ['onCustomer', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw configError(`"${name}" must be a function`);
    }
  }

  const report = (error: unknown, token?: string): void => {
    try {
      if (options.onError) options.onError(error);
      else logError(error, token);
    } catch {
      // A failing logger must not turn into a failing response.
    }
  };

  return async (request: Request): Promise<Response> => {
    // Every answer depends on the Origin header and holds personal data: never cached.
    const base: HeaderRecord = { vary: 'Origin', 'cache-control': 'no-store' };
    let headers = base;
    let token: string | undefined;
    try {
      const origin = request.headers.get('origin');
      if (origin !== null) {
        let allowed = false;
        try {
          allowed = (await isAllowed(origin, request)) === true;
        } catch (error) {
          report(error);
        }
        if (!allowed) return errorJson(403, 'origin_not_allowed', base);
        headers = { ...base, ...corsHeaders(origin, allowCredentials) };
      }

      if (request.method === 'OPTIONS') {
        const preflight = origin === null ? {} : preflightHeaders(origin, allowCredentials);
        return new Response(null, {
          status: 204,
          headers: { ...base, ...preflight, allow: ALLOWED_METHODS },
        });
      }
      if (request.method !== 'POST') {
        return errorJson(405, 'method_not_allowed', { ...headers, allow: ALLOWED_METHODS });
      }

      const read = await tokenFromRequest(request);
      if (!('token' in read)) return errorJson(read.status, read.code, headers);
      token = read.token;

      let customer: VerifiedCustomer;
      try {
        customer = await verify(token);
      } catch (error) {
        if (!(error instanceof CurrentCustomerTokenError)) throw error;
        if (error.code !== 'store_lookup_failed') return errorJson(401, error.code, headers);
        // Not the client's mistake and not a verdict on the token: the client may try again later.
        report(error.cause, token);
        return errorJson(503, error.code, {
          ...headers,
          'retry-after': String(STORE_LOOKUP_RETRY_AFTER_SECONDS),
        });
      }

      const answer: unknown = await onCustomer(customer, request);
      if (answer instanceof Response) return withHeaders(answer, headers);
      if (answer === undefined) return new Response(null, { status: 204, headers });
      return json(200, answer, headers);
    } catch (error) {
      report(error, token);
      return errorJson(500, 'internal_error', headers);
    }
  };
}
