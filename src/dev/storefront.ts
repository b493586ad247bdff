// The storefront emulator, as a Fetch API handler: theme pages rendered with the real renderer, the Current
// Customer endpoint (with injectable faults), a cookie session with log in and log out, a login page, the
// theme's assets, and the emulator's stats. It answers only requests for its own host and port, and changes
// state (log in, log out, faults) only on a POST from its own pages (see request-guard.ts).
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { BackendCheck } from './backend-check.js';
import { DEMO_CUSTOMERS, findDemoCustomer } from './customers.js';
import { delay, type FaultSide, type Faults } from './faults.js';
import { errorPage } from './http.js';
import type { LiveTheme } from './live-theme.js';
import { checkHost, checkSameOrigin } from './request-guard.js';
import { cookieValue, FormTooLarge, formParams, safeRedirect, text } from './requests.js';
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
  /** ...answered by an injected fault (slow ones not counted: they answer normally). */
  faulted: number;
  /** One entry per /customer/current.jwt request, in order (the latest 1,000). */
  tokenLog: { at: number; status: number; customerId: number | null }[];
  logins: number;
  logouts: number;
  /** Views of the login page (`GET /login` or `/login.php`), where the `302` fault sends the module. */
  loginPages: number;
}

export function emptyStorefrontStats(): StorefrontStats {
  return {
    pages: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    guests: 0,
    rejected: 0,
    faulted: 0,
    tokenLog: [],
    logins: 0,
    logouts: 0,
    loginPages: 0,
  };
}

export interface StorefrontConfig {
  /** The theme, reloaded on a page load after its files changed. */
  theme: LiveTheme;
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
  /** The faults in force (read on every request). */
  faults(): Faults;
  /** Sets one side's fault from its spelling (`slow:3`); throws a `DevError` for a bad one. */
  setFault(side: FaultSide, spelling: string): Promise<void>;
  /**
   * Checks the developer's own backend (`POST /__emulator/check-backend`), posting a token for `customer`
   * when given; null without one (the demo backend).
   */
  checkBackend: ((customer: DemoCustomer | null) => Promise<BackendCheck>) | null;
  /** The emulated store REST API, answering every request under /stores/ (store-api.ts). */
  storeApi?: (request: Request) => Promise<Response>;
}

