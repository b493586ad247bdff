// toNodeListener: runs a Fetch API handler as a Node `http` request listener (http.createServer, Express,
// Connect, Fastify's raw mode). The request body is streamed to the handler, so a handler that stops reading
// stops the upload. Typed structurally, with no import of node:http, so this module costs edge builds nothing.

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
  /** A TLS socket has `encrypted: true`. */
  socket?: unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The part of Node's `ServerResponse` the adapter uses. */
export interface NodeResponseLike {
  headersSent: boolean;
  writeHead(
    status: number,
    statusMessage: string,
    headers: Record<string, string | string[]>,
  ): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  destroy(error?: Error): unknown;
}

export type NodeListener = (request: NodeRequestLike, response: NodeResponseLike) => void;

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

interface BodyState {
  /** The request stream was read to its end (by us or by a body parser before us). */
  ended: boolean;
}

function streamBody(req: NodeRequestLike, state: BodyState): ReadableStream<Uint8Array> {
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
          state.ended = true;
          if (closed) return;
          closed = true;
          controller.close();
        });
        req.on('error', (error) => {
          if (closed) return;
          closed = true;
          controller.error(error);
        });
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

function toRequest(req: NodeRequestLike, state: BodyState): Request {
  const method = (req.method ?? 'GET').toUpperCase();
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
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = req.readableEnded ? parsedBody(req.body) : null;
    if (req.readableEnded) {
      state.ended = true;
      if (parsed !== null) {
        init.body = parsed;
        headers.set('content-length', String(parsed.byteLength));
      } else {
        headers.delete('content-length');
      }
    } else {
      init.body = streamBody(req, state);
      init.duplex = 'half';
    }
  }
  return new Request(requestUrl(req), init);
}

async function writeResponse(
  response: Response,
  res: NodeResponseLike,
  state: BodyState,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  // A body the handler left unread (too large, or not needed) is not drained: the connection closes instead.
  if (!state.ended) headers.connection = 'close';
  res.writeHead(response.status, response.statusText, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  let clientGone = false;
  res.once('close', () => {
    clientGone = true;
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (clientGone) {
        await reader.cancel();
        return;
      }
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch (error) {
    res.destroy(error instanceof Error ? error : undefined);
  }
}

/** A JSON error answered by the adapter itself, shaped like the handler's own errors. */
function errorResponse(status: number, code: string): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    vary: 'Origin',
  };
  if (status === 405) headers.allow = 'POST, OPTIONS';
  return new Response(JSON.stringify({ error: code }), { status, headers });
}

/**
 * Turns a Fetch API handler into a Node request listener:
 * `http.createServer(toNodeListener(handler))`, or `app.all('/path', toNodeListener(handler))` in Express.
 * When an Express body parser has already read the body, its result (`req.body`) is handed to the handler.
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>): NodeListener {
  if (typeof handler !== 'function') {
    throw new TypeError('stencil-current-customer/server: toNodeListener needs a handler function');
  }
  return (req, res) => {
    const state: BodyState = { ended: false };
    const run = async (): Promise<void> => {
      let request: Request;
      try {
        request = toRequest(req, state);
      } catch {
        // The Fetch API refuses this request itself (a method it forbids, such as TRACE or CONNECT, or a
        // malformed target): the client's mistake, never a 500.
        const forbidden = /^(CONNECT|TRACE|TRACK)$/i.test(req.method ?? '');
        await writeResponse(
          errorResponse(forbidden ? 405 : 400, forbidden ? 'method_not_allowed' : 'bad_request'),
          res,
          state,
        );
        return;
      }
      let response: Response;
      try {
        response = await handler(request);
      } catch {
        response = errorResponse(500, 'internal_error');
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      await writeResponse(response, res, state);
    };
    run().catch(() => {
      if (!res.headersSent) res.destroy();
    });
  };
}
