// The storefront emulator, as a Fetch API handler: theme pages rendered with the real renderer, the Current
// Customer endpoint, a cookie session with log in and log out, the theme's assets, and the emulator's stats.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { DEMO_CUSTOMERS, findDemoCustomer } from './customers.js';
import type { ThemeRenderer } from './renderer.js';
import type { Theme } from './theme.js';
import { type DemoCustomer, signCustomerToken, type TokenSettings } from './token.js';

/** What the storefront saw; the tests assert on these. */
export interface StorefrontStats {
  /** Pages rendered. */
  pages: number;
  /** Every request to /customer/current.jwt. */
  tokenRequests: number;
  /** ...answered 200 with a token. */
  tokensIssued: number;
  /** ...answered 404: no customer signed in. */
  guests: number;
  /** ...answered 400: no or an unknown app_client_id. */
  rejected: number;
  /** One entry per /customer/current.jwt request, in order (the latest 1,000). */
  tokenLog: { at: number; status: number; customerId: number | null }[];
  logins: number;
  logouts: number;
}

export function emptyStorefrontStats(): StorefrontStats {
  return {
    pages: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    guests: 0,
    rejected: 0,
    tokenLog: [],
    logins: 0,
    logouts: 0,
  };
}

export interface StorefrontConfig {
  theme: Theme;
  renderer: ThemeRenderer;
  token: TokenSettings;
  stats: StorefrontStats;
  /** The storefront's own origin, e.g. `http://127.0.0.1:3737` (known once it listens). */
  origin(): string;
  /** The app backend's endpoint URL that the theme settings point the module at. */
  endpoint(): string;
  /** Send `Content-Security-Policy` with a per-request nonce. */
  csp: boolean;
  /**
   * Give the renderer the nonce so `{{nonce}}` prints it. Off, the CSP header still carries a nonce but the
   * markup does not: a test uses it to prove the partial's nonce matters.
   */
  themeNonce: boolean;
  /** HTML added before `</body>` of every page (the demo panel), or null. */
  panel: ((page: PanelInput) => string) | null;
  /** JSON for `/__emulator/stats`. */
  statsSnapshot(): unknown;
}

export interface PanelInput {
  nonce: string;
  customer: DemoCustomer | null;
  path: string;
}

export const SESSION_COOKIE = 'SHOP_SESSION_TOKEN';
/** Entries kept in `tokenLog`: a long session keeps the latest. */
const MAX_LOG = 1000;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.html': 'text/html; charset=utf-8',
};

function text(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
  });
}

