import type { CurrentCustomerError } from './errors.js';
import type { CurrentCustomerClaims } from './token.js';

/** What `client.on(event, handler)` hands each handler. */
export interface CurrentCustomerEventMap {
  /** A fresh token arrived: its decoded claims (never the token itself). */
  token: CurrentCustomerClaims;
  /** The backend accepted a POST: its parsed answer (JSON when the response is JSON, text otherwise). */
  response: unknown;
  /** The storefront answered 404: no customer is logged in. The payload is always `null`. */
  guest: null;
  /** A request failed for good (after its retries), or the options are invalid. */
  error: CurrentCustomerError;
}

export type CurrentCustomerEventName = keyof CurrentCustomerEventMap;

/** The `detail` of the `current-customer:<event>` CustomEvents dispatched on `document`. */
export interface CurrentCustomerEventDetailMap {
  token: { appClientId: string; claims: CurrentCustomerClaims };
  response: { appClientId: string; data: unknown };
  guest: { appClientId: string };
  error: { appClientId: string; error: CurrentCustomerError };
}

export type Handler<K extends CurrentCustomerEventName> = (
  payload: CurrentCustomerEventMap[K],
) => void;
