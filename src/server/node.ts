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
// (handleBodyTimeout), writing the answer fails (handleResponseError).

import { concatBytes } from './body.js';
import { ALLOWED_METHODS } from './cors.js';
import {
  type Endpoint,
  type EndpointAnswer,
  type EndpointRequest,
  endpointOf,
  errorAnswer,
  type PlainAnswer,
} from './endpoint.js';
import { configError } from './errors.js';
import { isThenable } from './maybe-promise.js';

/** The part of Node's `IncomingMessage` (or Express's `Request`) the adapter uses. */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  /** Express: the URL before mounting stripped its prefix. */
  originalUrl?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** Set by Express body parsers, which have then consumed the stream. */
  body?: unknown;
  readableEnded?: boolean;
  /** Node: the whole message, body included, has arrived (it may still be unread). */
  complete?: boolean;
  /** Node: bytes that have arrived and wait unread in the stream's buffer. */
  readableLength?: number;
  /** A TLS socket has `encrypted: true`. */
  socket?: unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The part of Node's `ServerResponse` the adapter uses. */
export interface NodeResponseLike {
  headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  writeHead(
    status: number,
    statusMessage: string,
    headers: Record<string, string | string[]>,
  ): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: string): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
  off(event: 'close' | 'error', listener: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  destroy(error?: Error): unknown;
}

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

/** Request headers that describe the connection, not the request: not handed to the Fetch API. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'expect',
  'te',
  'trailer',
  'http2-settings',
]);

/**
 * Response headers that frame the message on the connection. Node frames what it writes itself: an app
 * Response's own `content-length` (wrong as soon as the body differs) or `transfer-encoding` would make the
 * next response on a keep-alive connection unreadable, so they are never copied.
 */
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'proxy-connection',
  'trailer',
]);

function requestUrl(req: NodeRequestLike): string {
  const path = req.originalUrl ?? req.url ?? '/';
  const host = typeof req.headers.host === 'string' ? req.headers.host : 'localhost';
  const socket = req.socket as { encrypted?: unknown } | null | undefined;
  const scheme = socket?.encrypted === true ? 'https' : 'http';
  try {
    return new URL(path, `${scheme}://${host}`).href;
  } catch {
    try {
      return new URL(path, 'http://localhost').href;
    } catch {
      return 'http://localhost/';
    }
  }
}

/** A body an Express parser already read, turned back into bytes (null when there is none to use). */
function parsedBody(body: unknown): Uint8Array<ArrayBuffer> | null {
  if (body === undefined || body === null) return null;
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (typeof body === 'string') return new TextEncoder().encode(body);
  try {
    const text = JSON.stringify(body);
    return text === undefined ? null : new TextEncoder().encode(text);
  } catch {
    return null;
  }
}

/** What one exchange knows about its request body and its answer. */
interface Exchange {
  /** The request stream was read to its end (by us or by a body parser before us). */
  ended: boolean;
  /** An answer has been started by the adapter itself (a timeout): the handler's is dropped. */
  answered: boolean;
  /** Bytes of the body read so far on the direct path. */
  received?: number;
  /** Fails the body stream handed to the handler, so that a handler waiting for it stops. */
  abortBody?: (error: Error) => void;
}

function streamBody(req: NodeRequestLike, exchange: Exchange): ReadableStream<Uint8Array> {
  let closed = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk) => {
          if (closed) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          // Backpressure: wait for the handler to pull before reading more from the socket.
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.on('end', () => {
          exchange.ended = true;
          if (closed) return;
          closed = true;
          controller.close();
        });
        const fail = (error: Error): void => {
          if (closed) return;
          closed = true;
          controller.error(error);
        };
        req.on('error', fail);
        exchange.abortBody = fail;
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        // The handler has read enough (a body over the limit): stop reading the upload.
        closed = true;
        req.pause();
      },
    },
    { highWaterMark: 1 },
  );
}

function requestHeaders(req: NodeRequestLike): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith(':')) continue;
    try {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    } catch {
      // A header value fetch refuses: drop it.
    }
  }
  return headers;
}

