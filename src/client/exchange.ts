// The two requests: the token from the storefront, and the token POSTed to the app backend. Each `…Once`
// is one attempt (what an automatic refresh runs under the lock); getToken() and post() retry them for
// callers of the public API.

import type { Early } from './early.js';
import type { Emitter } from './emitter.js';
import { CurrentCustomerError } from './errors.js';
import type { Identity } from './identity.js';
import type { ResolvedOptions } from './options.js';
import { readAnswer, retrying, send } from './requests.js';
import { shared, wait } from './scope.js';
import { type ClientState, forget, valid } from './state.js';
import type { Sync } from './sync.js';
import { decodeToken, readToken, tokenUrl } from './token.js';

export interface Exchange<TResponse> {
  /** One storefront request (concurrent callers share it): the token, or `null` for a guest. */
  _fetchOnce(): Promise<string | null>;
  /**
   * One POST of the page customer's token, fetched first when none is valid (concurrent callers share
   * it). A 401 gets one fresh token and one more POST. Throws `customer_changed` when the customer seen is
   * no longer the one of `since` (a generation).
   */
  _postOnce(since: number): Promise<TResponse>;
  /** Between two attempts: see `pause` below. */
  _pause(ms: number): Promise<void>;
  _getToken(): Promise<string | null>;
  _post(): Promise<TResponse | null>;
}

export const createExchange = <TResponse>(
  state: ClientState<TResponse>,
  config: ResolvedOptions,
  bad: CurrentCustomerError | undefined,
  events: Emitter<TResponse>,
  identity: Identity<TResponse>,
  sync: Sync,
  early?: Early,
): Exchange<TResponse> => {
  const fetchOnce = shared(state, async (): Promise<string | null> => {
    if (bad) throw bad;
    const hinted = state._guestHint;
    const [response, body] = await send(state, config, 'storefront', tokenUrl(config.appClientId), {
      credentials: 'same-origin',
      cache: 'no-store',
    });
    // Asked after the hint was heard: the storefront's word answers it.
    if (hinted) state._guestHint = false;
    forget(state);
    /**
     * Other tabs hear of every answer, another customer's token included: that is how a switch spreads. An
     * early start's answer is not `fresh`: it was requested outside the lock, maybe before another tab's.
     */
    const tell = (token: string | null, ttl?: number) =>
      sync._tabs?._send({
        type: 'state',
        token,
        ttl,
        fresh: !early?._isEarly(response),
        checked: hinted,
      });
    if (response.status === 404) {
      tell(null);
      identity._logout();
      return null;
    }
    const jwt = readToken(body) as string;
    const claims = decodeToken(jwt);
    const lifetime = claims.exp - claims.iat;
    // Local clocks only: the storefront's clock may differ from this one by minutes. Cached for at least
    // half the lifetime, whatever the leeway: a leeway longer than the lifetime must not fetch in a loop.
    const ttl = Math.max(lifetime - config.leewaySeconds, lifetime / 2) * 1000;
    tell(jwt, ttl);
    identity._accept(jwt, claims, ttl);
    return jwt;
  });

  const postOnce = shared(state, async (since: number): Promise<TResponse> => {
    for (let refused = false; ; refused = true) {
      const jwt = valid(state) ? state._token : await fetchOnce();
      if (!jwt || state._generation !== since) throw new CurrentCustomerError('customer_changed');
      try {
        const [reply, text] = await send(state, config, 'backend', config.endpoint, {
          method: 'POST',
          credentials: config.credentials,
          // The token alone, which fetch sends as `text/plain;charset=UTF-8`: a CORS simple request (no
          // custom header, so no preflight); or `{"token": …}` as JSON.
          ...(config.body === 'json'
            ? {
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ token: jwt }),
              }
            : { body: jwt }),
        });
        // An answer about a customer who is no longer the one logged in reaches nobody.
        if (state._generation !== since) throw new CurrentCustomerError('customer_changed');
        const data = readAnswer(reply, text) as TResponse;
        identity._take(jwt, data);
        sync._share();
        return data;
      } catch (error) {
        if (refused || (error as CurrentCustomerError).code !== 'backend_http_401') throw error;
        // The backend refused this token: a fresh one, once.
        forget(state);
      }
    }
  });

  /**
   * The wait between two attempts. The token is dropped first: a switch may happen meanwhile on pages
   * without the module, so the next attempt asks the storefront again, unless another tab delivered a
   * token during the wait.
   */
  const pause = (ms: number) => {
    forget(state);
    return wait(state, ms);
  };

  /** Reports a failure for good as an `error` event, and passes it on. */
  const reported = <T>(work: Promise<T>) =>
    work.catch((error: CurrentCustomerError) => {
      events._report(error);
      throw error;
    });

  const fetchRetrying = shared(state, () => reported(retrying(fetchOnce, pause)));
  const getToken = async () => (valid(state) ? state._token : fetchRetrying());

  return {
    _fetchOnce: fetchOnce,
    _postOnce: postOnce,
    _pause: pause,
    _getToken: getToken,
    _post: shared(state, async () => {
      if (!(await getToken())) return null;
      // The POST's customer: a guest or another customer later is a change, and rejects.
      const since = state._generation;
      return reported(retrying(() => postOnce(since), pause));
    }),
  };
};
