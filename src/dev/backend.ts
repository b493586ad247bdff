// The demo app backend: another origin, built with this package's own createCurrentCustomerHandler and
// served through toNodeListener, answering the README's worked example (a greeting and a points balance)
// with the verified customer. With the emulated store API it is the "recently purchased" example
// (examples/recently-purchased): its store rule, its store API lookup and its 503s, answering `products`
// beside the greeting. Faults can be injected: slow, 401, 500, 503 with Retry-After, or down (connection
// refused).
import type { Server } from 'node:http';
import { recentlyPurchasedEndpoint } from '../../examples/recently-purchased/recently-purchased.js';
import { createCurrentCustomerHandler } from '../server/index.js';
import { findDemoCustomer, loyaltyPoints, recentlyPurchased } from './customers.js';
import { type BackendFault, delay } from './faults.js';
import { close, HOST, listen, serve } from './http.js';

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
  /** ...answered 4xx: the handler refused it (or a `401` fault). */
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

/** The older names of the faults: `ok` (none), `fail` (500), `down`. */
export type BackendMode = 'ok' | 'fail' | 'down';

export interface BackendOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  storeHash: string;
  /** The storefront's origin, the only one allowed (known once the storefront listens). */
  storefrontOrigin(): string;
  stats: BackendStats;
  fault?: BackendFault;
  /** The store API the example asks (the emulator's own), and its access token. */
  storeApi?: { base: string; accessToken: string };
}

export interface Backend {
  /** e.g. `http://127.0.0.1:3738` */
  readonly origin: string;
  readonly port: number;
  readonly fault: BackendFault;
  setFault(fault: BackendFault): Promise<void>;
  close(): Promise<void>;
}

/** What the demo backend answers for a verified customer: the README's worked example, and more. */
export interface DemoAnswer {
  greeting: string;
  points: number;
  customer: { id: number; email: string; groupId: string | null };
  storeHash: string;
  tokenExpiresAt: string;
  verifiedAt: string;
  recentlyPurchased: ReturnType<typeof recentlyPurchased>;
  /**
   * The "recently purchased" example's answer (with the store API), newest first. Written out rather than
   * imported, so the declarations built from this file point nowhere outside the package.
   */
  products?: { name: string; url: string; image: string | null; purchasedAt: string }[];
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });

/** One fetch of a data: URL: Node's fetch is loaded after it. Never throws. */
const warmFetch = (): Promise<unknown> =>
  fetch('data:,').then(
    (response) => response.arrayBuffer(),
    () => undefined,
  );

export async function startBackend(options: BackendOptions): Promise<Backend> {
  const { stats, storeApi } = options;
  const example = storeApi
    ? recentlyPurchasedEndpoint({
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        allowedOrigins: [options.storefrontOrigin()],
        stores: new Map([
          [options.storeHash, { accessToken: storeApi.accessToken, apiBase: storeApi.base }],
        ]),
        onStoreApiError: () => {},
      })
    : undefined;
  const verify = createCurrentCustomerHandler({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    storeHash: example?.storeHash ?? options.storeHash,
    allowedOrigins: [options.storefrontOrigin()],
    onCustomer: async (verified): Promise<DemoAnswer | Response> => {
      const { customer } = verified;
      stats.customers.push(customer.id);
      // The example's answer first: a store API failure is its 503, for the whole answer.
      const answer = await example?.onCustomer(verified);
      if (answer instanceof Response) return answer;
      const firstName = findDemoCustomer(customer.id)?.first_name ?? customer.email;
      return {
        ...answer,
        greeting: `Welcome back, ${firstName}`,
        points: loyaltyPoints(customer.id),
        customer,
        storeHash: verified.storeHash,
        tokenExpiresAt: verified.expiresAt.toISOString(),
        verifiedAt: new Date().toISOString(),
        recentlyPurchased: recentlyPurchased(customer.id),
      };
    },
  });
  let fault: BackendFault = options.fault ?? { kind: 'none' };

  /** A fault's answer to a POST, with the CORS headers a browser needs to read it (Retry-After included). */
  const faultAnswer = (request: Request, status: number, headers: Record<string, string>) => {
    const origin = request.headers.get('origin');
    const cors: Record<string, string> =
      origin === options.storefrontOrigin()
        ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After' }
        : {};
    const error = status === 401 ? 'signature_invalid' : 'demo_failure';
    return json(status, { error }, { vary: 'Origin', ...cors, ...headers });
  };

  const route = async (request: Request): Promise<Response> => {
    if (new URL(request.url).pathname !== BACKEND_PATH) {
      return json(404, { error: 'not_found', endpoint: BACKEND_PATH });
    }
    if (request.method === 'POST') {
      if (fault.kind === 'slow') await delay(fault.seconds);
      if (fault.kind === '401') return faultAnswer(request, 401, {});
      if (fault.kind === '500') return faultAnswer(request, 500, {});
      if (fault.kind === '503') {
        return faultAnswer(request, 503, { 'retry-after': String(fault.seconds) });
      }
    }
    return verify(request);
  };

  const record = (method: string, status: number) => {
    stats.log.push({ at: Date.now(), method, status });
    if (stats.log.length > MAX_LOG) stats.log.shift();
    if (method === 'OPTIONS') stats.preflights++;
    if (method !== 'POST') return;
    stats.posts++;
    if (status >= 500) stats.failed++;
    else if (status >= 400) stats.refused++;
    else if (status >= 200 && status < 300) stats.verified++;
  };

  const server: Server = serve(async (request) => {
    stats.requests++;
    const response = await route(request);
    record(request.method, response.status);
    return response;
  });

  let port = await listen(server, options.port, 'backend', '--backend-port');
  // Node loads its fetch on the first call (about 0.3 s here): pay that now, not in the first page view's
  // store API lookup. A data: URL reaches no server, so no store API call is counted.
  if (example) await warmFetch();
  if (fault.kind === 'down') await close(server);
  return {
    origin: `http://${HOST}:${port}`,
    get port() {
      return port;
    },
    get fault() {
      return fault;
    },
    async setFault(next) {
      if (next.kind === 'down' && server.listening) await close(server);
      if (next.kind !== 'down' && !server.listening) {
        port = await listen(server, port, 'backend', '--backend-port');
      }
      fault = next;
    },
    close: () => close(server),
  };
}