/**
 * The Fetch `Request` for a Node request, on the general path. Its body: what an Express parser left in
 * `req.body`, else a stream from the socket.
 */
function toRequest(req: NodeRequestLike, exchange: Exchange): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = requestHeaders(req);
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') {
    if (req.readableEnded) {
      exchange.ended = true;
      const parsed = parsedBody(req.body);
      if (parsed !== null) {
        init.body = parsed;
        headers.set('content-length', String(parsed.byteLength));
      } else {
        headers.delete('content-length');
      }
    } else {
      init.body = streamBody(req, exchange);
      init.duplex = 'half';
    }
  }
  return new Request(requestUrl(req), init);
}

/**
 * The `Request` the app's callbacks get on the direct path. As on the Fetch path, a body the endpoint has read is
 * used up (`bodyUsed`); a body it has not read is not handed over (the socket is the endpoint's).
 */
function callbackRequest(req: NodeRequestLike, read: Uint8Array | undefined): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = requestHeaders(req);
  headers.delete('content-length');
  const hasBody = read !== undefined && method !== 'GET' && method !== 'HEAD';
  const request = new Request(requestUrl(req), {
    method,
    headers,
    body: hasBody ? new Uint8Array(read) : null,
  });
  if (hasBody) request.arrayBuffer().catch(() => {});
  return request;
}

