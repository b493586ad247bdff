// toNodeListener on real connections: framing headers of an app Response never corrupt a keep-alive connection,
// a client that stalls then leaves ends the body stream, and a body that does not arrive in time gets 408.
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CurrentCustomerHandlerOptions,
  createCurrentCustomerHandler,
  type NodeListener,
  toNodeListener,
} from '../../src/server/index.js';
import { CLIENT_ID, CLIENT_SECRET, nowMs, STORE_HASH, sign } from './helpers.js';

const STOREFRONT = 'https://store.example.com';

const baseOptions: CurrentCustomerHandlerOptions = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  storeHash: STORE_HASH,
  now: nowMs,
  allowedOrigins: [STOREFRONT],
};

const servers: Server[] = [];
function listen(listener: NodeListener | RequestListener): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer(listener as RequestListener);
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

let token: string;
beforeAll(async () => {
  token = await sign();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  reusedSocket: boolean;
}

/** POSTs the token through a keep-alive agent with one socket, so consecutive requests share a connection. */
function postThrough(agent: Agent, port: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent,
        headers: { origin: STOREFRONT, 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer')));
    req.end(JSON.stringify({ token }));
  });
}

async function threeOnOneConnection(port: number): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) answers.push(await postThrough(agent, port));
    return answers;
  } finally {
    agent.destroy();
  }
}

describe('framing headers of an app Response', () => {
  it('drops a wrong content-length from onCustomer: the next response on the connection is intact', async () => {
    const port = await listen(
      toNodeListener(
        createCurrentCustomerHandler({
          ...baseOptions,
          onCustomer: () =>
            new Response('hello world', {
              headers: { 'content-length': '3', connection: 'keep-alive', 'keep-alive': 'x' },
            }),
        }),
      ),
    );
    const answers = await threeOnOneConnection(port);
    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [200, 'hello world'],
      [200, 'hello world'],
      [200, 'hello world'],
    ]);
    expect(answers.map((answer) => answer.reusedSocket)).toEqual([false, true, true]);
    expect(answers[0]?.headers['content-length']).not.toBe('3');
  });

  it('drops them from any Fetch handler, not only this package’s', async () => {
    const port = await listen(
      toNodeListener(async (request) => {
        await request.text();
        return new Response('hello world', {
          headers: { 'content-length': '3', 'transfer-encoding': 'gzip' },
        });
      }),
    );
    const answers = await threeOnOneConnection(port);
    expect(answers.map((answer) => answer.body)).toEqual([
      'hello world',
      'hello world',
      'hello world',
    ]);
    expect(answers[2]?.reusedSocket).toBe(true);
  });

  it('passes a gzip upstream fetched with fetch() on decoded, without its content-encoding', async () => {
    const text = 'recently purchased: '.repeat(50);
    const compressed = gzipSync(text);
    const upstream = await listen((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        'content-length': String(compressed.byteLength),
      });
      res.end(compressed);
    });
    const upstreamUrl = `http://127.0.0.1:${upstream}/`;
    const viaHandler = await listen(
      toNodeListener(
        createCurrentCustomerHandler({ ...baseOptions, onCustomer: () => fetch(upstreamUrl) }),
      ),
    );
    const viaFetchHandler = await listen(
      toNodeListener(async (request) => {
        await request.text();
        return fetch(upstreamUrl);
      }),
    );
    for (const port of [viaHandler, viaFetchHandler]) {
      const answers = await threeOnOneConnection(port);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body).toBe(text);
        expect(answer.headers['content-encoding']).toBeUndefined();
      }
      expect(answers[2]?.reusedSocket).toBe(true);
    }
  });
});

/** Opens a raw connection and sends `head` (and `body`); collects what the server sends. */
function rawClient(
  port: number,
  head: string,
  body = '',
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(head + body);
      resolve({ socket, received: () => received, closed });
    });
    socket.once('error', reject);
  });
}