function cookieValue(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A same-origin path to go back to after logging in or out; anything else becomes `/`. */
function safeRedirect(candidate: string | null | undefined, request: Request): string {
  if (candidate?.startsWith('/') && !candidate.startsWith('//') && !candidate.includes('\\')) {
    return candidate;
  }
  const referer = request.headers.get('referer');
  if (referer) {
    try {
      const from = new URL(referer);
      if (from.origin === new URL(request.url).origin) return `${from.pathname}${from.search}`;
    } catch {
      // not a URL: ignore it
    }
  }
  return '/';
}

async function formParams(request: Request): Promise<URLSearchParams> {
  const params = new URL(request.url).searchParams;
  if (request.method === 'POST') {
    const type = request.headers.get('content-type') ?? '';
    if (type.startsWith('application/x-www-form-urlencoded')) {
      for (const [key, value] of new URLSearchParams(await request.text())) params.set(key, value);
    }
  }
  return params;
}

export function createStorefront(config: StorefrontConfig) {
  const { theme, renderer, token, stats } = config;
  /** Session token → signed-in customer id. */
  const sessions = new Map<string, number>();

  const customerOf = (request: Request): DemoCustomer | null => {
    const session = cookieValue(request, SESSION_COOKIE);
    const id = session === undefined ? undefined : sessions.get(session);
    return id === undefined ? null : (findDemoCustomer(id) ?? null);
  };

  async function currentJwt(request: Request): Promise<Response> {
    stats.tokenRequests++;
    const customer = customerOf(request);
    const log = (status: number) => {
      stats.tokenLog.push({ at: Date.now(), status, customerId: customer?.id ?? null });
      if (stats.tokenLog.length > MAX_LOG) stats.tokenLog.shift();
    };
    const appClientId = new URL(request.url).searchParams.get('app_client_id');
    if (!appClientId) {
      stats.rejected++;
      log(400);
      return text('app_client_id is required', 400);
    }
    if (appClientId !== token.clientId) {
      // BigCommerce does not document this case; the emulator refuses it so a wrong id is noticed.
      stats.rejected++;
      log(400);
      return text('unknown app_client_id', 400);
    }
    if (!customer) {
      stats.guests++;
      log(404);
      return text('no customer is signed in', 404);
    }
    const jwt = await signCustomerToken(customer, token);
    stats.tokensIssued++;
    log(200);
    return text(jwt, 200);
  }

  async function login(request: Request): Promise<Response> {
    const params = await formParams(request);
    const wanted = params.get('customer');
    const customer = findDemoCustomer(wanted ? Number(wanted) : undefined);
    if (!customer) return text(`no demo customer ${wanted}`, 400);
    const session = randomBytes(18).toString('base64url');
    sessions.set(session, customer.id);
    stats.logins++;
    return new Response(null, {
      status: 303,
      headers: {
        location: safeRedirect(params.get('redirect'), request),
        'set-cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Lax`,
        'cache-control': 'no-store',
      },
    });
  }

  async function logout(request: Request): Promise<Response> {
    const params = await formParams(request);
    const session = cookieValue(request, SESSION_COOKIE);
    if (session !== undefined) sessions.delete(session);
    stats.logouts++;
    return new Response(null, {
      status: 303,
      headers: {
        location: safeRedirect(params.get('redirect'), request),
        'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
        'cache-control': 'no-store',
      },
    });
  }

  async function asset(path: string): Promise<Response> {
    let relativePath: string;
    try {
      relativePath = decodeURIComponent(path.slice('/assets/'.length));
    } catch {
      return text('not found', 404);
    }
    for (const dir of theme.assetDirs) {
      const file = resolve(dir, relativePath);
      if (!file.startsWith(dir + sep)) return text('not found', 404);
      try {
        if (!(await stat(file)).isFile()) continue;
        return new Response(new Uint8Array(await readFile(file)), {
          headers: {
            'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
            'cache-control': 'no-cache',
          },
        });
      } catch {
        // not in this folder: try the next one
      }
    }
    return text('not found', 404);
  }

  function renderContext(customer: DemoCustomer | null, url: URL): Record<string, unknown> {
    const origin = config.origin();
    const context: Record<string, unknown> = {
      settings: siteSettings(origin),
      page_type: url.pathname === '/' ? 'default' : 'page',
      page_title: url.pathname === '/' ? '' : url.pathname.slice(1),
      urls: {
        home: '/',
        auth: {
          login: `/login?redirect=${encodeURIComponent(url.pathname)}`,
          logout: `/logout?redirect=${encodeURIComponent(url.pathname)}`,
          create_account: '/login',
          forgot_password: '/login',
        },
        account: { index: '/', details: '/', orders: { all: '/' } },
        cart: '/',
        checkout: { single_address: '/' },
        compare: '/',
        search: '/',
        contact_us_submit: '/',
      },
      head: { title: theme.name, meta_tags: '', config: '', favicon: '', scripts: '' },
      footer: { scripts: '' },
      demo_customers: DEMO_CUSTOMERS,
    };
    if (customer) context.customer = { ...customer };
    return context;
  }

  function siteSettings(origin: string): Record<string, unknown> {
    return {
      base_url: origin,
      secure_base_url: origin,
      cdn_url: '',
      store_name: 'Current Customer Demo Store',
      store_hash: token.storeHash,
      request: { absolute_path: '/', is_crawler: false },
      store_logo: { title: 'Current Customer Demo Store' },
    };
  }

  function themeSettings(): Record<string, unknown> {
    return {
      ...theme.settings,
      current_customer_enabled: true,
      current_customer_app_client_id: token.clientId,
      current_customer_endpoint: config.endpoint(),
    };
  }

  async function page(request: Request, url: URL): Promise<Response> {
    const name = url.pathname === '/' ? 'home' : url.pathname.slice(1).replace(/\/$/, '');
    const key = `pages/${name}`;
    if (!/^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/i.test(name) || !renderer.hasTemplate(key)) {
      return text(`no page ${url.pathname} in this theme`, 404);
    }
    const customer = customerOf(request);
    const nonce = randomBytes(16).toString('base64');
    let html = await renderer.render({
      page: key,
      context: renderContext(customer, url),
      siteSettings: siteSettings(config.origin()),
      themeSettings: themeSettings(),
      nonce: config.themeNonce ? nonce : undefined,
    });
    if (config.panel) {
      const panel = config.panel({ nonce, customer, path: url.pathname });
      const end = html.lastIndexOf('</body>');
      html = end === -1 ? html + panel : html.slice(0, end) + panel + html.slice(end);
    }
    stats.pages++;
    const headers: Record<string, string> = {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    };
    if (config.csp) {
      const backend = new URL(config.endpoint()).origin;
      headers['content-security-policy'] =
        `script-src 'nonce-${nonce}'; connect-src 'self' ${backend}; object-src 'none'; base-uri 'self'`;
    }
    return new Response(html, { headers });
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const { pathname } = url;
    const method = request.method;
    if (pathname === '/login' || pathname === '/login.php') {
      if (method !== 'GET' && method !== 'POST') return text('method not allowed', 405);
      return url.searchParams.get('action') === 'logout' ? logout(request) : login(request);
    }
    if (pathname === '/logout') {
      if (method !== 'GET' && method !== 'POST') return text('method not allowed', 405);
      return logout(request);
    }
    if (method !== 'GET' && method !== 'HEAD') return text('method not allowed', 405);
    if (pathname === '/customer/current.jwt') return currentJwt(request);
    if (pathname === '/__emulator/stats') {
      return new Response(JSON.stringify(config.statsSnapshot()), {
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    }
    if (pathname.startsWith('/assets/')) return asset(pathname);
    if (pathname === '/favicon.ico') return new Response(null, { status: 204 });
    return page(request, url);
  }

  return { handle, sessions };
}
