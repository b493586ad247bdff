import { afterEach, beforeEach, vi } from 'vitest';
import {
  type CurrentCustomer,
  type CurrentCustomerFetch,
  type CurrentCustomerOptions,
  createCurrentCustomer,
} from '../../src/client/index.js';

/** The example token from BigCommerce's Current Customer documentation. */
export const DOCS_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjdXN0b21lciI6eyJpZCI6NDkyNywiZW1haWwiOiJqb2huLmRvZUBnbWFpbC5jb20iLCJncm91cF9pZCI6IjYifSwiaXNzIjoiYmMvYXBwcyIsInN1YiI6ImFiYzEyMyIsImlhdCI6MTQ4MDgzMTg2MywiZXhwIjoxNDgwODMyNzYzLCJ2ZXJzaW9uIjoxLCJhdWQiOiI2c3YxNnRmeDNqNWdzb3BtNDJzczVkZDY3ZzJzcnZxIiwiYXBwbGljYXRpb25faWQiOiI2c3YxNnRhc2RncjJiNWhzNWRkNjdnMnNydnEiLCJzdG9yZV9oYXNoIjoiYWJjMTIzIiwib3BlcmF0aW9uIjoiY3VycmVudF9jdXN0b21lciJ9.uYTDTJzhDOog7PE1yLNeP6zDNdFMb91fS-NZrJpsts0';

export const CLIENT_ID = 'testclientid123';
export const ENDPOINT = 'https://app.example.com/api/current-customer';

const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned-looking JWT (the browser never verifies; only the shape matters). */
export const makeJwt = (claims: Record<string, unknown>, signature = 'c2lnbmF0dXJl') =>
  `${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u(claims)}.${signature}`;

let serial = 0;
/** A BigCommerce-shaped token issued at `iat` (seconds, the storefront's clock), living `lifetime` s. */
export const tokenAt = (iat: number, lifetime = 900, customerId: number | string = 4927) =>
  makeJwt({
    customer: { id: customerId, email: 'shopper@example.com', group_id: '6' },
    iss: 'bc/apps',
    sub: 'abc123',
    iat,
    exp: iat + lifetime,
    version: 1,
    aud: CLIENT_ID,
    application_id: 'app',
    store_hash: 'abc123',
    operation: 'current_customer',
    jti: `t${++serial}`,
  });

export interface Reply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
}
/** What the scripted server answers: a reply, an Error to reject with, or 'hang' (never settles). */
export type Answer = Reply | Error | 'hang';

export interface Call {
  url: string;
  init: RequestInit;
  signal: AbortSignal;
}

/** A Response-like object whose body is read in a microtask (no real I/O, so fake timers rule). */
const respond = ({ status = 200, body = '', headers = {} }: Reply) =>
  ({
    ok: status >= 200 && status < 300,
    status,
    headers: new Headers(headers),
    text: async () => body,
  }) as unknown as Response;

/**
 * A scripted fetch: `storefront` and `backend` decide each answer (given the 0-based call index of
 * that side). Records every call.
 */
export const scriptedFetch = (script: {
  storefront?: (n: number, call: Call) => Answer;
  backend?: (n: number, call: Call) => Answer;
}) => {
  const calls: Call[] = [];
  const storefront: Call[] = [];
  const backend: Call[] = [];
  const fetch = vi.fn<CurrentCustomerFetch>(async (url, init) => {
    const call = { url: String(url), init, signal: init.signal as AbortSignal };
    calls.push(call);
    const isStorefront = call.url.startsWith('/customer/current.jwt');
    const list = isStorefront ? storefront : backend;
    list.push(call);
    const answer = (isStorefront ? script.storefront : script.backend)?.(list.length - 1, call) ?? {
      status: 599,
    };
    if (answer === 'hang') return new Promise<Response>(() => {});
    if (answer instanceof Error) throw answer;
    return respond(answer);
  });
  return { fetch, calls, storefront, backend };
};

/** The storefront hands out a fresh token (issued "now" on a clock `skewSeconds` off ours). */
export const issuing =
  (lifetime = 900, skewSeconds = 0) =>
  (): Answer => ({ body: tokenAt(Math.floor(Date.now() / 1000) + skewSeconds, lifetime) });

export const json = (value: unknown, status = 200): Reply => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json; charset=utf-8' },
});

/** Lets pending promise chains run without moving the fake clock. */
export const flush = () => vi.advanceTimersByTimeAsync(0);

/** Sets document.visibilityState and fires visibilitychange. */
export const setVisibility = (state: DocumentVisibilityState) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
};

/** Collects the document CustomEvents `current-customer:*`. */
export const documentEvents = () => {
  const seen: { type: string; detail: Record<string, unknown> }[] = [];
  const types = ['token', 'response', 'guest', 'changed', 'error'];
  const listener = (event: Event) =>
    seen.push({ type: event.type, detail: (event as CustomEvent).detail });
  for (const type of types) document.addEventListener(`current-customer:${type}`, listener);
  return {
    seen,
    types: () => seen.map((e) => e.type.replace('current-customer:', '')),
    stop: () => {
      for (const type of types) document.removeEventListener(`current-customer:${type}`, listener);
    },
  };
};

/**
 * The set-up the client test files share: fake timers from 2026-03-01T12:00:00Z and a visible page before
 * each test; after it, every client made by the returned `create` stopped, then `after()`, then real timers
 * and mocks back. `create` fills in the test app's client id and endpoint.
 */
export function useClients(after?: () => void) {
  const clients: CurrentCustomer<unknown>[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
    setVisibility('visible');
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.stop();
    after?.();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  return <T = unknown>(
    options: Partial<CurrentCustomerOptions> & Pick<CurrentCustomerOptions, 'fetch'>,
  ): CurrentCustomer<T> => {
    const client = createCurrentCustomer<T>({
      appClientId: CLIENT_ID,
      endpoint: ENDPOINT,
      ...options,
    });
    clients.push(client as CurrentCustomer<unknown>);
    return client;
  };
}
