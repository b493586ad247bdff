// One HTTP request at a time, and the retry loop around them. A request here is one attempt; waiting
// between attempts is the loop's job, and it holds nothing while it waits (no Web Lock: see refresh.ts).
import { CurrentCustomerError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { backoff, MAX_ATTEMPTS, parseRetryAfter, retryable } from './retry.js';
import { timeout } from './scope.js';
import type { ClientState } from './state.js';

export type Side = 'storefront' | 'backend';

/** Failures another attempt must not repeat, although their code is retryable (a POST that timed out). */
const final = new WeakSet<CurrentCustomerError>();

/**
 * One request, body included, under the timeout. Resolves for a 2xx (and a storefront 404: a guest);
 * rejects with `<side>_http_<status>` (with the status and any Retry-After) otherwise. A POST that timed
 * out is final: the backend may have done the work.
 */
export const send = async (
  state: ClientState<unknown>,
  { fetch: transport, timeoutMs }: Pick<ResolvedOptions, 'fetch' | 'timeoutMs'>,
  side: Side,
  url: string,
  init: RequestInit,
): Promise<[Response, string]> => {
  try {
    const result = await timeout(state, timeoutMs, async (signal): Promise<[Response, string]> => {
      const response = await transport(url, { ...init, signal });
      return [response, await response.text()];
    });
    const { ok, status, headers } = result[0];
    if (ok || (status === 404 && side === 'storefront')) return result;
    throw new CurrentCustomerError(
      `${side}_http_${status}`,
      undefined,
      undefined,
      status,
      parseRetryAfter(headers.get('retry-after')),
    );
  } catch (e) {
    const error = e as CurrentCustomerError;
    if (side === 'backend' && error.code === 'timeout') final.add(error);
    throw error;
  }
};

/**
 * Runs `attempt` until it succeeds, MAX_ATTEMPTS times at most. Network errors, timeouts (but a POST's),
 * 429 and 5xx are worth another attempt; anything else is thrown at once. Between attempts, `pause(ms)`
 * waits the backoff (or what Retry-After asked for).
 */
export const retrying = async <T>(
  attempt: () => Promise<T>,
  pause: (ms: number) => Promise<void>,
): Promise<T> => {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const error = e as CurrentCustomerError;
      if (n >= MAX_ATTEMPTS || final.has(error) || !retryable(error)) throw error;
      await pause(backoff(n, error.retryAfter));
    }
  }
};

/** The backend's answer: JSON when it says so and parses (an empty body is null), else the text. */
export const readAnswer = (response: Response, text: string): unknown => {
  // A missing content-type is null, which the pattern tests as "null": not JSON.
  if (/json/i.test(response.headers.get('content-type') as string))
    try {
      return text ? JSON.parse(text) : null;
    } catch {}
  return text;
};
