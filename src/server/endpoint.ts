// The Current Customer endpoint's behaviour, on plain inputs and outputs: the request as a few header values and a
// body reader, the answer as a status, a header record and a body string. The Fetch API handler (handler.ts) and
// the Node adapter (node.ts) each wrap it once, so every status, CORS header, limit and error code lives here.
import { bearerToken } from './bearer.js';
import type { VerifiedCustomer } from './claims.js';
import {
  ALLOWED_METHODS,
  corsHeaders,
  createOriginCheck,
  EXPOSED_HEADERS,
  preflightHeaders,
} from './cors.js';
import { CurrentCustomerTokenError, configError, MESSAGE_PREFIX } from './errors.js';
import type { CurrentCustomerHandlerOptions } from './handler.js';
import { createVerifier } from './verifier.js';

/** The largest request body read, in bytes: a token is about 600 bytes. Reading stops past it (413). */
export const MAX_BODY_BYTES = 8192;

/** The `Retry-After` of a 503 when the app's store lookup failed, in seconds. */
export const STORE_LOOKUP_RETRY_AFTER_SECONDS = 5;

/** Response headers as a plain record, lower-case names. */
export type HeaderRecord = Record<string, string>;

/** A request as the endpoint reads it; header values are `null` when absent. */
export interface EndpointRequest {
  /** Upper case. */
  readonly method: string;
  readonly origin: string | null;
  readonly contentType: string | null;
  readonly contentLength: string | null;
  readonly authorization: string | null;
  /** The body, read until its end or until it passes `limit` bytes (then `'too_large'`, and reading stops). */
  readBody(limit: number): Promise<Uint8Array | 'too_large'>;
  /** The Fetch API `Request`, for the app's callbacks (`allowedOrigins`, `onCustomer`) only. */
  toRequest(): Request;
}

/** An answer the endpoint made itself. Its header record is its own: a wrapper may add to it. */
export interface PlainAnswer {
  status: number;
  headers: HeaderRecord;
  body: string | null;
}

/** A plain answer, or the app's own `Response` from `onCustomer` with the endpoint's headers merged in. */
export type EndpointAnswer = PlainAnswer | Response;

export type Endpoint = (request: EndpointRequest) => Promise<EndpointAnswer>;

const JSON_TYPE = 'application/json; charset=utf-8';

function jsonAnswer(status: number, body: unknown, headers: HeaderRecord): PlainAnswer {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** The endpoint's `{"error": "<code>"}` answer. */
export const errorAnswer = (status: number, code: string, headers: HeaderRecord): PlainAnswer =>
  jsonAnswer(status, { error: code }, headers);

function isJson(contentType: string | null): boolean {
  if (contentType === null) return false;
  const essence = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return essence === 'application/json';
}

type TokenResult = { token: string } | { status: number; code: string };

/** Stateless between calls (no `stream` option), so one serves every request. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The token from an `Authorization: Bearer` header, else from a JSON body `{"token": "…"}`. */
async function tokenFromRequest(request: EndpointRequest): Promise<TokenResult> {
  const bearer = request.authorization === null ? undefined : bearerToken(request.authorization);
  if (bearer !== undefined) {
    return bearer === '' ? { status: 400, code: 'token_missing' } : { token: bearer };
  }
  if (!isJson(request.contentType)) {
    return { status: 415, code: 'unsupported_media_type' };
  }
  const declared = request.contentLength?.trim();
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > MAX_BODY_BYTES) {
    return { status: 413, code: 'payload_too_large' };
  }
  let body: Uint8Array | 'too_large';
  try {
    body = await request.readBody(MAX_BODY_BYTES);
  } catch {
    return { status: 400, code: 'invalid_request' };
  }
  if (body === 'too_large') return { status: 413, code: 'payload_too_large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(body));
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

const defaultAnswer = (verified: VerifiedCustomer): unknown => ({
  customer: verified.customer,
  storeHash: verified.storeHash,
});

/**
 * Reads the options once (configuration errors throw now, not at the first request) and returns the endpoint.
 * The endpoint never throws: an unexpected error is reported and answered 500.
 */
export function createEndpoint(options: CurrentCustomerHandlerOptions): Endpoint {
  const verify = createVerifier(options);
  const isAllowed = createOriginCheck(options.allowedOrigins);
  const allowCredentials = options.allowCredentials === true;
  const onCustomer = options.onCustomer ?? defaultAnswer;
  for (const name of ['onCustomer', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw configError(`"${name}" must be a function`);
    }
  }
  // Every answer depends on the Origin header and holds personal data: never cached.
  const base: HeaderRecord = { vary: 'Origin', 'cache-control': 'no-store' };

  const report = (error: unknown, token?: string): void => {
    try {
      if (options.onError) options.onError(error);
      else logError(error, token);
    } catch {
      // A failing logger must not turn into a failing response.
    }
  };

  return async (request) => {
    let headers = base;
    let token: string | undefined;
    try {
      const { origin } = request;
      if (origin !== null) {
        let allowed = false;
        try {
          allowed = (await isAllowed(origin, request.toRequest())) === true;
        } catch (error) {
          report(error);
        }
        if (!allowed) return errorAnswer(403, 'origin_not_allowed', base);
        headers = { ...base, ...corsHeaders(origin, allowCredentials) };
      }

      if (request.method === 'OPTIONS') {
        const preflight = origin === null ? {} : preflightHeaders(origin, allowCredentials);
        return {
          status: 204,
          headers: { ...base, ...preflight, allow: ALLOWED_METHODS },
          body: null,
        };
      }
      if (request.method !== 'POST') {
        return errorAnswer(405, 'method_not_allowed', { ...headers, allow: ALLOWED_METHODS });
      }

      const read = await tokenFromRequest(request);
      if (!('token' in read)) return errorAnswer(read.status, read.code, headers);
      token = read.token;

      let customer: VerifiedCustomer;
      try {
        customer = await verify(token);
      } catch (error) {
        if (!(error instanceof CurrentCustomerTokenError)) throw error;
        if (error.code !== 'store_lookup_failed') return errorAnswer(401, error.code, headers);
        // Not the client's mistake and not a verdict on the token: the client may try again later.
        report(error.cause, token);
        return errorAnswer(503, error.code, {
          ...headers,
          'retry-after': String(STORE_LOOKUP_RETRY_AFTER_SECONDS),
        });
      }

      const answer: unknown =
        onCustomer === defaultAnswer
          ? defaultAnswer(customer)
          : await onCustomer(customer, request.toRequest());
      if (answer instanceof Response) return withHeaders(answer, headers);
      if (answer === undefined) return { status: 204, headers: { ...headers }, body: null };
      return jsonAnswer(200, answer, headers);
    } catch (error) {
      report(error, token);
      return errorAnswer(500, 'internal_error', headers);
    }
  };
}

/** The endpoint behind each handler `createCurrentCustomerHandler` made, for the Node adapter's direct path. */
const endpoints = new WeakMap<object, Endpoint>();

export function registerEndpoint(handler: object, endpoint: Endpoint): void {
  endpoints.set(handler, endpoint);
}

/** The endpoint of a handler made by `createCurrentCustomerHandler`; undefined for any other function. */
export function endpointOf(handler: object): Endpoint | undefined {
  return endpoints.get(handler);
}
