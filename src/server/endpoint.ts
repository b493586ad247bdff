// The Current Customer endpoint's behaviour, on plain inputs and outputs: the request as a few header values and a
// body reader, the answer as a status, a header record and a body string. The Fetch API handler (handler.ts) and
// the Node adapter (node.ts) each wrap it once, so every status, CORS header, limit and error code lives here.
import { bearerToken } from './bearer.js';
import type { VerifiedCustomer } from './claims.js';
import {
  ALLOWED_METHODS,
  corsHeaders,
  EXPOSED_HEADERS,
  type OriginCheck,
  preflightHeaders,
  readOriginCheck,
} from './cors.js';
import {
  ConfigProblems,
  CurrentCustomerTokenError,
  type CurrentCustomerTokenErrorCode,
  describeGiven,
  MESSAGE_PREFIX,
} from './errors.js';
import type { CurrentCustomerHandlerOptions } from './handler.js';
import { isThenable, type MaybePromise, whenReady } from './maybe-promise.js';
import {
  readVerifierOptions,
  requireOptions,
  type TokenCheckConfig,
  type TokenVerdict,
  tokenCheckFrom,
} from './verifier.js';

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
  /** True when the adapter has answered already (a late body): the endpoint's answer is dropped, not told. */
  superseded?(): boolean;
}

/** The codes of the error answers, in their `{"error": "<code>"}` body and in `onRefusal`. */
export type CurrentCustomerRefusalCode =
  | CurrentCustomerTokenErrorCode
  | 'origin_not_allowed'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'invalid_json'
  | 'invalid_request'
  | 'bad_request'
  | 'request_timeout'
  | 'internal_error';

/**
 * A refused request, as the handler's `onRefusal` gets it: every answer of 400 and over the handler makes (a
 * successful preflight is not one). Never holds the token or the secret.
 */
export interface CurrentCustomerRefusal {
  /** The code of the answer's `{"error": "<code>"}` body. */
  code: CurrentCustomerRefusalCode;
  /** The HTTP status answered. */
  status: number;
  /** For a token refused on a claim (`claim_invalid`, and the time and store checks): the claim, such as `aud`. */
  claim?: string;
  /** The request's Origin header, or null when it had none. */
  origin: string | null;
  /** What was wrong, for a log line. */
  message: string;
}

/** Why an error answer was made, for `onRefusal`. */
export interface RefusalDetail {
  readonly code: CurrentCustomerRefusalCode;
  readonly message: string;
  readonly claim?: string | undefined;
}

/** An answer the endpoint made itself. Its header record is its own: a wrapper may add to it. */
export interface PlainAnswer {
  status: number;
  headers: HeaderRecord;
  body: string | null;
  /** Set on an error answer. */
  refusal?: RefusalDetail;
}

/** A plain answer, or the app's own `Response` from `onCustomer` with the endpoint's headers merged in. */
export type EndpointAnswer = PlainAnswer | Response;

/** Answers at once when nothing it waits on is asynchronous (see maybe-promise.ts); never throws or rejects. */
export interface Endpoint {
  (request: EndpointRequest): MaybePromise<EndpointAnswer>;
  /** Tells the app's `onRefusal` of an error answer the Node adapter made itself (a timeout, a bad method). */
  readonly refused: (answer: PlainAnswer, origin: string | null) => void;
}

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

/** The message of each error answer the endpoint makes itself (a token's refusal carries its own). */
const MESSAGES: Partial<Record<CurrentCustomerRefusalCode, string>> = {
  origin_not_allowed: 'the Origin is not one of "allowedOrigins"',
  method_not_allowed: `the method is not one of ${ALLOWED_METHODS}`,
  unsupported_media_type:
    'no Authorization: Bearer header, and the body is neither text/plain (the token) nor application/json',
  payload_too_large: `the body is over ${MAX_BODY_BYTES} bytes`,
  invalid_json: 'the JSON body does not parse',
  token_missing: 'no token: an empty body or Bearer header, or JSON without a "token" string',
  invalid_request: 'the request body could not be read',
  bad_request: 'the request cannot be read as a Fetch API Request (a malformed target)',
  request_timeout: 'the request body did not arrive in time (bodyTimeoutMs)',
  internal_error: 'the handler failed (the error went to onError)',
};

