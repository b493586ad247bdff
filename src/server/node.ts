// toNodeListener: runs a Fetch API handler as a Node `http` request listener (http.createServer, Express,
// Connect, Fastify's raw mode). Typed structurally, with no import of node:http, so this module costs edge builds
// nothing.
//
// Two paths. A handler made by createCurrentCustomerHandler is served directly: its endpoint (endpoint.ts) reads
// the few header values it needs from Node's request and its plain answer is written with its length, with no
// Fetch `Request`, `Response` or stream per request (the `Request` for the app's callbacks is built on first
// use). Any other Fetch handler gets a `Request` whose body is streamed from the socket, so a handler that stops
// reading stops the upload, and its `Response` is written back.
//
// Each failure has its own named stage, as in @hono/node-server's listener: the request cannot become a Fetch
// `Request` (handleRequestError), the handler throws (handleFetchError), the body does not arrive in time
// (handleBodyTimeout), writing the answer fails (handleResponseError, in node-response.ts).
//
// This file holds the listeners; the request side is node-request.ts, the response side node-response.ts, and the
// body deadlines node-deadlines.ts.

import { ALLOWED_METHODS } from './cors.js';
import {
  type CurrentCustomerRefusalCode,
  type Endpoint,
  type EndpointAnswer,
  endpointOf,
  errorAnswer,
  type PlainAnswer,
} from './endpoint.js';
import { ConfigProblems, describeGiven } from './errors.js';
import { isThenable } from './maybe-promise.js';
import { armBodyTimeout, createBodyDeadlines } from './node-deadlines.js';
import {
  type Exchange,
  fromNodeRequest,
  headerValue,
  type NodeRequestLike,
  toRequest,
} from './node-request.js';
import { handleResponseError, type NodeResponseLike, writeAnswer } from './node-response.js';

export type { NodeRequestLike } from './node-request.js';
export type { NodeResponseLike } from './node-response.js';

export interface NodeListenerOptions {
  /**
   * How long a request body may take to arrive, in milliseconds (default 10,000). A body still incomplete then
   * is answered `408 {"error":"request_timeout"}` and the connection is closed.
   */
  bodyTimeoutMs?: number;
}

export type NodeListener = (request: NodeRequestLike, response: NodeResponseLike) => void;

/** The default of `bodyTimeoutMs`: a token body is well under 1 KiB. */
const BODY_TIMEOUT_MS = 10_000;

/** A JSON error answered by the adapter itself, shaped like the endpoint's own. */
function adapterError(status: number, code: CurrentCustomerRefusalCode): PlainAnswer {
  const headers = { vary: 'Origin', 'cache-control': 'no-store' };
  return errorAnswer(
    status,
    code,
    status === 405 ? { ...headers, allow: ALLOWED_METHODS } : headers,
  );
}

/** Methods the Fetch API refuses to carry in a `Request`. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * The Fetch API refuses this request itself (a method it forbids, such as TRACE or CONNECT, or a malformed
 * target): the client's mistake, never a 500.
 */
function handleRequestError(method: string): PlainAnswer {
  return FORBIDDEN_METHODS.has(method)
    ? adapterError(405, 'method_not_allowed')
    : adapterError(400, 'bad_request');
}

/** The handler threw instead of answering (a handler of this package never does). */
function handleFetchError(): PlainAnswer {
  return adapterError(500, 'internal_error');
}

/**
 * The body did not arrive in time: answer 408, close the connection, and stop the handler's read. Returns the
 * answer written, or undefined when the body was not late after all.
 */
function handleBodyTimeout(
  req: NodeRequestLike,
  res: NodeResponseLike,
  exchange: Exchange,
): PlainAnswer | undefined {
  // A body that has arrived whole (read or not) is not late, however long the handler takes.
  if (exchange.ended || exchange.answered || req.complete === true) return undefined;
  const answer = adapterError(408, 'request_timeout');
  exchange.late = true;
  writeAnswer(answer, res, req, exchange);
  exchange.answered = true;
  exchange.abortBody?.(new Error('the request body did not arrive in time'));
  return answer;
}

