import { CurrentCustomerError } from './errors.js';

/** The transport: `globalThis.fetch` or anything with its calling convention. */
export type CurrentCustomerFetch = (input: string, init: RequestInit) => Promise<Response>;

export interface CurrentCustomerOptions {
  /** The app's client id: sent as `app_client_id` to the storefront, the token's `aud`. Required. */
  appClientId: string;
  /** The app backend URL the token is POSTed to. Absolute; `https:` (or `http:` on localhost, 127.0.0.1, [::1]). */
  endpoint: string | URL;
  /** `credentials` of the POST to the backend. Default `'omit'`. */
  credentials?: 'omit' | 'include';
  /** Fetch and post a fresh token after each expiry. Default `true`. */
  autoRefresh?: boolean;
  /** Seconds before the token's local expiry at which it counts as expired. Default 30. */
  leewaySeconds?: number;
  /** Each request is aborted after this many milliseconds. Default 10000. */
  timeoutMs?: number;
  /** Transport for both requests. Default: the global `fetch`, looked up at call time. */
  fetch?: CurrentCustomerFetch;
  /**
   * How the token is POSTed. `'text'` (default): the token alone, `content-type: text/plain`, a CORS simple
   * request (no preflight). `'json'`: `{"token": "…"}` as `application/json` (preflighted), for backends
   * written against version 0.1.
   */
  body?: 'text' | 'json';
  /** Log events (never the token) with `console.debug`. Default `false`. */
  debug?: boolean;
  /**
   * The id of the customer the page was rendered for (the theme partial renders it). A token for any
   * other customer is dropped and emits `changed`. Default: the first token's customer.
   */
  customerId?: CustomerId | null;
  /**
   * Share tokens and backend answers with the other tabs of this store and app (through
   * `BroadcastChannel` and Web Locks, where the browser has both). Default `true`.
   */
  shareAcrossTabs?: boolean;
}

/** A customer's id as the storefront's token (`customer.id`) or the theme gives it. */
export type CustomerId = number | string;

export type ResolvedOptions = Required<CurrentCustomerOptions> & {
  endpoint: string;
  customerId: CustomerId | null;
};

/**
 * An app client id: letters, digits, `_` and `-`, so there is nothing to escape in the storefront URL.
 * The installer and the emulator check `--client-id` with this same rule.
 */
export const APP_CLIENT_ID = /^[\w-]+$/;

/**
 * Tested against an endpoint's protocol and hostname run together (`url.protocol + url.hostname`): https
 * anywhere, http on this machine only. The installer checks `--endpoint` with this same rule.
 */
export const SECURE_ENDPOINT = /^(https:|http:(localhost|127\.0\.0\.1|\[::1\])$)/;

/** The defaults; a given value must have the same type (a number: from 0 to 600000). */
const DEFAULTS = {
  credentials: 'omit',
  body: 'text',
  autoRefresh: true,
  leewaySeconds: 30,
  timeoutMs: 10000,
  fetch: (input: string, init: RequestInit) => fetch(input, init),
  debug: false,
  shareAcrossTabs: true,
};

/** The settings that take one of a few strings. */
const CHOICES = { credentials: ['omit', 'include'], body: ['text', 'json'] };

/**
 * Validates options and fills in defaults (for `undefined` and `null`); throws a `config_invalid`
 * error whose message names the first bad setting.
 */
export const resolveOptions = (options: CurrentCustomerOptions): ResolvedOptions => {
  const given = (options ?? {}) as unknown as Record<string, unknown>;
  // Messages are kept short (they ship in the drop-in file, which has a gzip budget): each names the
  // setting and the rule; the README's options table says it at length.
  const fail = (name: string, want: string) => {
    throw new CurrentCustomerError('config_invalid', `${name} must be ${want}`);
  };
  const { appClientId, endpoint } = given;
  // Client ids are letters and digits: nothing to escape in the storefront URL.
  if (typeof appClientId !== 'string' || !APP_CLIENT_ID.test(appClientId))
    fail('appClientId', '/^[\\w-]+$/');
  try {
    const { protocol, hostname } = new URL(endpoint as string);
    if (!SECURE_ENDPOINT.test(protocol + hostname)) throw 0;
  } catch {
    fail('endpoint', 'an https: URL (http: on localhost)');
  }
  const resolved: Record<string, unknown> = { appClientId, endpoint: String(endpoint) };
  for (const [name, fallback] of Object.entries(DEFAULTS)) {
    const value = given[name] ?? fallback;
    const type = typeof fallback;
    if (typeof value !== type) fail(name, `a ${type}`);
    if (type === 'number' && !((value as number) >= 0 && (value as number) <= 600000))
      fail(name, 'from 0 to 600000');
    resolved[name] = value;
  }
  for (const [name, values] of Object.entries(CHOICES))
    if (!values.includes(resolved[name] as string)) fail(name, values.join(' or '));
  const customerId = given.customerId ?? null;
  if (customerId !== null && typeof customerId !== 'number' && typeof customerId !== 'string')
    fail('customerId', 'a number or a string');
  resolved.customerId = customerId;
  return resolved as ResolvedOptions;
};
