// The Node adapter's request side (see node.ts): a Node request read as the endpoint's plain request on the direct
// path, or turned into a Fetch `Request` whose body streams from the socket on the general path.

import { concatBytes } from './body.js';
import type { EndpointRequest } from './endpoint.js';

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
 * The URL without its userinfo: a `Host: a@b` or an absolute-form target `http://user:pass@host/` would put
 * credentials in it, and the Fetch API refuses to make a `Request` of such a URL.
 */
function withoutUserinfo(url: URL): string {
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
  }
  return url.href;
}

function requestUrl(req: NodeRequestLike): string {
  const path = req.originalUrl ?? req.url ?? '/';
  const host = typeof req.headers.host === 'string' ? req.headers.host : 'localhost';
  const socket = req.socket as { encrypted?: unknown } | null | undefined;
  const scheme = socket?.encrypted === true ? 'https' : 'http';
  try {
    return withoutUserinfo(new URL(path, `${scheme}://${host}`));
  } catch {
    try {
      return withoutUserinfo(new URL(path, 'http://localhost'));
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
export interface Exchange {
  /** The request stream was read to its end (by us or by a body parser before us). */
  ended: boolean;
  /** An answer has been started by the adapter itself (a timeout): the handler's is dropped. */
  answered: boolean;
  /** The body did not arrive in time (408): the connection closes whatever else is known. */
  late?: boolean;
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
export function toRequest(req: NodeRequestLike, exchange: Exchange): Request {
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

/**
 * A request without a body: no `transfer-encoding` and no `content-length`, or `content-length: 0` (a preflight,
 * a Bearer POST, a GET). Its message is complete on arrival, although Node sets `req.complete` only after the
 * `request` event.
 */
export function hasNoBody(req: NodeRequestLike): boolean {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined) return false;
  const length = headers['content-length'];
  return length === undefined || length === '0';
}

/**
 * Whether some of the request body may still be unread on the connection: then the answer closes the connection
 * rather than drain a body of any length (or wait for one that is late).
 */
export function bodyPending(req: NodeRequestLike, exchange: Exchange): boolean {
  if (exchange.late === true) return true;
  return !exchange.ended && req.complete !== true && !hasNoBody(req);
}

/** One header value as the Fetch API's `Headers.get` gives it, or null. */
export function headerValue(req: NodeRequestLike, name: string): string | null {
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
export function fromNodeRequest(
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
    superseded: () => exchange.answered,
  };
}
