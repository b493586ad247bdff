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
import { isThenable, type MaybePromise, whenReady } from './maybe-promise.js';
import { createTokenCheck, type TokenVerdict } from './verifier.js';

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
  readBody(limit: number): MaybePromise<Uint8Array | 'too_large'>;
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

/** Answers at once when nothing it waits on is asynchronous (see maybe-promise.ts); never throws or rejects. */
export type Endpoint = (request: EndpointRequest) => MaybePromise<EndpointAnswer>;

const JSON_TYPE = 'application/json; charset=utf-8';

// Header records are copied with Object.assign, not spread: V8 copies `{ ...a, ...b }` of these records on a slow
// path, about 1.6 µs against 0.2 µs (measured on Node 20), paid on every request.

function jsonAnswer(status: number, body: unknown, headers: HeaderRecord): PlainAnswer {
  return {
    status,
    headers: Object.assign({ 'content-type': JSON_TYPE }, headers),
    body: JSON.stringify(body),
  };
}

/** The endpoint's `{"error": "<code>"}` answer. */
export const errorAnswer = (status: number, code: string, headers: HeaderRecord): PlainAnswer =>
  jsonAnswer(status, { error: code }, headers);

function isJson(contentType: string | null): boolean {
  if (contentType === null) return false;
  if (contentType === 'application/json') return true;
  const essence = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return essence === 'application/json';
}

type TokenResult = { token: string } | { status: number; code: string };

/** Stateless between calls (no `stream` option), so one serves every request. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const INVALID_REQUEST: TokenResult = { status: 400, code: 'invalid_request' };

/** The token from an `Authorization: Bearer` header, else from a JSON body `{"token": "…"}`. */
function tokenFromRequest(request: EndpointRequest): MaybePromise<TokenResult> {
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
  let body: MaybePromise<Uint8Array | 'too_large'>;
  try {
    body = request.readBody(MAX_BODY_BYTES);
  } catch {
    return INVALID_REQUEST;
  }
  return isThenable(body)
    ? body.then(tokenFromBody, () => INVALID_REQUEST)
    : tokenFromBody(body as Uint8Array | 'too_large');
}

function tokenFromBody(body: Uint8Array | 'too_large'): TokenResult {
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
  const { check } = createTokenCheck(options);
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

  /** The answer for a verified customer: `onCustomer`'s, or by default `{ customer, storeHash }`. */
  const answerFor = (
    customer: VerifiedCustomer,
    request: EndpointRequest,
    headers: HeaderRecord,
  ): MaybePromise<EndpointAnswer> => {
    const answer: unknown =
      onCustomer === defaultAnswer
        ? defaultAnswer(customer)
        : onCustomer(customer, request.toRequest());
    return whenReady(answer, (value): EndpointAnswer => {
      if (value instanceof Response) return withHeaders(value, headers);
      if (value === undefined) return { status: 204, headers: { ...headers }, body: null };
      return jsonAnswer(200, value, headers);
    });
  };

  /** A token the verifier refused: 401 with its code, or 503 when the app's store lookup failed. */
  const refusal = (
    error: CurrentCustomerTokenError,
    token: string,
    headers: HeaderRecord,
  ): PlainAnswer => {
    if (error.code !== 'store_lookup_failed') return errorAnswer(401, error.code, headers);
    // Not the client's mistake and not a verdict on the token: the client may try again later.
    report(error.cause, token);
    return errorAnswer(503, error.code, {
      ...headers,
      'retry-after': String(STORE_LOOKUP_RETRY_AFTER_SECONDS),
    });
  };

  /** The POST itself, once the origin is allowed: the token, its verification, the answer. */
  const answerPost = (
    request: EndpointRequest,
    headers: HeaderRecord,
    reported: { token?: string },
  ): MaybePromise<EndpointAnswer> =>
    whenReady(tokenFromRequest(request), (read): MaybePromise<EndpointAnswer> => {
      if (!('token' in read)) return errorAnswer(read.status, read.code, headers);
      const { token } = read;
      reported.token = token;
      // Only the verification's own refusal is a 401 (or 503): onCustomer's failure is a 500.
      const settle = (verdict: TokenVerdict): MaybePromise<EndpointAnswer> =>
        verdict instanceof CurrentCustomerTokenError
          ? refusal(verdict, token, headers)
          : answerFor(verdict, request, headers);
      return whenReady(check(token), settle);
    });

  /** The request, once its origin (if any) was checked: preflight, method, then the POST. */
  const answerAllowed = (
    request: EndpointRequest,
    headers: HeaderRecord,
    reported: { token?: string },
  ): MaybePromise<EndpointAnswer> => {
    const { origin } = request;
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
    return answerPost(request, headers, reported);
  };

  /** Whether the app allows this origin; an origin function that throws or rejects is reported and refuses. */
  const originAllowed = (origin: string, request: EndpointRequest): MaybePromise<boolean> => {
    const refuse = (error: unknown): boolean => {
      report(error);
      return false;
    };
    try {
      const verdict = isAllowed(origin, request.toRequest);
      return isThenable(verdict)
        ? verdict.then((allowed) => allowed === true, refuse)
        : verdict === true;
    } catch (error) {
      return refuse(error);
    }
  };

  return (request) => {
    let headers = base;
    const reported: { token?: string } = {};
    // Anything unexpected (a bug, or onCustomer throwing) is reported and answered 500, never thrown.
    const failed = (error: unknown): PlainAnswer => {
      report(error, reported.token);
      return errorAnswer(500, 'internal_error', headers);
    };
    try {
      const { origin } = request;
      const answer =
        origin === null
          ? answerAllowed(request, headers, reported)
          : whenReady(originAllowed(origin, request), (allowed) => {
              if (!allowed) return errorAnswer(403, 'origin_not_allowed', base);
              headers = Object.assign({}, base, corsHeaders(origin, allowCredentials));
              return answerAllowed(request, headers, reported);
            });
      return isThenable(answer) ? answer.then(undefined, failed) : answer;
    } catch (error) {
      return failed(error);
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
