import { CurrentCustomerError } from './errors.js';
import type {
  CurrentCustomerEventDetailMap,
  CurrentCustomerEventMap,
  CurrentCustomerEventName,
  Handler,
} from './events.js';
import { type CurrentCustomerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { backoff, MAX_ATTEMPTS, parseRetryAfter, REFRESH_RETRY_DELAY, retryable } from './retry.js';
import { type CurrentCustomerClaims, decodeToken, readToken } from './token.js';

export interface CurrentCustomer {
  readonly appClientId: string;
  /**
   * The cached token while it is valid, else a fresh one (concurrent callers share one request);
   * `null` for a guest. Rejects with a `CurrentCustomerError` when that fails for good.
   */
  getToken(): Promise<string | null>;
  /** The decoded claims of the cached token while it is valid, else `null`. */
  getClaims(): CurrentCustomerClaims | null;
  /**
   * POSTs the current token (fetching one first if needed) and resolves to the backend's answer;
   * resolves to `null` for a guest, posting nothing. On a backend 401 it fetches a fresh token once
   * and posts again. Rejects with a `CurrentCustomerError` when that fails for good.
   */
  post(): Promise<unknown>;
  /** Fetches and posts at once when there is no valid token, then again after each expiry. Never throws. */
  start(): void;
  /** Clears timers and listeners and aborts requests in flight. `start()` works again afterwards. */
  stop(): void;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends CurrentCustomerEventName>(type: K, handler: Handler<K>): () => void;
}

/** `window.StencilCurrentCustomer`, as the drop-in file sets it. */
export interface StencilCurrentCustomerGlobal {
  createCurrentCustomer: typeof createCurrentCustomer;
  /** The clients the drop-in file started, by app client id. */
  clients: Record<string, CurrentCustomer>;
}

type Side = 'storefront' | 'backend';

/**
 * Creates a client for one app. Never throws: invalid options log one `console.error` naming the
 * setting and give a client that makes no requests (`start()` emits a `config_invalid` error event,
 * `getToken()` and `post()` reject with it).
 */
export const createCurrentCustomer = (options: CurrentCustomerOptions): CurrentCustomer => {
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
  const doc = globalThis.document as Document | undefined;

  // Handlers registered with `on` are called first, in order (a throwing handler is logged with
  // `console.error` and stops nothing), then a `current-customer:<type>` CustomEvent is dispatched
  // on `document`. A plain Set of [type, handler] entries: smaller in the drop-in file than an
  // EventTarget with a CustomEvent per handler call. As with events: one entry per on() call, so
  // one handler subscribed twice runs twice; a copy is iterated, so a handler subscribed during an
  // emit waits for the next one, and one unsubscribed during an emit is not called.
  const handlers = new Set<[CurrentCustomerEventName, (payload: never) => void]>();
  const on = <K extends CurrentCustomerEventName>(type: K, handler: Handler<K>) => {
    const entry: [CurrentCustomerEventName, (payload: never) => void] = [type, handler];
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
    };
  };
  /** `key` names the payload in the document event's `detail` (see CurrentCustomerEventDetailMap). */
  const emit = <K extends CurrentCustomerEventName>(
    type: K,
    payload?: CurrentCustomerEventMap[K],
    key?: Exclude<keyof CurrentCustomerEventDetailMap[K], 'appClientId'>,
  ) => {
    // Debug logs name the event, never the token.
    if (config.debug) console.debug(`current-customer:${type}`, appClientId);
    for (const entry of [...handlers])
      if (entry[0] === type && handlers.has(entry))
        try {
          (entry[1] as Handler<K>)(payload as CurrentCustomerEventMap[K]);
        } catch (error) {
          console.error(error);
        }
    doc?.dispatchEvent(
      new CustomEvent(`current-customer:${type}`, {
        detail: key ? { appClientId, [key]: payload } : { appClientId },
      }),
    );
  };

  // Read only while valid(): no initial value needed.
  let token: string | null;
  let claims: CurrentCustomerClaims | null;
  let expiresAt = 0;
  let guest = false;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Aborts every request in flight and every backoff wait. abortAll() replaces the Set, so a new
   * Set is also a new epoch: the shared runs started before it are forgotten.
   * INVARIANT: the Set's identity is the epoch that shared() compares (`since !== aborts`). Replace
   * it, never `aborts.clear()` it: with clear(), start() right after stop() would hand back the
   * aborted run (the test "stop() then start() at once, with a request in flight" catches that). An
   * explicit epoch counter says it plainly but costs 8 bytes gzipped in the drop-in file.
   */
  let aborts = new Set<() => void>();

  // expiresAt is 0 whenever no token is held, so the clock alone decides.
  const valid = () => Date.now() < expiresAt;
  const report = (error: CurrentCustomerError) => {
    if (error.code !== 'aborted') emit('error', error, 'error');
  };
  const abortAll = () => {
    for (const abort of aborts) abort();
    aborts = new Set(); // a new epoch: see the INVARIANT above; not aborts.clear()
  };
  /**
   * Concurrent callers share one run of `task`; a new epoch (after an abort) forgets it. `since` is
   * the `aborts` Set current when the run started: a different Set means abortAll() ran since.
   */
  const shared = <T>(task: () => Promise<T>) => {
    let current: Promise<T> | undefined;
    let since: typeof aborts | undefined;
    return (): Promise<T> => {
      if (!current || since !== aborts) {
        since = aborts;
        const p = task().finally(() => {
          if (current === p) current = undefined;
        });
        current = p;
      }
      return current;
    };
  };

  /**
   * Settles with what `work` gives, or after `ms` milliseconds (rejecting with `timeout`; without
   * `work`, resolving: a plain wait), or on `pagehide`/`stop()` (rejecting with `aborted`),
   * whichever comes first; then aborts `work`'s signal. Two uses, one function (smaller in the
   * drop-in file than a separate wait): guard(timeoutMs, work) for a request, guard(ms) for a
   * backoff wait.
   */
  const guard = <T>(ms: number, work?: (signal: AbortSignal) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const controller = new AbortController();
      const end = (
        code?: 'network' | 'timeout' | 'aborted' | false,
        value?: T,
        cause?: unknown,
      ) => {
        clearTimeout(t);
        aborts.delete(abort);
        controller.abort();
        if (code) reject(new CurrentCustomerError(code, code, cause));
        else resolve(value as T);
      };
      const abort = () => end('aborted');
      // INVARIANT: the timer passes 'timeout' only when there is `work`; without it the code is
      // undefined and end() resolves: that alone makes guard(ms) a plain wait. Keep every falsy code
      // resolving in end(), and never give `work` a falsy stand-in.
      const t = setTimeout(end, ms, work && 'timeout');
      aborts.add(abort);
      work?.(controller.signal).then(
        (value) => end(false, value),
        (cause) => end('network', cause),
      );
    });

  /** One request, body included, retried: up to MAX_ATTEMPTS, each under the timeout. */
  const request = async (
    side: Side,
    url: string,
    init: RequestInit,
  ): Promise<[Response, string]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await guard(timeoutMs, async (signal): Promise<[Response, string]> => {
          const response = await transport(url, { ...init, signal });
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
      } catch (error) {
        // Every failure lands here, an HTTP error status included: retry it or give up.
        if (attempt >= MAX_ATTEMPTS || !retryable(error as CurrentCustomerError)) throw error;
        // guard() without work: the backoff wait, cut short (aborted) by pagehide/stop().
        await guard(backoff(attempt, (error as CurrentCustomerError).retryAfter));
      }
    }
  };

  const fetchToken = shared(async (): Promise<string | null> => {
    try {
      if (bad) throw bad;
      const [response, body] = await request(
        'storefront',
        `/customer/current.jwt?app_client_id=${appClientId}`,
        { credentials: 'same-origin', cache: 'no-store' },
      );
      token = claims = null;
      expiresAt = 0;
      if (response.status === 404) {
        guest = true;
        clearTimeout(timer);
        emit('guest', null);
        return null;
      }
      const jwt = readToken(body) as string;
      const decoded = decodeToken(jwt);
      const lifetime = decoded.exp - decoded.iat;
      token = jwt;
      claims = decoded;
      guest = false;
      // Local clock only: the storefront's clock may differ from this one by minutes.
      expiresAt = Date.now() + Math.max(lifetime - leewaySeconds, lifetime / 2) * 1000;
      arm();
      emit('token', decoded, 'claims');
      return jwt;
    } catch (e) {
      report(e as CurrentCustomerError);
      throw e;
    }
  });

  const getToken = async () => (valid() ? token : fetchToken());

  /** Concurrent callers share the POST in flight. */
  const post = shared(async (): Promise<unknown> => {
    for (let retried = false; ; retried = true) {
      const jwt = await getToken();
      if (!jwt) return null;
      try {
        const [response, text] = await request('backend', endpoint, {
          method: 'POST',
          credentials,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: jwt }),
        });
        let data: unknown = text;
        // JSON when it says so and parses (an empty body is null), else the text. (A missing
        // content-type is null, which the pattern tests as "null": not JSON.)
        if (/json/i.test(response.headers.get('content-type') as string))
          try {
            data = text ? JSON.parse(text) : null;
          } catch {}
        emit('response', data, 'data');
        return data;
      } catch (error) {
        if (retried || (error as CurrentCustomerError).code !== 'backend_http_401') {
          report(error as CurrentCustomerError);
          throw error;
        }
        // The backend refused this token: fetch a fresh one and try once more.
        token = claims = null;
        expiresAt = 0;
      }
    }
  });
  /**
   * The automatic fetch and post (start(), the timer, visibilitychange, online). Failures are
   * already `error` events: swallowed here. One that another try may cure (retryable: network,
   * timeout, 429, 5xx; never aborted, config_invalid or a 4xx) sets a slower timer, so a page that
   * stays visible is not left unidentified; wake() still skips it while the page is hidden.
   */
  const refresh = () => {
    post().catch((error) => retryable(error) && arm(REFRESH_RETRY_DELAY));
  };
  /**
   * On timer, `visibilitychange` and `online`, while the page is visible: refresh if the token
   * expired, else set the timer again (it may have fired early, or the clock moved).
   */
  const wake = () => {
    if (started && autoRefresh && !guest && doc?.visibilityState !== 'hidden')
      if (valid()) arm();
      else refresh();
  };
  /** Sets the one timer (at expiry by default); stop() and a guest answer clear it. */
  const arm = (ms = expiresAt - Date.now()) => {
    clearTimeout(timer);
    if (started && autoRefresh) timer = setTimeout(wake, ms);
  };
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    if (!doc) return;
    window[method]('online', wake);
    window[method]('pagehide', abortAll);
    doc[method]('visibilitychange', wake);
  };

  return {
    appClientId,
    getToken,
    getClaims: () => (valid() ? claims : null),
    post,
    start() {
      // Started: a no-op, unless the last answer was a guest (404): then ask again, as the README
      // promises. (A client with bad options is never a guest.)
      if (started && !guest) return;
      started = true;
      if (bad) return report(bad);
      // Adding the same listener twice adds it once.
      listen('addEventListener');
      if (valid()) arm();
      else refresh();
    },
    stop() {
      started = false;
      clearTimeout(timer);
      listen('removeEventListener');
      abortAll();
    },
    on,
  };
};
