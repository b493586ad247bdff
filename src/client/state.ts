// What one client knows, in one place, with the rules that keep it consistent. The other modules change it
// only through the functions here and in identity.ts.
import type { CustomerId } from './options.js';
import type { CurrentCustomerClaims } from './token.js';

export interface ClientState<TResponse> {
  /**
   * The token for the page's customer, while one is held, and its decoded claims.
   * INVARIANT: both or neither (identity.accept() and forget() set them together); never another
   * customer's.
   */
  token: string | null;
  claims: CurrentCustomerClaims | null;
  /**
   * When the token stops counting as valid, on the wall clock (`Date.now()`) and on the monotonic clock
   * (`performance.now()`); both must lie ahead. Setting the wall clock back cannot extend a token past its
   * monotonic deadline; setting it forward cannot make an old one look valid.
   */
  expiresAt: number;
  deadline: number;
  /**
   * The latest backend answer and the token it answered (`undefined`: no answer held).
   * INVARIANT: an answer is taken only with the token it answers, so `answered === token` means "done".
   */
  response?: TResponse;
  answered?: string;
  /** The customer the page was rendered for: the option, else the first customer the storefront named. */
  pageCustomer: CustomerId | undefined;
  /** The customer last seen logged in (`null`: nobody; `undefined`: nothing seen yet). */
  seen: CustomerId | null | undefined;
  /**
   * Counts changes of `seen`. INVARIANT: work begun under one generation sends and delivers nothing under
   * another (a POST for customer 1 must not land after customer 2 was seen).
   */
  generation: number;
  /** The last word was a guest or another customer: no token, no timer, no automatic work. */
  halted: boolean;
  /** Aborted by abortAll() (see scope.ts), which puts a new one in its place. */
  scope: AbortController;
  /** start() was called and stop() was not since. */
  started: boolean;
  /**
   * A guest page was rendered since this tab (or a tab it heard from) last asked the storefront: the
   * customer may have logged out, so one tab must ask again.
   */
  guestHint: boolean;
}

export const createState = <TResponse>(
  customerId: CustomerId | null | undefined,
): ClientState<TResponse> => {
  const id = customerId ?? undefined;
  return {
    token: null,
    claims: null,
    expiresAt: 0,
    deadline: 0,
    pageCustomer: id,
    seen: id,
    generation: 0,
    halted: false,
    scope: new AbortController(),
    started: false,
    guestHint: false,
  };
};

export const now = () => performance.now();

/** Milliseconds the token stays valid: the lesser of what the two clocks leave. */
export const remaining = (state: ClientState<unknown>) =>
  Math.min(state.expiresAt - Date.now(), state.deadline - now());

export const valid = (state: ClientState<unknown>) => remaining(state) > 0;

/** Whether the held token was answered by the backend: nothing is left to do until it expires. */
export const done = (state: ClientState<unknown>) => valid(state) && state.answered === state.token;

/** Drops the token (not the answer: it stays readable until a guest or a change). */
export const forget = (state: ClientState<unknown>) => {
  state.token = state.claims = null;
  state.expiresAt = state.deadline = 0;
};
