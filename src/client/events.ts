import type { CurrentCustomerError } from './errors.js';
import type { CustomerId } from './options.js';
import type { CurrentCustomerClaims } from './token.js';

/** A change of the logged-in customer: `to` is `null` when nobody is logged in any more. */
export interface CurrentCustomerChange {
  from: CustomerId | null;
  to: CustomerId | null;
}

/** What `client.on(event, handler)` hands each handler; `TResponse` is the backend's answer. */
export interface CurrentCustomerEventMap<TResponse = unknown> {
  /** A fresh token for the page's customer arrived: its decoded claims (never the token itself). */
  token: CurrentCustomerClaims;
  /** The backend accepted a POST: its parsed answer (JSON when the response is JSON, text otherwise). */
  response: TResponse;
  /** The storefront answered 404: no customer is logged in. The payload is always `null`. */
  guest: null;
  /**
   * The storefront (seen by this tab or another) now names another customer than the last one seen,
   * or nobody. Tokens for anyone but the page's customer are dropped.
   */
  changed: CurrentCustomerChange;
  /** A request failed for good (after its retries), or the options are invalid. */
  error: CurrentCustomerError;
}

export type CurrentCustomerEventName = keyof CurrentCustomerEventMap;

/** The `detail` of the `current-customer:<event>` CustomEvents dispatched on `document`. */
export interface CurrentCustomerEventDetailMap<TResponse = unknown> {
  token: { appClientId: string; claims: CurrentCustomerClaims };
  response: { appClientId: string; data: TResponse };
  guest: { appClientId: string };
  changed: { appClientId: string } & CurrentCustomerChange;
  error: { appClientId: string; error: CurrentCustomerError };
}

export type Handler<K extends CurrentCustomerEventName, TResponse = unknown> = (
  payload: CurrentCustomerEventMap<TResponse>[K],
) => void;

/** Options of `client.on()`. */
export interface CurrentCustomerOnOptions {
  /** For `response`: call the handler at once with the latest answer, when there is one. */
  replay?: boolean;
}