function readBodyTimeout(
  options: NodeListenerOptions | undefined,
  problems: ConfigProblems,
): number {
  const value = options?.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    problems.add(
      `"bodyTimeoutMs" must be a positive number of milliseconds (got ${describeGiven(value)})`,
    );
  }
  return value;
}

/** The direct path: the endpoint of a handler made by createCurrentCustomerHandler, on Node's own objects. */
function endpointListener(endpoint: Endpoint, bodyTimeoutMs: number): NodeListener {
  const deadlines = createBodyDeadlines(bodyTimeoutMs);
  return (req, res) => {
    const exchange: Exchange = { ended: false, answered: false };
    const method = (req.method ?? 'GET').toUpperCase();
    if (FORBIDDEN_METHODS.has(method)) {
      const refusal = handleRequestError(method);
      writeAnswer(refusal, res, req, exchange);
      endpoint.refused(refusal, headerValue(req, 'origin'));
      return;
    }
    // The timeout is armed when the endpoint starts reading a body that has not arrived whole (most have by then).
    const armTimeout = (): void =>
      armBodyTimeout(req, res, exchange, method, deadlines, () => {
        const late = handleBodyTimeout(req, res, exchange);
        if (late !== undefined) endpoint.refused(late, headerValue(req, 'origin'));
      });
    const write = (answer: EndpointAnswer): Promise<void> | undefined =>
      writeAnswer(answer, res, req, exchange);
    const answer = endpoint(fromNodeRequest(req, method, exchange, armTimeout));
    // Written at once when the endpoint answered at once (it does when nothing it waited on was asynchronous).
    let written: Promise<void> | undefined;
    try {
      written = isThenable(answer)
        ? answer.then(write, () => write(handleFetchError()))
        : write(answer);
    } catch (error) {
      handleResponseError(error, res);
      return;
    }
    written?.catch((error: unknown) => handleResponseError(error, res));
  };
}

/** The general path: any Fetch handler, given a `Request` and answered from its `Response`. */
function fetchListener(
  handler: (request: Request) => Promise<Response>,
  bodyTimeoutMs: number,
): NodeListener {
  const deadlines = createBodyDeadlines(bodyTimeoutMs);
  return (req, res) => {
    const exchange: Exchange = { ended: false, answered: false };
    const method = (req.method ?? 'GET').toUpperCase();
    armBodyTimeout(req, res, exchange, method, deadlines, () =>
      handleBodyTimeout(req, res, exchange),
    );
    const run = async (): Promise<void> => {
      let request: Request;
      try {
        request = toRequest(req, exchange);
      } catch {
        await writeAnswer(handleRequestError(method), res, req, exchange);
        return;
      }
      let answer: Response | PlainAnswer;
      try {
        answer = await handler(request);
      } catch {
        answer = handleFetchError();
      }
      await writeAnswer(answer, res, req, exchange);
    };
    run().catch((error: unknown) => handleResponseError(error, res));
  };
}

/**
 * Turns a Fetch API handler into a Node request listener:
 * `http.createServer(toNodeListener(handler))`, or `app.all('/path', toNodeListener(handler))` in Express.
 * When an Express body parser has already read the body, its result (`req.body`) is handed to the handler.
 */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  options?: NodeListenerOptions,
): NodeListener {
  const problems = new ConfigProblems();
  if (typeof handler !== 'function') {
    problems.add(
      `toNodeListener needs a handler function, such as createCurrentCustomerHandler's (got ${describeGiven(handler)})`,
    );
  }
  const bodyTimeoutMs = readBodyTimeout(options, problems);
  problems.throwIfAny();
  const endpoint = endpointOf(handler);
  return endpoint === undefined
    ? fetchListener(handler, bodyTimeoutMs)
    : endpointListener(endpoint, bodyTimeoutMs);
}