/** The endpoint's `{"error": "<code>"}` answer. */
export function errorAnswer(
  status: number,
  code: CurrentCustomerRefusalCode,
  headers: HeaderRecord,
): PlainAnswer {
  const answer = jsonAnswer(status, { error: code }, headers);
  answer.refusal = { code, message: MESSAGES[code] ?? code };
  return answer;
}

/** A token the verifier refused: `{"error": "<code>"}`, and the claim that failed for `claim_invalid`. */
function tokenRefusalAnswer(
  status: number,
  error: CurrentCustomerTokenError,
  headers: HeaderRecord,
): PlainAnswer {
  const body =
    error.code === 'claim_invalid' && error.claim !== undefined
      ? { error: error.code, claim: error.claim }
      : { error: error.code };
  const answer = jsonAnswer(status, body, headers);
  answer.refusal = { code: error.code, message: error.message, claim: error.claim };
  return answer;
}

/** The body types a token is read from: `text/plain` (the token alone) and `application/json`. */
type BodyType = 'text' | 'json';

/** The type of a body from its Content-Type, undefined for any other (415). Exact strings first: no split. */
function bodyTypeOf(contentType: string | null): BodyType | undefined {
  if (contentType === null) return undefined;
  if (contentType === 'text/plain;charset=UTF-8') return 'text';
  if (contentType === 'application/json') return 'json';
  const essence = contentType.split(';', 1)[0]?.trim().toLowerCase();
  if (essence === 'text/plain') return 'text';
  return essence === 'application/json' ? 'json' : undefined;
}

type TokenResult = { token: string } | { status: number; code: CurrentCustomerRefusalCode };

/** Stateless between calls (no `stream` option), so one serves every request. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** For a text body: a byte that is not UTF-8 becomes U+FFFD, and the token is then malformed (401). */
const lenientUtf8 = new TextDecoder('utf-8');

const INVALID_REQUEST: TokenResult = { status: 400, code: 'invalid_request' };
const TOKEN_MISSING: TokenResult = { status: 400, code: 'token_missing' };
const TOO_LARGE: TokenResult = { status: 413, code: 'payload_too_large' };

/**
 * The token from an `Authorization: Bearer` header, else from the body: the token alone as `text/plain` (the
 * browser module's default, a CORS simple request), or JSON `{"token": "…"}`. One size limit for both.
 */
function tokenFromRequest(request: EndpointRequest): MaybePromise<TokenResult> {
  const bearer = request.authorization === null ? undefined : bearerToken(request.authorization);
  if (bearer !== undefined) {
    return bearer === '' ? TOKEN_MISSING : { token: bearer };
  }
  const type = bodyTypeOf(request.contentType);
  if (type === undefined) {
    return { status: 415, code: 'unsupported_media_type' };
  }
  const declared = request.contentLength?.trim();
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > MAX_BODY_BYTES) {
    return TOO_LARGE;
  }
  let body: MaybePromise<Uint8Array | 'too_large'>;
  try {
    body = request.readBody(MAX_BODY_BYTES);
  } catch {
    return INVALID_REQUEST;
  }
  const read = type === 'text' ? tokenFromText : tokenFromJson;
  return isThenable(body)
    ? body.then(read, () => INVALID_REQUEST)
    : read(body as Uint8Array | 'too_large');
}

/** The token alone, with the whitespace around it (a trailing newline, say) left out. */
function tokenFromText(body: Uint8Array | 'too_large'): TokenResult {
  if (body === 'too_large') return TOO_LARGE;
  const token = lenientUtf8.decode(body).trim();
  return token === '' ? TOKEN_MISSING : { token };
}

