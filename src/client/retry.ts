import type { CurrentCustomerError } from './errors.js';

/** Attempts per request (the storefront GET, the backend POST), the first one included. */
export const MAX_ATTEMPTS = 4;
/** The backoff cap before attempt n + 1 is `BASE_DELAY * 2 ** (n - 1)`, at most `MAX_DELAY`. */
export const BASE_DELAY = 1000;
export const MAX_DELAY = 30000;
/**
 * After an automatic refresh fails for good (its MAX_ATTEMPTS used, an `error` event emitted), the
 * next one is tried this much later, while the page is visible. Fixed: the backoff before it is
 * already jittered, so clients that failed together do not come back together.
 */
export const REFRESH_RETRY_DELAY = 60000;
/** A `Retry-After` longer than this is cut to it. */
export const MAX_RETRY_AFTER = 60000;

/**
 * Milliseconds to wait after failed attempt `attempt` (1-based): what `Retry-After` asked for when it
 * was given, else full jitter, a uniformly random delay from 0 up to the exponential cap.
 */
export const backoff = (attempt: number, retryAfter?: number, random = Math.random): number =>
  retryAfter ?? Math.floor(random() * Math.min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)));

/** A `Retry-After` header (delay seconds or an HTTP date) in milliseconds from now, clamped. */
export const parseRetryAfter = (value: string | null): number | undefined => {
  // A missing header is '', like an empty one: the pattern refuses it and Date.parse('') is NaN.
  const v = value?.trim() ?? '';
  const ms = /^\d+$/.test(v) ? +v * 1000 : Date.parse(v) - Date.now();
  // A date in the past is 0; a value that is neither a number nor a date (NaN fails both
  // comparisons) is ignored.
  return ms < 0 ? 0 : ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER) : undefined;
};

/** Network errors, timeouts, 429 and 5xx are worth another attempt; nothing else is. */
export const retryable = ({ code, status }: CurrentCustomerError): boolean =>
  // INVARIANT: errors without a status (network, timeout, aborted, token_malformed, config_invalid)
  // rely on `undefined >= 500` being false (the cast only quiets the type; `?? 0` would cost 4 bytes
  // gzipped). The retryable tests pin each code.
  code === 'network' || code === 'timeout' || status === 429 || (status as number) >= 500;
