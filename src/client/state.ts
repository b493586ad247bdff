// What one client knows, in one place, with the rules that keep it consistent. The other modules change it
// only through the functions here and in identity.ts. Its fields start with `_`: internal names, which the
// drop-in build shortens (see rollup.config.js).
import type { CustomerId } from './options.js';
import type { CurrentCustomerClaims } from './token.js';

export interface ClientState<TResponse> {
  /**
   * The token for the page's customer, while one is held, and its decoded claims.
   * INVARIANT: both or neither (identity.accept() and forget() set them together); never another
   * customer's.
   */
  _token: string | null;
  _claims: CurrentCustomerClaims | null;
  /**
   * When the token stops counting as valid, on the wall clock (`Date.now()`) and on the monotonic clock
   * (`performance.now()`); both must lie ahead. Setting the wall clock back cannot extend a token past its
   * monotonic deadline; setting it forward cannot make an old one look valid.
   */
  _expiresAt: number;
  _deadline: number;
  /**
   * The latest backend answer and the token it answered (`undefined`: no answer held).
   * INVARIANT: an answer is taken only with the token it answers, so `_answered === _token` means "done".
   */
  _response?: TResponse;
  _answered?: string;
  /** The customer the page was rendered for: the option, else the first customer the storefront named. */
  _pageCustomer: CustomerId | undefined;
  /** The customer last seen logged in (`null`: nobody; `undefined`: nothing seen yet). */
  _seen: CustomerId | null | undefined;
  /**
   * Counts changes of `_seen`. INVARIANT: work begun under one generation sends and delivers nothing under
   * another (a POST for customer 1 must not land after customer 2 was seen).
   */
  _generation: number;
  /** The last word was a guest or another customer: no token, no timer, no automatic work. */
  _halted: boolean;
  /** Aborted by abortAll() (see scope.ts), which puts a new one in its place. */
  _scope: AbortController;
  /** start() was called and stop() was not since. */
  _started: boolean;
  /**
   * A guest page was rendered since this tab (or a tab it heard from) last asked the storefront: the
   * customer may have logged out, so one tab must ask again.
   */
  _guestHint: boolean;
}

export const createState = <TResponse>(
  customerId: CustomerId | null | undefined,
): ClientState<TResponse> => {
  const id = customerId ?? undefined;
  return {
    _token: null,
    _claims: null,
    _expiresAt: 0,
    _deadline: 0,
    _pageCustomer: id,
    _seen: id,
    _generation: 0,
    _halted: false,
    _scope: new AbortController(),
    _started: false,
    _guestHint: false,
  };
};

export const now = () => performance.now();

/** Milliseconds the token stays valid: the lesser of what the two clocks leave. */
export const remaining = (state: ClientState<unknown>) =>
  Math.min(state._expiresAt - Date.now(), state._deadline - now());

export const valid = (state: ClientState<unknown>) => remaining(state) > 0;

/** Whether the held token was answered by the backend: nothing is left to do until it expires. */
export const done = (state: ClientState<unknown>) =>
  valid(state) && state._answered === state._token;

/** Drops the token (not the answer: it stays readable until a guest or a change). */
export const forget = (state: ClientState<unknown>) => {
  state._token = state._claims = null;
  state._expiresAt = state._deadline = 0;
};
