// A small storefront and app backend for the identity tests, both on 127.0.0.1:
// - the storefront serves a page with the configuration element (for the customer logged in when the page is
//   rendered, as Stencil does) and the built drop-in file, and `/customer/current.jwt`, a token signed with jose
//   for the customer the test logs in (404 when nobody is);
// - the backend is the package's own handler (with a store rule), behind a wrapper that can delay or fail the
//   next POSTs and logs every request (every POST with the customer whose token it carried, every preflight);
// - a guest page carries the guest hint exactly as templates/components/current-customer/script.html renders it.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeJwt, SignJWT } from 'jose';
import { DROP_IN_FILE, packageRoot } from '../../src/paths.js';
import { createCurrentCustomerHandler, toNodeListener } from '../../src/server/index.js';

export const CLIENT_ID = 'identitytestapp';
const CLIENT_SECRET = 'identity-test-secret-identity-test-secret';
export const STORE_HASH = 'idstore1';

export interface TokenRequest {
  at: number;
  /** The customer logged in when the storefront answered (`null`: 404). */
  customer: number | null;
}
export interface Post {
  at: number;
  /** The customer whose token the POST carried. */
  customer: number;
  status: number;
  /** The request's content-type (`text/plain;charset=UTF-8` for the module's default body). */
  contentType: string | null;
}
/** What the backend does with one POST instead of answering it at once. */
export interface Fault {
  delayMs?: number;
  status?: number;
  retryAfterSeconds?: number;
}

export interface HarnessOptions {
  /** Token lifetime in seconds (`exp - iat`). Default 4. */
  lifetime?: number;
  /** The client's `leewaySeconds`. Default 1. */
  leewaySeconds?: number;
  /** The drop-in file served to the page. Default: the built one. */
  dropIn?: string;
  /** Extra client options for the configuration element. */
  config?: Record<string, unknown>;
  /** Guest pages carry the guest hint (as the partial renders it). Default true. */
  guestHint?: boolean;
}

export interface Harness {
  storefrontUrl: string;
  backendUrl: string;
  /** Logs the browser in as `id`, or out (`null`): the storefront's session, shared by all tabs. */
  setCustomer(id: number | null): void;
  tokenRequests: TokenRequest[];
  posts: Post[];
  /** Every CORS preflight (OPTIONS) the backend received, by time. */
  preflights: number[];
  /** Faults applied, in order, to the next POSTs. */
  faults: Fault[];
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });

/**
 * The guest hint's inline script, taken from the partial itself (its nonce left empty, the app client id
 * printed as the partial prints it: a JSON string).
 */
const guestHint = (appClientId: string) => {
  const partial = readFileSync(
    join(packageRoot(), 'templates/components/current-customer/script.html'),
    'utf8',
  );
  const match = /<script nonce="\{\{nonce\}\}">([\s\S]*?)<\/script>/.exec(partial);
  if (!match?.[1]) throw new Error('script.html renders no guest hint');
  const code = match[1].replace(
    /\s*\{\{~\{strReplace[\s\S]*?\}~\}\}\s*/,
    JSON.stringify(appClientId),
  );
  return `<script>${code}</script>`;
};

/**
 * The token of a POST: its body alone (text/plain), or a JSON body's `token`. Until the handler takes
 * text/plain bodies itself, a text body is handed to it as the JSON body it reads (same token, same
 * origin); once it does, the request goes to it unchanged.
 */
