import type { CurrentCustomerError } from './errors.js';
import type { CurrentCustomerClaims } from './token.js';

/** What `client.on(event, handler)` hands each handler. */
export interface CurrentCustomerEventMap {
  /** A fresh token arrived: its decoded claims (never the token itself). */
  token: CurrentCustomerClaims;
  /** The backend accepted a POST: its parsed answer (JSON when the response is JSON, text otherwise). */
  response: unknown;
  /** The storefront answered 404: no customer is logged in. */
  guest: undefined;
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

export interface Emitter {
  on<K extends CurrentCustomerEventName>(type: K, handler: Handler<K>): () => void;
  emit<K extends CurrentCustomerEventName>(
    type: K,
    payload: CurrentCustomerEventMap[K],
    detail: Omit<CurrentCustomerEventDetailMap[K], 'appClientId'>,
  ): void;
}

/**
 * Handlers registered with `on` are called first (a throwing handler is logged with
 * `console.error` and stops nothing), then a `current-customer:<type>` CustomEvent is dispatched
 * on `document`.
 */
export const createEmitter = (
  appClientId: string,
  debug: boolean | undefined,
  doc?: Document,
): Emitter => {
  const target = new EventTarget();
  return {
    on(type, handler) {
      const listener = (event: Event) => {
        try {
          handler((event as CustomEvent).detail);
        } catch (error) {
          console.error(error);
        }
      };
      target.addEventListener(type, listener);
      return () => target.removeEventListener(type, listener);
    },
    emit(type, payload, detail) {
      // Debug logs name the event, never the token.
      if (debug) console.debug('current-customer', appClientId, type);
      target.dispatchEvent(new CustomEvent(type, { detail: payload }));
      doc?.dispatchEvent(
        new CustomEvent(`current-customer:${type}`, { detail: { appClientId, ...detail } }),
      );
    },
  };
};