export interface PanelInput {
  nonce: string;
  customer: DemoCustomer | null;
  path: string;
  theme: Theme;
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

/** Where a store sends a visitor whose session it does not accept. */
export const LOGIN_PAGE = '/login.php';

const escapeAttribute = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page of POST forms (the login and log out pages). */
function formsPage(title: string, forms: string[]): Response {
  return new Response(
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>\n<h1>${title}</h1>\n${forms.join('\n')}\n</body></html>\n`,
    { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  );
}

/** The hidden field that sends the visitor back to `redirect` (a same-origin path) afterwards. */
const redirectField = (redirect: string | null): string =>
  redirect === null
    ? ''
    : `<input type="hidden" name="redirect" value="${escapeAttribute(redirect)}">`;

/**
 * The login page: what a store answers, as HTML, where a token was expected, and what a theme's
 * `{{urls.auth.login}}` link opens. Each button POSTs: a GET never signs anyone in.
 */
function loginPage(redirect: string | null): Response {
  return formsPage(
    'Sign in',
    DEMO_CUSTOMERS.map(
      (c) =>
        `<form method="post" action="/login">${redirectField(redirect)}<input type="hidden" name="customer" value="${c.id}"><button type="submit" data-login-customer="${c.id}">Log in as ${c.first_name} ${c.last_name}</button></form>`,
    ),
  );
}

/** What a theme's `{{urls.auth.logout}}` link opens: one button that POSTs. */
function logoutPage(redirect: string | null): Response {
  return formsPage('Log out', [
    `<form method="post" action="/logout">${redirectField(redirect)}<button type="submit" data-logout-confirm>Log out</button></form>`,
  ]);
}

export function createStorefront(config: StorefrontConfig) {
  const { token, stats } = config;
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
    const fault = config.faults().storefront;
    if (fault.kind === 'slow') await delay(fault.seconds);
    const faulty = (response: Response): Response => {
      stats.faulted++;
      log(response.status);
      return response;
    };
    if (fault.kind === '500') return faulty(text('internal server error (injected)', 500));
    if (fault.kind === '429') {
      return faulty(
        text('too many requests (injected)', 429, { 'retry-after': String(fault.seconds) }),
      );
    }
    if (fault.kind === 'html') return faulty(loginPage(null));
    if (fault.kind === '302') {
      const from = encodeURIComponent('/customer/current.jwt');
      return faulty(
        new Response(null, {
          status: 302,
          headers: { location: `${LOGIN_PAGE}?from=${from}`, 'cache-control': 'no-store' },
        }),
      );
    }
    if (!customer) {
      stats.guests++;
      log(404);
      return text('no customer is signed in', 404);
    }
    const jwt = signCustomerToken(customer, token);
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

  async function setFault(request: Request): Promise<Response> {
    const params = await formParams(request);
    for (const side of ['storefront', 'backend'] as const) {
      const spelling = params.get(side);
      if (spelling === null) continue;
      try {
        await config.setFault(side, spelling);
      } catch (error) {
        return text(error instanceof Error ? error.message : String(error), 400);
      }
    }
    return new Response(null, {
      status: 303,
      headers: {
        location: safeRedirect(params.get('redirect'), request),
        'cache-control': 'no-store',
      },
    });
  }

  async function asset(theme: Theme, path: string): Promise<Response> {
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

  function renderContext(
    theme: Theme,
    customer: DemoCustomer | null,
    url: URL,
  ): Record<string, unknown> {
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

  function themeSettings(theme: Theme): Record<string, unknown> {
    return {
      ...theme.settings,
      current_customer_enabled: true,
      current_customer_app_client_id: token.clientId,
      current_customer_endpoint: config.endpoint(),
    };
  }

  async function page(request: Request, url: URL): Promise<Response> {
    const { theme, renderer } = await config.theme.current();
    const name = url.pathname === '/' ? 'home' : url.pathname.slice(1).replace(/\/$/, '');
    const key = `pages/${name}`;
    if (!/^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/i.test(name) || !renderer.hasTemplate(key)) {
      return text(`no page ${url.pathname} in this theme`, 404);
    }
    const customer = customerOf(request);
    const nonce = randomBytes(16).toString('base64');
    let html = await renderer.render({
      page: key,
      context: renderContext(theme, customer, url),
      siteSettings: siteSettings(config.origin()),
      themeSettings: themeSettings(theme),
      nonce: config.themeNonce ? nonce : undefined,
    });
    if (config.panel) {
      const panel = config.panel({ nonce, customer, path: url.pathname, theme });
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

  async function checkBackend(request: Request): Promise<Response> {
    if (!config.checkBackend) return text('the demo backend is not checked', 404);
    const withToken = new URL(request.url).searchParams.get('token') === '1';
    const check = await config.checkBackend(withToken ? customerOf(request) : null);
    return new Response(JSON.stringify(check), {
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  }

  const port = () => Number(new URL(config.origin()).port);

  async function handle(request: Request): Promise<Response> {
    const refusal =
      checkHost(request, port()) ??
      (request.method === 'GET' || request.method === 'HEAD' ? null : checkSameOrigin(request));
    if (refusal) return text(`${refusal.reason}\n`, refusal.status);
    try {
      return await route(request);
    } catch (error) {
      if (error instanceof FormTooLarge) return text('form too large', 413);
      return errorPage(error);
    }
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const { pathname } = url;
    const method = request.method;
    if (config.storeApi && pathname.startsWith('/stores/')) return config.storeApi(request);
    const redirect = url.searchParams.get('redirect');
    // Log in and log out change state: POST only. A GET (a theme's link) opens a page whose button POSTs.
    const leaving = pathname === '/logout' || url.searchParams.get('action') === 'logout';
    if (pathname === '/login' || pathname === LOGIN_PAGE || pathname === '/logout') {
      if (method === 'POST') return leaving ? logout(request) : login(request);
      if (method !== 'GET' && method !== 'HEAD') return postOnly(pathname, 'GET, HEAD, POST');
      if (leaving) return logoutPage(redirect);
      stats.loginPages++;
      return loginPage(redirect);
    }
    if (pathname === '/__emulator/faults') {
      return method === 'POST' ? setFault(request) : postOnly(pathname, 'POST');
    }
    if (pathname === '/__emulator/check-backend') {
      return method === 'POST' ? checkBackend(request) : postOnly(pathname, 'POST');
    }
    if (method !== 'GET' && method !== 'HEAD') return text('method not allowed', 405);
    if (pathname === '/customer/current.jwt') return currentJwt(request);
    if (pathname === '/__emulator/stats') {
      return new Response(JSON.stringify(config.statsSnapshot()), {
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    }
    if (pathname.startsWith('/assets/')) return asset(config.theme.last.theme, pathname);
    if (pathname === '/favicon.ico') return new Response(null, { status: 204 });
    return page(request, url);
  }

  return { handle, sessions };
}

/** 405 with the methods a route takes. */
function postOnly(pathname: string, allow: string): Response {
  return text(
    `method not allowed: ${pathname} takes ${allow.replace(/, (?=\w+$)/, ' or ')}\n`,
    405,
    {
      allow,
    },
  );
}
