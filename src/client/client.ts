// The public client: options in, the modules wired together, the page's life cycle. What each part does:
// state.ts (what the client knows, and its invariants), identity.ts (who is logged in), exchange.ts (the
// two requests), requests.ts (one attempt, and retries), refresh.ts (the automatic work and its timer),
// sync.ts and tabs.ts (the other tabs), emitter.ts (events), scope.ts (aborts, timeouts and waits).
// What these modules hand each other has names starting with `_` (the state's fields, the internal objects'
// members): internal names, which the drop-in build shortens (see rollup.config.js); the public API has none.
import { adoptEarly, type EarlyStart } from './early.js';
import { createEmitter } from './emitter.js';
import type { CurrentCustomerError } from './errors.js';
import type { CurrentCustomerEventName, CurrentCustomerOnOptions, Handler } from './events.js';
import { createExchange } from './exchange.js';
import { createIdentity } from './identity.js';
import { type CurrentCustomerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { createRefresher, type Refresher } from './refresh.js';
import { abortAll } from './scope.js';
import { createState, valid } from './state.js';
import { createSync } from './sync.js';
import { openTabs } from './tabs.js';
import type { CurrentCustomerClaims } from './token.js';

/** The browser client for one app; `TResponse` is the shape of the backend's answer. */
export interface CurrentCustomer<TResponse = unknown> {
  readonly appClientId: string;
  /**
   * The cached token while it is valid, else a fresh one (concurrent callers share one request);
   * `null` for a guest. Rejects with a `CurrentCustomerError` when that fails for good, and with
   * `customer_changed` when the storefront names another customer than the page's.
   */
  getToken(): Promise<string | null>;
  /** The decoded claims of the cached token while it is valid, else `null`. */
  getClaims(): CurrentCustomerClaims | null;
  /**
   * POSTs the current token (fetching one first if needed) and resolves to the backend's answer;
   * resolves to `null` for a guest, posting nothing. On a backend 401 it fetches a fresh token once
   * and posts again. Rejects with a `CurrentCustomerError` when that fails for good, and with
   * `customer_changed` when the customer changed meanwhile (its answer is then dropped).
   */
  post(): Promise<TResponse | null>;
  /** The latest backend answer (this tab's or another's): `undefined` before any, after `guest` and `changed`. */
  getResponse(): TResponse | undefined;
  /**
   * Fetches and posts at once when there is no valid token, then again after each expiry. While the
   * page is prerendered, waits until it is shown. Never throws.
   */
  start(): void;
  /** Clears timers and listeners and aborts requests in flight. `start()` works again afterwards. */
  stop(): void;
  /**
   * Subscribes to an event; returns the unsubscribe function. With `{ replay: true }`, a `response`
   * handler is also called at once with the latest answer, when there is one.
   */
  on<K extends CurrentCustomerEventName>(
    type: K,
    handler: Handler<K, TResponse>,
    options?: CurrentCustomerOnOptions,
  ): () => void;
}

/** `window.StencilCurrentCustomer`, as the drop-in file sets it. */
export interface StencilCurrentCustomerGlobal {
  createCurrentCustomer: typeof createCurrentCustomer;
  /** The clients the drop-in file started, by app client id. */
  clients: Record<string, CurrentCustomer>;
}

/**
 * Creates a client for one app. Never throws: invalid options log one `console.error` naming the
 * setting and give a client that makes no requests (`start()` emits a `config_invalid` error event,
 * `getToken()` and `post()` reject with it).
 */
export const createCurrentCustomer = <TResponse = unknown>(
  options: CurrentCustomerOptions,
): CurrentCustomer<TResponse> => createClient(options);

/**
 * createCurrentCustomer(), taking over the early start the theme partial's inline script left for this client
 * (early.ts): the drop-in file's boot.ts is the one caller that passes `early`.
 */
export const createClient = <TResponse = unknown>(
  options: CurrentCustomerOptions,
  early?: EarlyStart,
): CurrentCustomer<TResponse> => {
  const appClientId = String(
    (options as Partial<CurrentCustomerOptions> | null)?.appClientId ?? '',
  );
  let config = {} as ResolvedOptions;
  let bad: CurrentCustomerError | undefined;
  try {
    config = resolveOptions(options);
  } catch (e) {
    bad = e as CurrentCustomerError;
    console.error(`current-customer: ${bad.message}`);
  }
  const taken = adoptEarly(early, bad ? undefined : config);
  if (taken) config.fetch = taken._fetch;
  /** The early start's channel, until the first connect() takes it over. */
  let adopted = taken?._tabs;
  const doc = globalThis.document as (Document & { prerendering?: boolean }) | undefined;

  const state = createState<TResponse>(config.customerId);
  const events = createEmitter(appClientId, config.debug, state);
  // The parts call each other: `refresher` is set below, before anything can run.
  let refresher: Refresher;
  const identity = createIdentity(
    state,
    events,
    () => {
      refresher._disarm();
      abortAll(state);
    },
    () => refresher._arm(),
  );
  const sync = createSync(
    state,
    identity,
    // Another tab's token: in line behind the tab that fetched it. If that tab goes away before posting,
    // this one posts; if not, it finds the answer and does nothing.
    () => {
      if (state._started && config.autoRefresh) refresher._refresh();
    },
    // A guest page was rendered: one tab asks the storefront (the lock, and `checked`, make it one). A
    // refresh in flight may have asked before the hint: then this tab asks again once it is over.
    () => {
      const recheck = () => {
        if (state._started && !state._halted && state._guestHint) return refresher._refresh();
      };
      recheck()?.then(recheck);
    },
  );
  const exchange = createExchange(state, config, bad, events, identity, sync, taken);
  refresher = createRefresher(state, config, sync, exchange, events);

  const connect = () => {
    if (!sync._tabs && config.shareAcrossTabs)
      sync._tabs = openTabs(appClientId, sync._receive, adopted);
    adopted = undefined;
  };
  /** Leaving the page (maybe into the back/forward cache): let go of requests, lock requests and the channel. */
  const hide = () => {
    abortAll(state);
    sync._tabs?._close();
    sync._tabs = undefined;
  };
  /** Back from the back/forward cache: check again, the customer may have changed meanwhile. */
  const show = (event: Event) => {
    if (!(event as PageTransitionEvent).persisted || !state._started) return;
    connect();
    refresher._refresh(true);
  };
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    if (!doc) return;
    window[method]('online', refresher._wake);
    window[method]('pagehide', hide);
    window[method]('pageshow', show);
    doc[method]('visibilitychange', refresher._wake);
  };

  const start = () => {
    // A prerendered page may never be shown: wait until it is.
    if (doc?.prerendering) {
      doc.addEventListener('prerenderingchange', start, { once: true });
      return;
    }
    // Started: a no-op, unless the last word was a guest (404) or another customer: then ask
    // again, as the README promises. (A client with bad options is never halted.)
    if (state._started && !state._halted) return;
    state._started = true;
    if (bad) return events._report(bad);
    connect();
    // Adding the same listener twice adds it once.
    listen('addEventListener');
    if (valid(state)) refresher._arm();
    else refresher._refresh();
  };

  return {
    appClientId,
    getToken: exchange._getToken,
    getClaims: () => (valid(state) ? state._claims : null),
    post: exchange._post,
    getResponse: () => state._response,
    start,
    stop() {
      state._started = false;
      doc?.removeEventListener('prerenderingchange', start);
      refresher._disarm();
      listen('removeEventListener');
      hide();
    },
    on: events.on,
  };
};