describe('a client that stalls and then disconnects', () => {
  it('cancels the body stream of each of five such clients', async () => {
    let started = 0;
    let cancelled = 0;
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const port = await listen(
      toNodeListener(
        createCurrentCustomerHandler({
          ...baseOptions,
          onCustomer: () => {
            started += 1;
            return new Response(
              new ReadableStream<Uint8Array>({
                pull(controller) {
                  pulled += chunk.byteLength;
                  controller.enqueue(chunk);
                },
                cancel() {
                  cancelled += 1;
                },
              }),
            );
          },
        }),
      ),
    );
    const head = [
      'POST / HTTP/1.1',
      'host: 127.0.0.1',
      `origin: ${STOREFRONT}`,
      `authorization: Bearer ${token}`,
      'content-length: 0',
      '',
      '',
    ].join('\r\n');
    const clients = await Promise.all(Array.from({ length: 5 }, () => rawClient(port, head)));
    // The clients read nothing: the server fills the socket buffers and waits for a drain that never comes.
    for (const client of clients) client.socket.pause();
    await vi.waitFor(() => expect(started).toBe(5), { timeout: 5000 });
    let before = -1;
    await vi.waitFor(
      () => {
        const now = pulled;
        const stalled = now === before;
        before = now;
        expect(stalled).toBe(true);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(cancelled).toBe(0);
    for (const client of clients) client.socket.destroy();
    await vi.waitFor(() => expect(cancelled).toBe(5), { timeout: 5000 });
    expect(started - cancelled).toBe(0);
  });
});

describe('bodyTimeoutMs', () => {
  const slowHead = (length: number): string =>
    [
      'POST / HTTP/1.1',
      'host: 127.0.0.1',
      `origin: ${STOREFRONT}`,
      'content-type: application/json',
      `content-length: ${length}`,
      '',
      '',
    ].join('\r\n');

  it('answers a body that does not arrive in time with 408 and closes the connection', async () => {
    const onCustomer = vi.fn(() => ({ ok: true }));
    const port = await listen(
      toNodeListener(createCurrentCustomerHandler({ ...baseOptions, onCustomer }), {
        bodyTimeoutMs: 300,
      }),
    );
    const client = await rawClient(port, slowHead(2000), '{"token":"');
    const startedAt = Date.now();
    const gaveUp = new Promise<void>((resolve) => setTimeout(resolve, 5000));
    await Promise.race([client.closed, gaveUp]);
    expect(client.socket.destroyed).toBe(true);
    const waited = Date.now() - startedAt;
    const received = client.received();
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(received.endsWith('{"error":"request_timeout"}')).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(onCustomer).not.toHaveBeenCalled();
  });

  it('does not cut a body that arrives in time, nor a keep-alive connection', async () => {
    const port = await listen(
      toNodeListener(createCurrentCustomerHandler(baseOptions), { bodyTimeoutMs: 300 }),
    );
    const body = JSON.stringify({ token });
    const client = await rawClient(port, slowHead(body.length), body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.socket.write(body.slice(10));
    await vi.waitFor(() => expect(client.received()).toMatch(/\r\n\r\n\{"customer"/), {
      timeout: 2000,
    });
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    // Past the timeout the connection is still open (kept alive for the next request).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(client.socket.destroyed).toBe(false);
    expect(client.received().toLowerCase()).not.toContain('connection: close');
    client.socket.destroy();
  });

  it('answers a handler that is slow after the body has arrived whole: no 408', async () => {
    // The handler reads nothing for 4 timeouts: the body has arrived (req.complete) but is unread.
    const port = await listen(
      toNodeListener(
        async (request) => {
          await new Promise((resolve) => setTimeout(resolve, 400));
          return new Response(`echo ${await request.text()}`);
        },
        { bodyTimeoutMs: 100 },
      ),
    );
    const client = await rawClient(port, slowHead(7), 'arrived');
    await vi.waitFor(() => expect(client.received()).toMatch(/\r\n\r\n/), { timeout: 3000 });
    await vi.waitFor(() => expect(client.received()).toMatch(/echo arrived$/), { timeout: 1000 });
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    client.socket.destroy();
  });

  it('refuses a bodyTimeoutMs that is not a positive number', () => {
    const handler = createCurrentCustomerHandler(baseOptions);
    for (const bodyTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
      expect(() => toNodeListener(handler, { bodyTimeoutMs } as { bodyTimeoutMs: number })).toThrow(
        /bodyTimeoutMs/,
      );
    }
  });
});

describe('the failure stages of the general path', () => {
  it('answers a Fetch handler that throws with 500 internal_error, and keeps serving', async () => {
    let calls = 0;
    const port = await listen(
      toNodeListener(async (request) => {
        calls += 1;
        await request.text();
        if (calls === 1) throw new Error('boom');
        return new Response('fine');
      }),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const failed = await postThrough(agent, port);
      expect(failed.status).toBe(500);
      expect(JSON.parse(failed.body)).toEqual({ error: 'internal_error' });
      expect(failed.headers['cache-control']).toBe('no-store');
      const next = await postThrough(agent, port);
      expect([next.status, next.body, next.reusedSocket]).toEqual([200, 'fine', true]);
    } finally {
      agent.destroy();
    }
  });

  it('refuses a handler that is not a function with a TypeError naming toNodeListener', () => {
    expect(() => toNodeListener('handler' as unknown as () => Promise<Response>)).toThrow(
      /^stencil-current-customer\/server: toNodeListener needs a handler function, .*\(got the string "handler"\)$/,
    );
  });
});

/** One answer read from a raw connection. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The complete answers at the start of what a connection received, in order: each framed by its content-length
 * (none for 204). Stops at an incomplete one.
 */
function parseAnswers(received: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = received;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return answers;
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers['transfer-encoding'] !== undefined) throw new Error('a chunked answer');
    const length = status === 204 ? 0 : Number(headers['content-length']);
    if (Number.isNaN(length)) throw new Error(`an answer without content-length: ${statusLine}`);
    const bodyStart = headEnd + 4;
    if (rest.length < bodyStart + length) return answers;
    answers.push({ status, headers, body: rest.slice(bodyStart, bodyStart + length) });
    rest = rest.slice(bodyStart + length);
  }
}

describe('keep-alive over one raw connection', () => {
  const EVIL = 'https://evil.example.net';
  const request = (method: string, headers: string[], body = ''): string =>
    [`${method} /api/current-customer HTTP/1.1`, 'host: 127.0.0.1', ...headers, '', body].join(
      '\r\n',
    );

  /** Requests without a body (preflights, Bearer POSTs, refusals), then one with a body, pipelined. */
  const pipelined = (): { text: string; statuses: number[] } => {
    const preflight = ['access-control-request-method: POST'];
    const requests: [number, string][] = [
      [204, request('OPTIONS', [`origin: ${STOREFRONT}`, ...preflight])],
      [200, request('POST', [`origin: ${STOREFRONT}`, `authorization: Bearer ${token}`])],
      [
        200,
        request('POST', [
          `origin: ${STOREFRONT}`,
          `authorization: Bearer ${token}`,
          'content-length: 0',
        ]),
      ],
      [403, request('OPTIONS', [`origin: ${EVIL}`, ...preflight])],
      [403, request('POST', [`origin: ${EVIL}`, `authorization: Bearer ${token}`])],
      [405, request('GET', [`origin: ${STOREFRONT}`])],
      [
        200,
        request(
          'POST',
          [
            `origin: ${STOREFRONT}`,
            'content-type: text/plain;charset=UTF-8',
            `content-length: ${token.length}`,
          ],
          token,
        ),
      ],
    ];
    return {
      text: requests.map(([, text]) => text).join(''),
      statuses: requests.map(([status]) => status),
    };
  };

  it.each([
    ['the direct path', (handler: (request: Request) => Promise<Response>) => handler],
    [
      'the Fetch path',
      (handler: (request: Request) => Promise<Response>) => (request: Request) => handler(request),
    ],
  ])(
    'answers every pipelined request on %s, keeps the connection open, and serves the next one on it',
    async (_path, wrap) => {
      const port = await listen(toNodeListener(wrap(createCurrentCustomerHandler(baseOptions))));
      const { text, statuses } = pipelined();
      const client = await rawClient(port, text);
      await vi.waitFor(
        () => expect(parseAnswers(client.received())).toHaveLength(statuses.length),
        {
          timeout: 3000,
        },
      );
      const answers = parseAnswers(client.received());
      expect(answers.map((answer) => answer.status)).toEqual(statuses);
      for (const answer of answers) expect(answer.headers.connection).not.toBe('close');
      // Still open: one more request on the same connection is answered.
      expect(client.socket.destroyed).toBe(false);
      client.socket.write(request('OPTIONS', [`origin: ${STOREFRONT}`]));
      await vi.waitFor(
        () => expect(parseAnswers(client.received())).toHaveLength(statuses.length + 1),
        { timeout: 3000 },
      );
      expect(client.socket.destroyed).toBe(false);
      client.socket.destroy();
    },
  );
});