async function readPost(request: Request, takesText: boolean): Promise<[string, Request]> {
  const body = await request.clone().text();
  const json = /json/i.test(request.headers.get('content-type') ?? '');
  const token = json ? (JSON.parse(body) as { token: string }).token : body.trim();
  if (json || takesText) return [token, request];
  const headers = new Headers(request.headers);
  headers.set('content-type', 'application/json');
  return [
    token,
    new Request(request.url, { method: 'POST', headers, body: JSON.stringify({ token }) }),
  ];
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Records the page's `current-customer:*` events in `window.identityEvents`. */
const EVENT_RECORDER = `
window.identityEvents = [];
for (const type of ['token', 'response', 'guest', 'changed', 'error'])
  document.addEventListener('current-customer:' + type, (event) => {
    const d = event.detail;
    window.identityEvents.push({ type, at: Date.now(), from: d.from, to: d.to, data: d.data,
      customer: d.claims && d.claims.customer.id, code: d.error && d.error.code });
  });`;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const lifetime = options.lifetime ?? 4;
  const dropIn = readFileSync(options.dropIn ?? join(packageRoot(), DROP_IN_FILE), 'utf8');
  const secret = new TextEncoder().encode(CLIENT_SECRET);
  let customer: number | null = 1;
  const tokenRequests: TokenRequest[] = [];
  const posts: Post[] = [];
  const preflights: number[] = [];
  const faults: Fault[] = [];

  const backend = createServer();
  const storefront = createServer();
  const [backendUrl, storefrontUrl] = await Promise.all([listen(backend), listen(storefront)]);
  const endpoint = `${backendUrl}/current-customer`;

  const handler = createCurrentCustomerHandler({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: STORE_HASH,
    allowedOrigins: [storefrontUrl],
    onCustomer: (verified) => ({ hello: verified.customer.id }),
  });
  // Does this handler take a text/plain body (the module's default)? A refusal for its media type says no.
  const probe = await handler(
    new Request(endpoint, {
      method: 'POST',
      headers: { origin: storefrontUrl, 'content-type': 'text/plain;charset=UTF-8' },
      body: 'not-a-token',
    }),
  );
  const takesText = probe.status !== 415;
  const cors = {
    'access-control-allow-origin': storefrontUrl,
    'access-control-expose-headers': 'retry-after',
  };
  backend.on(
    'request',
    toNodeListener(async (request) => {
      if (request.method === 'OPTIONS') preflights.push(Date.now());
      if (request.method !== 'POST') return handler(request);
      const contentType = request.headers.get('content-type');
      const [token, forHandler] = await readPost(request, takesText);
      const claims = decodeJwt(token) as { customer: { id: number } };
      const post: Post = { at: Date.now(), customer: claims.customer.id, status: 0, contentType };
      posts.push(post);
      const fault = faults.shift();
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault?.status) {
        post.status = fault.status;
        const retryAfter = fault.retryAfterSeconds;
        return new Response('{"error":"unavailable"}', {
          status: fault.status,
          headers: retryAfter === undefined ? cors : { ...cors, 'retry-after': `${retryAfter}` },
        });
      }
      const response = await handler(forHandler);
      post.status = response.status;
      return response;
    }),
  );

  storefront.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', storefrontUrl);
    const loggedIn = customer;
    if (url.pathname === '/customer/current.jwt') {
      tokenRequests.push({ at: Date.now(), customer });
      if (customer === null || url.searchParams.get('app_client_id') !== CLIENT_ID) {
        res.writeHead(404, { 'cache-control': 'no-store' }).end();
        return;
      }
      const iat = Math.floor(Date.now() / 1000);
      new SignJWT({
        customer: { id: customer, email: `customer${customer}@example.com`, group_id: '0' },
        version: 1,
        aud: CLIENT_ID,
        application_id: 'identity-app',
        store_hash: STORE_HASH,
        operation: 'current_customer',
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('bc/apps')
        .setSubject(STORE_HASH)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(secret)
        .then((jwt) => res.writeHead(200, { 'cache-control': 'no-store' }).end(jwt));
      return;
    }
    if (url.pathname === '/current-customer.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(dropIn);
      return;
    }
    if (url.pathname.startsWith('/page')) {
      // `/page-as-guest`: a guest page whatever the session says (one served from a cache, or rendered
      // just before a login).
      const customer = url.pathname === '/page-as-guest' ? null : loggedIn;
      // As the theme partial: a configuration element only for a logged-in customer.
      const config = {
        appClientId: CLIENT_ID,
        endpoint,
        leewaySeconds: options.leewaySeconds ?? 1,
        customerId: customer,
        ...options.config,
      };
      const element =
        customer === null
          ? options.guestHint === false
            ? ''
            : guestHint(CLIENT_ID)
          : `<script type="application/json" data-current-customer>${JSON.stringify(config)}</script>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><html><head><title>${url.pathname}</title></head><body>
<h1>${url.pathname} for ${customer ?? 'a guest'}</h1><a id="next" href="/page-next">next</a>
<script>${EVENT_RECORDER}</script>${element}
<script src="/current-customer.js" defer></script></body></html>`,
      );
      return;
    }
    res.writeHead(404).end();
  });

  return {
    storefrontUrl,
    backendUrl: endpoint,
    setCustomer(id) {
      customer = id;
    },
    tokenRequests,
    posts,
    preflights,
    faults,
    close: async () => {
      await Promise.all([close(storefront), close(backend)]);
    },
  };
}
