// CORS for the Current Customer endpoint: only listed storefront origins, never `*`, credentials only when asked.
import { type ConfigProblems, describeGiven } from './errors.js';

/** Storefront origins allowed to call the endpoint: one origin, a list, or a function deciding per origin. */
export type AllowedOrigins =
  | string
  | readonly string[]
  | ((origin: string, request: Request) => boolean | Promise<boolean>);

/** The per-request check. The `Request` is asked for only by an app's function (a list needs none). */
export type OriginCheck = (origin: string, request: () => Request) => boolean | Promise<boolean>;

/** The methods and headers the browser module uses. */
export const ALLOWED_METHODS = 'POST, OPTIONS';
export const ALLOWED_HEADERS = 'content-type, authorization';
/**
 * How long a browser may cache a preflight answer, in seconds: Chromium's cap (Firefox allows a day). Only a
 * JSON or Bearer POST is preflighted; the browser module's default text/plain POST is not.
 */
export const PREFLIGHT_MAX_AGE = '7200';
/** Response headers the browser module reads besides the CORS-safelisted ones: the backoff of a 429 or 503. */
export const EXPOSED_HEADERS = 'Retry-After';

/** Hosts a developer's own machine serves over plain http; every BigCommerce storefront is https. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** One entry of the list as an origin, or undefined when it is not one (recorded as a problem). */
function normalizeOrigin(
  entry: unknown,
  where: string,
  problems: ConfigProblems,
): string | undefined {
  const invalid = () =>
    problems.add(
      `${where} must be an https origin like "https://store.example.com", or http on localhost, 127.0.0.1 or ` +
        `[::1], with no path and no wildcard (got ${describeGiven(entry)})`,
    );
  if (typeof entry !== 'string' || entry.trim() === '' || entry.includes('*')) return invalid();
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return invalid();
  }
  if (
    !(url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return invalid();
  }
  return url.origin;
}

/**
 * Validates the option once, at creation, and returns the per-request check (undefined when the option has a
 * problem, recorded). One origin given as a string is a list of one.
 */
export function readOriginCheck(
  allowed: unknown,
  problems: ConfigProblems,
): OriginCheck | undefined {
  if (typeof allowed === 'function') {
    const decide = allowed as (origin: string, request: Request) => boolean | Promise<boolean>;
    return (origin, request) => decide(origin, request());
  }
  if (typeof allowed === 'string') {
    const origin = normalizeOrigin(allowed, '"allowedOrigins"', problems);
    return origin === undefined ? undefined : (candidate) => candidate === origin;
  }
  if (!Array.isArray(allowed)) {
    return problems.add(
      '"allowedOrigins" must be the storefront origins allowed to call the endpoint: a list such as ' +
        `["https://store.example.com"], one origin, or a function (origin, request) => boolean ` +
        `(got ${describeGiven(allowed)})`,
    );
  }
  const origins = allowed.map((entry: unknown, index) =>
    normalizeOrigin(entry, `"allowedOrigins[${index}]"`, problems),
  );
  if (origins.some((origin) => origin === undefined)) return undefined;
  const set = new Set(origins);
  return (origin) => set.has(origin);
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
