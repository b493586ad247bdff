// The demo app backend: another origin, built with this package's own createCurrentCustomerHandler and
// toNodeListener, answering the verified customer and a few demo "recently purchased products". For the
// browser tests it can be taken down (connection refused) or made to answer 500.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createCurrentCustomerHandler, toNodeListener } from '../server/index.js';
import { recentlyPurchased } from './customers.js';
import { close, createServer, HOST, listen } from './http.js';

/** Entries kept in `log`: a long session keeps the latest. */
const MAX_LOG = 1000;

/** Path of the endpoint the module posts to. */
export const BACKEND_PATH = '/current-customer';

export interface BackendStats {
  /** Every request that reached the backend. */
  requests: number;
  /** CORS preflights (OPTIONS). */
  preflights: number;
  /** POSTs of a token. */
  posts: number;
  /** ...answered 2xx: the handler verified the token. */
  verified: number;
  /** ...answered 4xx: the handler refused it. */
  refused: number;
  /** ...answered 5xx. */
  failed: number;
  /** Customer ids of the verified tokens, in order. */
  customers: number[];
  /** One entry per request, in order (the latest 1,000). */
  log: { at: number; method: string; status: number }[];
}

export function emptyBackendStats(): BackendStats {
  return {
    requests: 0,
    preflights: 0,
    posts: 0,
    verified: 0,
    refused: 0,
    failed: 0,
    customers: [],
    log: [],
  };
}

/** `ok`: the real handler; `fail`: every POST answers 500 (CORS still allowed); `down`: not listening. */
export type BackendMode = 'ok' | 'fail' | 'down';

export interface BackendOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  storeHash: string;
  /** The storefront's origin, the only one allowed (known once the storefront listens). */
  storefrontOrigin(): string;
  stats: BackendStats;
}

export interface Backend {
  /** e.g. `http://127.0.0.1:3738` */
  readonly origin: string;
  readonly port: number;
  readonly mode: BackendMode;
  setMode(mode: BackendMode): Promise<void>;
  close(): Promise<void>;
}

export async function startBackend(options: BackendOptions): Promise<Backend> {
  const { stats } = options;
  const handler = createCurrentCustomerHandler({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    storeHash: options.storeHash,
    allowedOrigins: [options.storefrontOrigin()],
    onCustomer: (verified) => {
      stats.customers.push(verified.customer.id);
      return {
        customer: verified.customer,
        storeHash: verified.storeHash,
        tokenExpiresAt: verified.expiresAt.toISOString(),
        verifiedAt: new Date().toISOString(),
        recentlyPurchased: recentlyPurchased(verified.customer.id),
      };
    },
  });
  const verify = toNodeListener(handler);
  let mode: BackendMode = 'ok';

  const record = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    stats.requests++;
    res.once('finish', () => {
      const status = res.statusCode;
      stats.log.push({ at: Date.now(), method, status });
      if (stats.log.length > MAX_LOG) stats.log.shift();
      if (method === 'OPTIONS') stats.preflights++;
      if (method !== 'POST') return;
      stats.posts++;
      if (status >= 500) stats.failed++;
      else if (status >= 400) stats.refused++;
      else if (status >= 200 && status < 300) stats.verified++;
    });
  };

  const server = createServer((req, res) => {
    record(req, res);
    const path = new URL(req.url ?? '/', 'http://backend').pathname;
    if (path !== BACKEND_PATH) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_found', endpoint: BACKEND_PATH }));
      return;
    }
    if (mode === 'fail' && req.method === 'POST') {
      req.resume();
      const origin = req.headers.origin;
      res.writeHead(500, {
        'content-type': 'application/json',
        vary: 'Origin',
        ...(origin === options.storefrontOrigin() ? { 'access-control-allow-origin': origin } : {}),
      });
      res.end(JSON.stringify({ error: 'demo_failure' }));
      return;
    }
    verify(req, res);
  });

  let port = await listen(server, options.port, 'backend', '--backend-port');
  const origin = `http://${HOST}:${port}`;
  return {
    origin,
    get port() {
      return port;
    },
    get mode() {
      return mode;
    },
    async setMode(next) {
      if (next === 'down' && server.listening) await close(server);
      if (next !== 'down' && !server.listening) {
        port = await listen(server, port, 'backend', '--backend-port');
      }
      mode = next;
    },
    close: () => close(server),
  };
}
