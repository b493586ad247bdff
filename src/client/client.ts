import { CurrentCustomerError } from './errors.js';
import type {
  CurrentCustomerEventDetailMap,
  CurrentCustomerEventMap,
  CurrentCustomerEventName,
  CurrentCustomerOnOptions,
  Handler,
} from './events.js';
import {
  type CurrentCustomerOptions,
  type CustomerId,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { backoff, MAX_ATTEMPTS, parseRetryAfter, REFRESH_RETRY_DELAY, retryable } from './retry.js';
import { ASK_TIMEOUT, openTabs, type TabMessage, type Tabs } from './tabs.js';
import { type CurrentCustomerClaims, decodeToken, readToken } from './token.js';

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

type Side = 'storefront' | 'backend';

/** setTimeout's longest delay: a longer one overflows and fires at once. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Two customer ids name the same customer (the theme may render `"4927"` for the token's `4927`). */
const sameCustomer = (a: CustomerId | null | undefined, b: CustomerId | null | undefined) =>
  a == null || b == null ? a === b : String(a) === String(b);

/**
 * Creates a client for one app. Never throws: invalid options log one `console.error` naming the
 * setting and give a client that makes no requests (`start()` emits a `config_invalid` error event,
 * `getToken()` and `post()` reject with it).
 */
export const createCurrentCustomer = <TResponse = unknown>(
  options: CurrentCustomerOptions,
): CurrentCustomer<TResponse> => {
  // ---------------------------------------------------------------------------------------------
  // Options
  // ---------------------------------------------------------------------------------------------
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
  const { endpoint, credentials, autoRefresh, leewaySeconds, timeoutMs, fetch: transport } = config;
  const doc = globalThis.document as (Document & { prerendering?: boolean }) | undefined;

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  /** The token for the page's customer, while one is held; `claims` are its decoded claims. */
  let token: string | null = null;
  let claims: CurrentCustomerClaims | null = null;
  /**
   * When the token stops counting as valid, on the wall clock (`Date.now()`) and on the monotonic
   * clock (`performance.now()`); both must lie ahead. Setting the wall clock back cannot extend a
   * token past its monotonic deadline; setting it forward cannot make an old one look valid.
   */
  let expiresAt = 0;
  let deadline = 0;
  /** The latest backend answer and the token it answered (`undefined`: no answer held). */
  let response: TResponse | undefined;
  let answered: string | undefined;
  /** The customer the page was rendered for: the option, else the first token's customer. */
  let pageCustomer: CustomerId | undefined = config.customerId ?? undefined;
  /** The customer last seen logged in (`null`: nobody; `undefined`: nothing seen yet). */
  let seen: CustomerId | null | undefined = pageCustomer;
  /** Counts changes of `seen`: a POST begun before a change must not send or deliver anything. */
  let generation = 0;
  /** The last word was a guest or another customer: no timer, no automatic posting. */
  let halted = false;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The other tabs, while started (see tabs.ts); `undefined` when working alone. */
  let tabs: Tabs | undefined;
  /** Called after each message from another tab (a wait for a reply listens here). */
  let heard: (() => void) | undefined;

  const now = () => performance.now();
  /** Milliseconds the token stays valid: the lesser of what the two clocks leave. */
  const remaining = () => Math.min(expiresAt - Date.now(), deadline - now());
  const valid = () => remaining() > 0;

  const forget = () => {
    token = claims = null;
    expiresAt = deadline = 0;
  };
  /** The last word was a guest or another customer: no token, no timer, no automatic work. */
  const halt = () => {
    halted = true;
    clearTimeout(timer);
    forget();
  };

  // ---------------------------------------------------------------------------------------------
  // Events
  // ---------------------------------------------------------------------------------------------
  // Handlers registered with `on` are called first, in order (a throwing handler is logged with
  // `console.error` and stops nothing), then a `current-customer:<type>` CustomEvent is dispatched
  // on `document`. As with events: one entry per on() call, so one handler subscribed twice runs
  // twice; a copy is iterated, so a handler subscribed during an emit waits for the next one, and
  // one unsubscribed during an emit is not called.
  type Entry = [CurrentCustomerEventName, (payload: never) => void];
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
  const on = <K extends CurrentCustomerEventName>(
    type: K,
    handler: Handler<K, TResponse>,
    options?: CurrentCustomerOnOptions,
  ) => {
    const entry: Entry = [type, handler];
    handlers.add(entry);
    if (options?.replay && type === 'response' && answered !== undefined)
      call(handler as Handler<'response', TResponse>, response as TResponse);
    return () => {
      handlers.delete(entry);
    };
  };
  /**
   * `key` names the payload in the document event's `detail` (see CurrentCustomerEventDetailMap);
   * without it, an object payload's fields go into `detail` beside `appClientId`.
   */
  const emit = <K extends CurrentCustomerEventName>(
    type: K,
    payload: CurrentCustomerEventMap<TResponse>[K],
    key?: Exclude<keyof CurrentCustomerEventDetailMap[K], 'appClientId'>,
  ) => {
    const name = `current-customer:${type}`;
    // Debug logs name the event, never the token.
    if (config.debug) console.debug(name, appClientId);
    for (const entry of [...handlers])
      if (entry[0] === type && handlers.has(entry))
        call(entry[1] as Handler<K, TResponse>, payload);
    doc?.dispatchEvent(
      new CustomEvent(name, {
        detail: key ? { appClientId, [key]: payload } : { appClientId, ...(payload as object) },
      }),
    );
  };
  const report = (error: CurrentCustomerError) => {
    // An abort is ours; a change has its own event.
    if (error.code !== 'aborted' && error.code !== 'customer_changed')
      emit('error', error, 'error');
  };

  // ---------------------------------------------------------------------------------------------
  // Aborting, timeouts and waits
  // ---------------------------------------------------------------------------------------------
  /**
   * Every request, wait and lock request in flight listens to `scope.signal`; abortAll() (pagehide,
   * stop(), a change) aborts them all and opens a new scope, so shared runs begun before are forgotten.
   */
  let scope = new AbortController();
  const abortAll = () => {
    scope.abort();
    scope = new AbortController();
  };

  /**
   * Concurrent callers share one run of `task` (a caller's arguments count only when it starts a
   * run); a new scope (after an abort) starts a new one.
   */
  const shared = <A extends unknown[], T>(task: (...args: A) => Promise<T>) => {
    let current: Promise<T> | undefined;
    let since: AbortController | undefined;
    return (...args: A): Promise<T> => {
      if (!current || since !== scope) {
        since = scope;
        const run = task(...args).finally(() => {
          if (current === run) current = undefined;
        });
        current = run;
      }
      return current;
    };
  };

  /**
   * Settles after `ms`, on abortAll() (rejecting with `aborted`) or when `work` settles, whichever
   * comes first. Without `work`, a wait: the timer resolves it. With `work`, a timeout: the timer
   * rejects with `timeout`, a rejection of `work` is a `network` error, and the signal given to
   * `work` is aborted once this settles.
   */
  const race = <T = void>(ms: number, work?: (signal: AbortSignal) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const controller = new AbortController();
      const { signal } = scope;
      const settle = (error: CurrentCustomerError | undefined, value?: T) => {
        clearTimeout(expiry);
        signal.removeEventListener('abort', abort);
        controller.abort();
        if (error) reject(error);
        else resolve(value as T);
      };
      const abort = () => settle(new CurrentCustomerError('aborted'));
      signal.addEventListener('abort', abort);
      const expiry = setTimeout(() => settle(work && new CurrentCustomerError('timeout')), ms);
      work?.(controller.signal).then(
        (value) => settle(undefined, value),
        (cause) => settle(new CurrentCustomerError('network', 'network', cause)),
      );
    });

  // ---------------------------------------------------------------------------------------------
  // Requests
  // ---------------------------------------------------------------------------------------------
  /**
   * One request, body included, retried: up to MAX_ATTEMPTS, each under the timeout. `init` is
   * asked again before each attempt (a POST re-reads the current token). Network errors before an
   * answer, 429 and 5xx are retried; a POST that timed out is not (the backend may have done the
   * work).
   */
  const request = async (
    side: Side,
    url: string,
    init: () => Promise<RequestInit>,
  ): Promise<[Response, string]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const settings = await init();
        const result = await race(timeoutMs, async (signal): Promise<[Response, string]> => {
          const response = await transport(url, { ...settings, signal });
          return [response, await response.text()];
        });
        const { ok, status, headers } = result[0];
        if (ok || (status === 404 && side === 'storefront')) return result;
        throw new CurrentCustomerError(
          `${side}_http_${status}`,
          undefined,
          undefined,
          status,
          parseRetryAfter(headers.get('retry-after')),
        );
      } catch (e) {
        // Every failure lands here, an HTTP error status included: retry it or give up.
        const error = e as CurrentCustomerError;
        const timedOutPost = side === 'backend' && error.code === 'timeout';
        if (attempt >= MAX_ATTEMPTS || timedOutPost || !retryable(error)) throw error;
        await race(backoff(attempt, error.retryAfter));
      }
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Customers: the page's, and the one the storefront names now
  // ---------------------------------------------------------------------------------------------
  /**
   * Records the customer the storefront (here or in another tab) names now; `null` is nobody.
   * Emits `changed` when that differs from the last one seen. Returns whether it is the page's
   * customer; when not, automatic work stops and whatever is in flight is aborted.
   */
  const observe = (id: CustomerId | null): boolean => {
    if (pageCustomer === undefined && id !== null) pageCustomer = id;
    const from = seen;
    if (!sameCustomer(id, from)) {
      seen = id;
      generation++;
      response = answered = undefined;
      if (from !== undefined) emit('changed', { from, to: id });
    }
    const ours = id !== null && sameCustomer(id, pageCustomer);
    if (!ours) {
      halt();
      abortAll();
    }
    return ours;
  };

  /** Takes a token: the page's customer's is kept and announced; anyone else's is a change. */
  const accept = (jwt: string, decoded: CurrentCustomerClaims, ttl: number) => {
    if (!observe(decoded.customer.id)) throw new CurrentCustomerError('customer_changed');
    token = jwt;
    claims = decoded;
    expiresAt = Date.now() + ttl;
    deadline = now() + ttl;
    halted = false;
    arm();
    emit('token', decoded, 'claims');
  };

  /** Nobody is logged in (a 404 here or in another tab). */
  const logout = () => {
    halt();
    emit('guest', null);
    observe(null);
  };

  // ---------------------------------------------------------------------------------------------
  // Token
  // ---------------------------------------------------------------------------------------------
  const fetchToken = shared(async (): Promise<string | null> => {
    try {
      if (bad) throw bad;
      const [response, body] = await request(
        'storefront',
        `/customer/current.jwt?app_client_id=${appClientId}`,
        async () => ({ credentials: 'same-origin', cache: 'no-store' }),
      );
      forget();
      if (response.status === 404) {
        tabs?.send({ type: 'state', token: null, fresh: true });
        logout();
        return null;
      }
      const jwt = readToken(body) as string;
      const decoded = decodeToken(jwt);
      const lifetime = decoded.exp - decoded.iat;
      // Local clocks only: the storefront's clock may differ from this one by minutes.
      const ttl = Math.max(lifetime - leewaySeconds, lifetime / 2) * 1000;
      // Other tabs hear of every token, another customer's included: that is how a switch spreads.
      tabs?.send({ type: 'state', token: jwt, ttl, fresh: true });
      accept(jwt, decoded, ttl);
      return jwt;
    } catch (e) {
      report(e as CurrentCustomerError);
      throw e;
    }
  });

  const getToken = async () => (valid() ? token : fetchToken());

  // ---------------------------------------------------------------------------------------------
  // Posting
  // ---------------------------------------------------------------------------------------------
  /** Concurrent callers share the POST in flight. */
  const post = shared(async (): Promise<TResponse | null> => {
    let jwt = await getToken();
    if (!jwt) return null;
    const since = generation;
    /** The token must still be there, for the customer the POST began with. */
    const check = (jwt: string | null) => {
      if (!jwt || generation !== since) throw new CurrentCustomerError('customer_changed');
    };
    for (let retried = false; ; retried = true) {
      try {
        const [reply, text] = await request('backend', endpoint, async () => {
          // Before each attempt: the token must still be current, for the same customer.
          check(jwt);
          jwt = await getToken();
          check(jwt);
          return {
            method: 'POST',
            credentials,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: jwt }),
          };
        });
        // An answer about a customer who is no longer the one logged in reaches nobody.
        check(jwt);
        let data: unknown = text;
        // JSON when it says so and parses (an empty body is null), else the text. (A missing
        // content-type is null, which the pattern tests as "null": not JSON.)
        if (/json/i.test(reply.headers.get('content-type') as string))
          try {
            data = text ? JSON.parse(text) : null;
          } catch {}
        take(jwt as string, data as TResponse);
        share();
        return data as TResponse;
      } catch (error) {
        if (retried || (error as CurrentCustomerError).code !== 'backend_http_401') {
          report(error as CurrentCustomerError);
          throw error;
        }
        // The backend refused this token: fetch a fresh one and try once more.
        forget();
      }
    }
  });

  /** Keeps the backend's answer to `jwt` and announces it. */
  const take = (jwt: string, data: TResponse) => {
    answered = jwt;
    response = data;
    emit('response', data, 'data');
  };

  // ---------------------------------------------------------------------------------------------
  // Other tabs (see tabs.ts for the protocol)
  // ---------------------------------------------------------------------------------------------
  /**
   * Tells the other tabs the valid token this one holds, with its answer when there is one. (Only a
   * 404 just received says "nobody": an old one may be stale.)
   */
  const share = () => {
    if (valid())
      tabs?.send({
        type: 'state',
        token,
        ttl: remaining(),
        answered: answered === token,
        data: response,
      });
  };

  const receive = (message: TabMessage) => {
    if (message.type === 'ask') share();
    else if (message.token === null) {
      if (seen !== null || !halted) logout();
    } else {
      try {
        if (message.token !== token) {
          const decoded = decodeToken(message.token);
          // Only a token just fetched says who is logged in now. Another tab's older token is
          // taken only for the customer last seen here: else it is stale, not a switch.
          const id = decoded.customer.id;
          if (!message.fresh && !sameCustomer(id, seen === undefined ? id : seen)) return;
          forget();
          accept(message.token, decoded, message.ttl as number);
          // In line behind the tab that fetched it: if that tab goes away before posting, this one
          // posts; if not, it finds the answer and does nothing.
          if (started && autoRefresh) refresh();
        }
        if (message.answered && message.token === token && answered !== token)
          take(message.token, message.data as TResponse);
      } catch {
        // Another customer's token: observe() emitted `changed`.
      }
    }
    heard?.();
  };

  /** Waits, at most ASK_TIMEOUT ms, for another tab's token and answer, if another tab is open. */
  const askOthers = async () => {
    if (!tabs || !(await tabs.othersOpen())) return;
    tabs.send({ type: 'ask' });
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(wait);
        heard = undefined;
        resolve();
      };
      const wait = setTimeout(done, ASK_TIMEOUT);
      heard = () => {
        if (halted || (valid() && answered === token)) done();
      };
    });
  };

  /** Runs `task` as the only tab working (at once when working alone); abortAll() stops the wait. */
  const exclusive = (task: () => Promise<void>) =>
    tabs ? tabs.exclusive(task, scope.signal) : task();

  const connect = () => {
    if (!tabs && config.shareAcrossTabs) tabs = openTabs(appClientId, receive);
  };
  const disconnect = () => {
    tabs?.close();
    tabs = undefined;
  };

  // ---------------------------------------------------------------------------------------------
  // Automatic refresh
  // ---------------------------------------------------------------------------------------------
  /**
   * The automatic fetch and post (start(), the timer, visibilitychange, online, another tab's
   * token, a page restored from the back/forward cache), one at a time across tabs: it fetches
   * unless a valid token is held, and posts unless that token was answered. `restored`: fetch a
   * fresh token without asking other tabs, and post only if the last POST did not complete.
   * Failures are already `error` events: swallowed here. One that another try may cure (retryable:
   * network, timeout, 429, 5xx; never aborted, config_invalid or a 4xx) sets a slower timer, so a
   * page that stays visible is not left unidentified; wake() still skips it while the page is hidden.
   * One at a time in this tab too (shared), but an abort (pagehide, stop()) forgets the one in flight.
   */
  const refresh = shared(async (restored = false) => {
    const since = generation;
    try {
      await exclusive(async () => {
        // Another tab said that nobody, or somebody else, is logged in while this one waited for the
        // lock or for an answer: nothing left to do.
        const told = () => halted && generation !== since;
        if (told()) return;
        const posted = restored && answered !== undefined;
        if (restored) forget();
        else if (!valid() || answered !== token) await askOthers();
        if (told() || (!valid() && !(await fetchToken()))) return;
        if (posted && generation === since) answered = token as string;
        if (answered !== token) await post();
      });
    } catch (error) {
      if (retryable(error as CurrentCustomerError)) arm(REFRESH_RETRY_DELAY);
    }
  });
  /**
   * On timer, `visibilitychange` and `online`, while the page is visible: refresh if the token
   * expired, else set the timer again (it may have fired early, or the clock moved).
   */
  const wake = () => {
    if (started && autoRefresh && !halted && doc?.visibilityState !== 'hidden')
      if (valid()) arm();
      else refresh();
  };
  /**
   * Sets the one timer, by default when the token expires on either clock; never longer than
   * setTimeout allows. stop(), a guest and a change clear it.
   */
  const arm = (ms = remaining()) => {
    clearTimeout(timer);
    if (started && autoRefresh && !halted)
      timer = setTimeout(wake, Math.min(Math.max(ms, 0), MAX_TIMER_DELAY));
  };

  // ---------------------------------------------------------------------------------------------
  // Page life cycle
  // ---------------------------------------------------------------------------------------------
  /** Leaving the page (maybe into the back/forward cache): let go of requests, locks and the channel. */
  const hide = () => {
    abortAll();
    disconnect();
  };
  /** Back from the back/forward cache: check again, the customer may have changed meanwhile. */
  const show = (event: Event) => {
    if (!(event as PageTransitionEvent).persisted || !started) return;
    connect();
    refresh(true);
  };
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    if (!doc) return;
    window[method]('online', wake);
    window[method]('pagehide', hide);
    window[method]('pageshow', show);
    doc[method]('visibilitychange', wake);
  };

  // ---------------------------------------------------------------------------------------------
  // The client
  // ---------------------------------------------------------------------------------------------
  const start = () => {
    // A prerendered page may never be shown: wait until it is.
    if (doc?.prerendering) {
      doc.addEventListener('prerenderingchange', start, { once: true });
      return;
    }
    // Started: a no-op, unless the last word was a guest (404) or another customer: then ask
    // again, as the README promises. (A client with bad options is never halted.)
    if (started && !halted) return;
    started = true;
    if (bad) return report(bad);
    connect();
    // Adding the same listener twice adds it once.
    listen('addEventListener');
    if (valid()) arm();
    else refresh();
  };

  return {
    appClientId,
    getToken,
    getClaims: () => (valid() ? claims : null),
    post,
    getResponse: () => response,
    start,
    stop() {
      started = false;
      doc?.removeEventListener('prerenderingchange', start);
      clearTimeout(timer);
      listen('removeEventListener');
      hide();
    },
    on,
  };
};
