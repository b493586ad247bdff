// CORS for the Current Customer endpoint: only listed storefront origins, never `*`, credentials only when asked.
import { configError } from './errors.js';

/** Storefront origins allowed to call the endpoint: a list, or a function deciding per origin. */
export type AllowedOrigins =
  | readonly string[]
  | ((origin: string, request: Request) => boolean | Promise<boolean>);

/** The per-request check. The `Request` is asked for only by an app's function (a list needs none). */
export type OriginCheck = (origin: string, request: () => Request) => boolean | Promise<boolean>;

/** The methods and headers the browser module uses. */
export const ALLOWED_METHODS = 'POST, OPTIONS';
export const ALLOWED_HEADERS = 'content-type, authorization';
/** How long a browser may cache a preflight answer, in seconds. */
export const PREFLIGHT_MAX_AGE = '600';
/** Response headers the browser module reads besides the CORS-safelisted ones: the backoff of a 429 or 503. */
export const EXPOSED_HEADERS = 'Retry-After';

/** Hosts a developer's own machine serves over plain http; every BigCommerce storefront is https. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function normalizeOrigin(entry: unknown): string {
  const invalid = () =>
    configError(
      `"allowedOrigins" entries must be https origins like "https://store.example.com", or http on localhost, 127.0.0.1 or [::1], with no wildcard (got ${JSON.stringify(entry)})`,
    );
  if (typeof entry !== 'string' || entry.trim() === '' || entry.includes('*')) throw invalid();
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw invalid();
  }
  if (
    !(url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw invalid();
  }
  return url.origin;
}

/** Validates the option once, at creation, and returns the per-request check. */
export function createOriginCheck(allowed: AllowedOrigins): OriginCheck {
  if (typeof allowed === 'function') return (origin, request) => allowed(origin, request());
  if (!Array.isArray(allowed)) {
    throw configError('"allowedOrigins" is required: a list of storefront origins or a function');
  }
  const origins = new Set(allowed.map(normalizeOrigin));
  return (origin) => origins.has(origin);
}

/** The headers that let an allowed origin read a response, `Retry-After` included. */
export function corsHeaders(origin: string, allowCredentials: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': EXPOSED_HEADERS,
  };
  if (allowCredentials) headers['access-control-allow-credentials'] = 'true';
  return headers;
}

/** The headers of a preflight answer for an allowed origin. */
export function preflightHeaders(
  origin: string,
  allowCredentials: boolean,
): Record<string, string> {
  return {
    ...corsHeaders(origin, allowCredentials),
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': PREFLIGHT_MAX_AGE,
  };
}
