// Who is logged in: the page's customer, and the one the storefront (here or in another tab) names now. The
// only place that changes `seen`, `generation` and `halted`, and that announces tokens, answers, guests and
// changes.

import type { Emitter } from './emitter.js';
import { CurrentCustomerError } from './errors.js';
import type { CustomerId } from './options.js';
import { type ClientState, forget, now } from './state.js';
import type { CurrentCustomerClaims } from './token.js';

/** Two customer ids name the same customer (the theme may render `"4927"` for the token's `4927`). */
export const sameCustomer = (a: CustomerId | null | undefined, b: CustomerId | null | undefined) =>
  a == null || b == null ? a === b : String(a) === String(b);

export interface Identity<TResponse> {
  /**
   * Takes a token: the page's customer's is held for `ttl` milliseconds from now, on both clocks, and
   * announced; anyone else's throws `customer_changed`.
   */
  accept(jwt: string, claims: CurrentCustomerClaims, ttl: number): void;
  /** Nobody is logged in (a 404 here or in another tab). */
  logout(): void;
  /** Keeps the backend's answer to `jwt` and announces it. */
  take(jwt: string, data: TResponse): void;
}

/**
 * `stopAll` clears the timer and aborts whatever is in flight (a guest or another customer: nothing
 * begun for the page's customer may finish); `held` is called with each token taken (to set the timer).
 */
export const createIdentity = <TResponse>(
  state: ClientState<TResponse>,
  events: Emitter<TResponse>,
  stopAll: () => void,
  held: () => void,
): Identity<TResponse> => {
  const halt = () => {
    state.halted = true;
    forget(state);
    stopAll();
  };

  /**
   * Records the customer the storefront names now (`null`: nobody); emits `changed` when that differs
   * from the last one seen. Returns whether it is the page's customer; when not, all automatic work stops.
   */
  const observe = (id: CustomerId | null) => {
    if (state.pageCustomer === undefined && id !== null) state.pageCustomer = id;
    const from = state.seen;
    if (!sameCustomer(id, from)) {
      state.seen = id;
      state.generation++;
      state.response = state.answered = undefined;
      if (from !== undefined) events.emit('changed', { from, to: id });
    }
    const ours = id !== null && sameCustomer(id, state.pageCustomer);
    if (!ours) halt();
    return ours;
  };

  return {
    accept(jwt, claims, ttl) {
      if (!observe(claims.customer.id)) throw new CurrentCustomerError('customer_changed');
      state.token = jwt;
      state.claims = claims;
      state.expiresAt = Date.now() + ttl;
      state.deadline = now() + ttl;
      state.halted = false;
      held();
      events.emit('token', claims, 'claims');
    },
    logout() {
      halt();
      events.emit('guest', null);
      observe(null);
    },
    take(jwt, data) {
      state.answered = jwt;
      state.response = data;
      events.emit('response', data, 'data');
    },
  };
};