/** A `Request` built on first use: most answers never need one. */
function lazyRequest(build: () => Request): Request {
  let built: Request | undefined;
  const request = (): Request => {
    built ??= build();
    return built;
  };
  return new Proxy(Object.create(Request.prototype) as Request, {
    get(_target, key) {
      const target = request();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (_target, key) => Reflect.has(request(), key),
  });
}

/** One header value as the Fetch API's `Headers.get` gives it, or null. */
function headerValue(req: NodeRequestLike, name: string): string | null {
  const value = req.headers[name];
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.join(', ') : null;
}

/** Reads the request stream to its end, or until it passes `limit` bytes (then stops reading: `'too_large'`). */
function readNodeBody(
  req: NodeRequestLike,
  limit: number,
  exchange: Exchange,
): Promise<Uint8Array | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Uint8Array): void => {
      total += chunk.byteLength;
      exchange.received = total;
      if (total > limit) {
        stop();
        req.pause();
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      exchange.ended = true;
      stop();
      resolve(concatBytes(chunks, total));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => onError(new Error('the client closed the connection'));
    exchange.abortBody = onError;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The endpoint's view of a Node request: header values read straight from `req.headers`. */
function fromNodeRequest(
  req: NodeRequestLike,
  method: string,
  exchange: Exchange,
  armTimeout: () => void,
): EndpointRequest {
  let read: Uint8Array | undefined;
  // An Express parser has consumed the stream: its result stands for the body, as on the Fetch path.
  const parsed = req.readableEnded === true ? parsedBody(req.body) : undefined;
  if (req.readableEnded === true) exchange.ended = true;
  return {
    method,
    origin: headerValue(req, 'origin'),
    contentType: headerValue(req, 'content-type'),
    contentLength:
      parsed === undefined
        ? headerValue(req, 'content-length')
        : parsed === null
          ? null
          : String(parsed.byteLength),
    authorization: headerValue(req, 'authorization'),
    readBody(limit) {
      if (parsed !== undefined) {
        const body = parsed ?? new Uint8Array(0);
        if (body.byteLength > limit) return Promise.resolve('too_large');
        read = body;
        return Promise.resolve(body);
      }
      const body = readNodeBody(req, limit, exchange).then((body) => {
        if (body !== 'too_large') read = body;
        return body;
      });
      // Armed after this turn: by then a body that came in the packet of its headers (a token's does) has
      // arrived, and needs no deadline.
      queueMicrotask(armTimeout);
      return body;
    },
    toRequest: () => lazyRequest(() => callbackRequest(req, read)),
  };
}

/** The headers Node writes for a Fetch `Response`: every Set-Cookie kept apart, framing left to Node. */
function nodeHeaders(response: Response): Record<string, string | string[]> {
  // A Response from fetch() (type "basic" or "cors", never "default") has a decoded body: its
  // content-encoding describes bytes that are no longer there.
  const decoded = response.type !== 'default';
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (FRAMING.has(name) || name === 'set-cookie') return;
    if (decoded && name === 'content-encoding') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

/** The next read if it is already settled (a body made of bytes at hand), else undefined: never waits. */
function readAtHand(
  read: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<ReadableStreamReadResult<Uint8Array> | undefined> {
  return Promise.race([read, Promise.resolve().then(() => undefined)]);
}

/**
 * Copies a body stream to the socket. The wait for `drain` is a callback, and the reader is cancelled as soon as
 * the response closes or fails (a client that stalls then leaves), so no stream stays open behind a gone client.
 * Resolves when the stream is finished or cancelled.
 */
function writeBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  res: NodeResponseLike,
  pending: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<void> {
  return new Promise((resolve) => {
    const cancel = (): void => {
      reader.cancel().catch(() => {});
    };
    const detach = (): void => {
      res.off('close', cancel);
      res.off('error', cancel);
      resolve();
    };
    res.on('close', cancel);
    res.on('error', cancel);
    reader.closed.then(detach, detach);
    const fail = (error: unknown): void => handleResponseError(error, res);
    const next = (): void => {
      reader.read().then(flow, fail);
    };
    const flow = ({ done, value }: ReadableStreamReadResult<Uint8Array>): void => {
      if (done) res.end();
      else if (res.write(value)) next();
      else res.once('drain', next);
    };
    pending.then(flow, fail);
  });
}

async function writeResponse(
  response: Response,
  res: NodeResponseLike,
  req: NodeRequestLike,
  exchange: Exchange,
): Promise<void> {
  const headers = nodeHeaders(response);
  // A body the handler left unread and still arriving is not drained: the connection closes instead.
  if (!exchange.ended && req.complete !== true) headers.connection = 'close';
  const writeHead = (): void => {
    if (response.statusText === '') res.writeHead(response.status, headers);
    else res.writeHead(response.status, response.statusText, headers);
  };
  if (response.body === null) {
    writeHead();
    res.end();
    return;
  }
  // A body already in memory (one chunk, or none) is sent with its length; any other is streamed (chunked).
  const reader = response.body.getReader();
  let pending = reader.read();
  const first = await readAtHand(pending);
  if (first !== undefined) {
    pending = reader.read();
    const second = first.done ? first : await readAtHand(pending);
    if (second?.done === true) {
      const body = first.value ?? new Uint8Array(0);
      headers['content-length'] = String(body.byteLength);
      writeHead();
      if (body.byteLength > 0) res.write(body);
      res.end();
      return;
    }
    writeHead();
    if (first.value !== undefined) res.write(first.value);
  } else {
    writeHead();
  }
  await writeBody(reader, res, pending);
}

/** The UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair is one code point of 4 bytes; a lone surrogate is written as U+FFFD (3 bytes).
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** Writes an answer the endpoint made itself, with its length: nothing to stream. */
function writePlainAnswer(
  answer: PlainAnswer,
  res: NodeResponseLike,
  req: NodeRequestLike,
  exchange: Exchange,
): void {
  const { headers } = answer;
  if (answer.body !== null) headers['content-length'] = String(utf8Length(answer.body));
  // A body left unread and still arriving is not drained: the connection closes instead.
  if (!exchange.ended && req.complete !== true) headers.connection = 'close';
  res.writeHead(answer.status, headers);
  // A string: Node sends it in one write with the head.
  if (answer.body === null) res.end();
  else res.end(answer.body);
}

function writeAnswer(
  answer: PlainAnswer | Response,
  res: NodeResponseLike,
  req: NodeRequestLike,
  exchange: Exchange,
): Promise<void> | undefined {
  if (exchange.answered) return undefined;
  if (res.headersSent) {
    res.destroy();
    return undefined;
  }
  if (answer instanceof Response) return writeResponse(answer, res, req, exchange);
  writePlainAnswer(answer, res, req, exchange);
  return undefined;
}

/** A JSON error answered by the adapter itself, shaped like the endpoint's own. */
function adapterError(status: number, code: string): PlainAnswer {
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

/** Writing the answer failed (the body stream errored): the connection cannot be trusted any more. */
function handleResponseError(error: unknown, res: NodeResponseLike): void {
  res.destroy(error instanceof Error ? error : undefined);
}

/** The body did not arrive in time: answer 408, close the connection, and stop the handler's read. */
function handleBodyTimeout(req: NodeRequestLike, res: NodeResponseLike, exchange: Exchange): void {
  // A body that has arrived whole (read or not) is not late, however long the handler takes.
  if (exchange.ended || exchange.answered || req.complete === true) return;
  writeAnswer(adapterError(408, 'request_timeout'), res, req, exchange);
  exchange.answered = true;
  exchange.abortBody?.(new Error('the request body did not arrive in time'));
}

/**
 * The body deadlines of one listener. A request whose body is still arriving is added with its deadline, and one
 * shared interval finds the late ones (within a tenth of the timeout), so a request costs a map entry, not a timer
 * of its own.
 */
interface BodyDeadlines {
  /** Calls `onLate` once the body is late; the returned function cancels that. */
  add(onLate: () => void): () => void;
}

function createBodyDeadlines(timeoutMs: number): BodyDeadlines {
  const pending = new Map<() => void, number>();
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const sweep = (): void => {
    const now = Date.now();
    for (const [onLate, deadline] of pending) {
      if (deadline > now) continue;
      pending.delete(onLate);
      onLate();
    }
    if (pending.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  return {
    add(onLate) {
      pending.set(onLate, Date.now() + timeoutMs);
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, Math.max(10, Math.min(1000, timeoutMs / 10)));
        // Pending deadlines alone do not keep the process alive.
        (sweeper as { unref?: () => void }).unref?.();
      }
      return () => pending.delete(onLate);
    },
  };
}

/** The body has arrived whole: ended, complete, or as many bytes read and buffered as Content-Length says. */
function bodyArrived(req: NodeRequestLike, exchange: Exchange): boolean {
  if (exchange.ended || req.readableEnded === true || req.complete === true) return true;
  const declared = headerValue(req, 'content-length');
  if (declared === null || !/^\d+$/.test(declared)) return false;
  return (exchange.received ?? 0) + (req.readableLength ?? 0) >= Number(declared);
}

/** Arms the body timeout of a request whose body is still to come; disarmed by its end or by the answer. */
function armBodyTimeout(
  req: NodeRequestLike,
  res: NodeResponseLike,
  exchange: Exchange,
  method: string,
  deadlines: BodyDeadlines,
): void {
  if (method === 'GET' || method === 'HEAD' || bodyArrived(req, exchange)) return;
  const cancel = deadlines.add(() => handleBodyTimeout(req, res, exchange));
  const clear = (): void => {
    cancel();
  };
  req.on('end', clear);
  res.once('close', clear);
}

function readBodyTimeout(options: NodeListenerOptions | undefined): number {
  const value = options?.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw configError('"bodyTimeoutMs" must be a positive number of milliseconds');
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
      writeAnswer(handleRequestError(method), res, req, exchange);
      return;
    }
    // The timeout is armed when the endpoint starts reading a body that has not arrived whole (most have by then).
    const armTimeout = (): void => armBodyTimeout(req, res, exchange, method, deadlines);
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
    armBodyTimeout(req, res, exchange, method, deadlines);
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
  if (typeof handler !== 'function') throw configError('toNodeListener needs a handler function');
  const bodyTimeoutMs = readBodyTimeout(options);
  const endpoint = endpointOf(handler);
  return endpoint === undefined
    ? fetchListener(handler, bodyTimeoutMs)
    : endpointListener(endpoint, bodyTimeoutMs);
}
