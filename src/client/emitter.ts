// The client's events: handlers registered with `on` are called first, in order (a throwing handler is
// logged with `console.error` and stops nothing), then a `current-customer:<type>` CustomEvent is dispatched
// on `document`. As with events: one entry per on() call, so one handler subscribed twice runs twice; a copy
// is iterated, so a handler subscribed during an emit waits for the next one, and one unsubscribed during an
// emit is not called.
import type { CurrentCustomerError } from './errors.js';
import type {
  CurrentCustomerEventDetailMap,
  CurrentCustomerEventMap,
  CurrentCustomerEventName,
  CurrentCustomerOnOptions,
  Handler,
} from './events.js';
import type { ClientState } from './state.js';

export interface Emitter<TResponse> {
  on<K extends CurrentCustomerEventName>(
    type: K,
    handler: Handler<K, TResponse>,
    options?: CurrentCustomerOnOptions,
  ): () => void;
  /**
   * `key` names the payload in the document event's `detail` (see CurrentCustomerEventDetailMap); without
   * it, an object payload's fields go into `detail` beside `appClientId`.
   */
  emit<K extends CurrentCustomerEventName>(
    type: K,
    payload: CurrentCustomerEventMap<TResponse>[K],
    key?: Exclude<keyof CurrentCustomerEventDetailMap[K], 'appClientId'>,
  ): void;
  /** Emits `error`, except for an abort (ours) and a change of customer (it has its own event). */
  report(error: CurrentCustomerError): void;
}

type Entry = [CurrentCustomerEventName, (payload: never) => void];

/**
 * `state` holds the answer a `response` handler subscribed with `{ replay: true }` is called with, when
 * there is one. `debug` logs each event's name (never the token).
 */
export const createEmitter = <TResponse>(
  appClientId: string,
  debug: boolean | undefined,
  state: ClientState<TResponse>,
): Emitter<TResponse> => {
  const handlers = new Set<Entry>();
  const call = <K extends CurrentCustomerEventName>(
    handler: Handler<K, TResponse>,
    payload: CurrentCustomerEventMap<TResponse>[K],
  ) => {
    try {
      handler(payload);
    } catch (error) {
      console.error(error);
    }
  };
  const emit: Emitter<TResponse>['emit'] = (type, payload, key) => {
    const name = `current-customer:${type}`;
    if (debug) console.debug(name, appClientId);
    for (const entry of [...handlers])
      if (entry[0] === type && handlers.has(entry)) call(entry[1] as never, payload);
    globalThis.document?.dispatchEvent(
      new CustomEvent(name, {
        detail: key ? { appClientId, [key]: payload } : { appClientId, ...(payload as object) },
      }),
    );
  };
  return {
    on(type, handler, options) {
      const entry: Entry = [type, handler];
      handlers.add(entry);
      if (options?.replay && type === 'response' && state.answered !== undefined)
        call(handler as Handler<'response', TResponse>, state.response as TResponse);
      return () => {
        handlers.delete(entry);
      };
    },
    emit,
    report(error) {
      if (error.code !== 'aborted' && error.code !== 'customer_changed')
        emit('error', error, 'error');
    },
  };
};