function tokenFromJson(body: Uint8Array | 'too_large'): TokenResult {
  if (body === 'too_large') return TOO_LARGE;
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
  if (typeof token !== 'string' || token === '') return TOKEN_MISSING;
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

/** The handler's own options, read and checked. */
interface EndpointConfig {
  readonly tokenCheck: TokenCheckConfig;
  readonly isAllowed: OriginCheck;
  readonly allowCredentials: boolean;
  readonly onCustomer: (customer: VerifiedCustomer, request: Request) => unknown;
  readonly onError: ((error: unknown) => void) | undefined;
  readonly onRefusal: ((refusal: CurrentCustomerRefusal) => void) | undefined;
}

const CALLBACKS = ['onCustomer', 'onError', 'onRefusal'] as const;

/** Reads every option, then throws one TypeError listing every problem found, if there is any. */
function readEndpointOptions(options: CurrentCustomerHandlerOptions): EndpointConfig {
  requireOptions(options);
  const problems = new ConfigProblems();
  const tokenCheck = readVerifierOptions(options, problems);
  const isAllowed = readOriginCheck(options.allowedOrigins, problems);
  const { allowCredentials } = options;
  if (allowCredentials !== undefined && typeof allowCredentials !== 'boolean') {
    problems.add(
      `"allowCredentials" must be true or false (got ${describeGiven(allowCredentials)})`,
    );
  }
  for (const name of CALLBACKS) {
    const callback: unknown = options[name];
    if (callback !== undefined && typeof callback !== 'function') {
      problems.add(`"${name}" must be a function (got ${describeGiven(callback)})`);
    }
  }
  problems.throwIfAny();
  return {
    tokenCheck: tokenCheck as TokenCheckConfig,
    isAllowed: isAllowed as OriginCheck,
    allowCredentials: allowCredentials === true,
    onCustomer: options.onCustomer ?? defaultAnswer,
    onError: options.onError,
    onRefusal: options.onRefusal,
  };
}

/**
 * Reads the options once (configuration errors throw now, not at the first request) and returns the endpoint.
 * The endpoint never throws: an unexpected error is reported and answered 500.
 */
export function createEndpoint(options: CurrentCustomerHandlerOptions): Endpoint {
  const config = readEndpointOptions(options);
  const { check } = tokenCheckFrom(config.tokenCheck);
  const { isAllowed, allowCredentials, onCustomer, onError, onRefusal } = config;
  // Every answer depends on the Origin header and holds personal data: never cached.
  const base: HeaderRecord = { vary: 'Origin', 'cache-control': 'no-store' };

  const report = (error: unknown, token?: string): void => {
    try {
      if (onError) onError(error);
      else logError(error, token);
    } catch {
      // A failing logger must not turn into a failing response.
    }
  };

  /** Tells `onRefusal` of an error answer; a throwing `onRefusal` is reported and changes nothing. */
  const refused = (answer: PlainAnswer, origin: string | null): void => {
    const detail = answer.refusal;
    if (onRefusal === undefined || detail === undefined) return;
    const refusal: CurrentCustomerRefusal = {
      code: detail.code,
      status: answer.status,
      origin,
      message: detail.message,
    };
    if (detail.claim !== undefined) refusal.claim = detail.claim;
    try {
      onRefusal(refusal);
    } catch (error) {
      report(error);
    }
  };

  /** The answer, once made, with `onRefusal` told when it is an error answer that will be sent. */
  const told = (answer: EndpointAnswer, request: EndpointRequest): EndpointAnswer => {
    if (answer instanceof Response || request.superseded?.() === true) return answer;
    refused(answer, request.origin);
    return answer;
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
    if (error.code !== 'store_lookup_failed') return tokenRefusalAnswer(401, error, headers);
    // Not the client's mistake and not a verdict on the token: the client may try again later.
    report(error.cause, token);
    return tokenRefusalAnswer(503, error, {
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

  const endpoint = (request: EndpointRequest): MaybePromise<EndpointAnswer> => {
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
      if (!isThenable(answer)) return onRefusal === undefined ? answer : told(answer, request);
      const settled = answer.then(undefined, failed);
      return onRefusal === undefined ? settled : settled.then((done) => told(done, request));
    } catch (error) {
      return told(failed(error), request);
    }
  };
  return Object.assign(endpoint, { refused });
}

/**
 * Where a handler made by `createCurrentCustomerHandler` keeps its endpoint, for the Node adapter's direct path.
 * A key of the global symbol registry, not a module-level map: a handler made by the ES module build is then
 * found by the CommonJS build's adapter too (and the other way round). The number is the `EndpointRequest`
 * shape's: it changes when that shape does.
 */
const ENDPOINT = Symbol.for('stencil-current-customer/server endpoint 1');

export function registerEndpoint(handler: object, endpoint: Endpoint): void {
  Object.defineProperty(handler, ENDPOINT, { value: endpoint });
}

/** The endpoint of a handler made by `createCurrentCustomerHandler`; undefined for any other function. */
export function endpointOf(handler: object): Endpoint | undefined {
  const endpoint: unknown = (handler as { [ENDPOINT]?: unknown })[ENDPOINT];
  return typeof endpoint === 'function' ? (endpoint as Endpoint) : undefined;
}
