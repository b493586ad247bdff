// The automatic work: fetch and post at start, when the token expires, when the page becomes visible or
// the network comes back, when another tab's token arrives, after a restore from the back/forward cache,
// and after a guest hint. One tab at a time across tabs (the exclusive lock), and never holding the lock
// across a wait.
import type { Emitter } from './emitter.js';
import type { CurrentCustomerError } from './errors.js';
import type { Exchange } from './exchange.js';
import type { ResolvedOptions } from './options.js';
import { retrying } from './requests.js';
import { REFRESH_RETRY_DELAY, retryable } from './retry.js';
import { shared } from './scope.js';
import { type ClientState, done, forget, remaining, valid } from './state.js';
import type { Sync } from './sync.js';

/** setTimeout's longest delay: a longer one overflows and fires at once. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

export interface Refresher {
  /**
   * Fetches unless a valid token is held, and posts unless that token was answered. `restored`: fetch a
   * fresh token without asking other tabs, and post only if the last POST did not complete.
   */
  _refresh(restored?: boolean): Promise<void>;
  /** While the page is visible: refresh if the token expired, else set the timer again. */
  _wake(): void;
  /** Sets the one timer: by default when the token expires on either clock. */
  _arm(ms?: number): void;
  /** Clears the timer. */
  _disarm(): void;
}

export const createRefresher = <TResponse>(
  state: ClientState<TResponse>,
  config: ResolvedOptions,
  sync: Sync,
  exchange: Exchange<TResponse>,
  events: Emitter<TResponse>,
): Refresher => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const doc = globalThis.document as Document | undefined;
  const automatic = () => state._started && config.autoRefresh && !state._halted;

  /** Runs `task` as the only tab working (at once when working alone); abortAll() withdraws the request. */
  const exclusive = (task: () => Promise<void>) =>
    sync._tabs ? sync._tabs._exclusive(task, state._scope.signal) : task();

  /**
   * Failures are already `error` events: swallowed here. One that another try may cure (retryable:
   * network, timeout, 429, 5xx; never aborted, config_invalid or a 4xx) sets a slower timer, so a page
   * that stays visible is not left unidentified; wake() still skips it while the page is hidden. One at a
   * time in this tab too (shared), but an abort (pagehide, stop()) forgets the one in flight.
   */
  const refresh = shared(state, async (restored = false) => {
    const since = state._generation;
    /**
     * One attempt, under the lock. Nothing is left to do once the client was stopped, or once another tab
     * said that nobody, or somebody else, is logged in while this one waited for the lock or an answer.
     */
    const attempt = () =>
      exclusive(async () => {
        const told = () => !state._started || (state._halted && state._generation !== since);
        if (state._guestHint) await sync._awaitCheck();
        if (told()) return;
        const posted = restored && state._answered !== undefined;
        // After a restore or a guest hint, only the storefront knows who is logged in now.
        if (restored || state._guestHint) forget(state);
        else if (!done(state)) await sync._askOthers();
        restored = false;
        if (told() || (!valid(state) && !(await exchange._fetchOnce()))) return;
        if (posted && state._generation === since) state._answered = state._token as string;
        if (state._answered !== state._token) await exchange._postOnce(state._generation);
      });
    try {
      // The lock is let go during each wait between attempts (pause): another tab, for another customer
      // maybe, works meanwhile, and its fresh token stops this one.
      await retrying(attempt, exchange._pause);
    } catch (e) {
      const error = e as CurrentCustomerError;
      events._report(error);
      if (retryable(error)) {
        // The 60-s retry: holding no lock, and with the token dropped, so that it asks the storefront first.
        forget(state);
        arm(REFRESH_RETRY_DELAY);
      }
    }
  });

  const wake = () => {
    if (automatic() && doc?.visibilityState !== 'hidden')
      if (valid(state)) arm();
      else refresh();
  };

  /**
   * Never longer than setTimeout allows; a negative delay (an expiry already past) fires at once. stop(), a
   * guest and a change clear it.
   */
  const disarm = () => clearTimeout(timer);
  const arm = (ms = remaining(state)) => {
    disarm();
    if (automatic()) timer = setTimeout(wake, Math.min(ms, MAX_TIMER_DELAY));
  };

  return { _refresh: refresh, _wake: wake, _arm: arm, _disarm: disarm };
};
