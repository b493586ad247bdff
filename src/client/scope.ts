// Aborting, timeouts and waits. Every request, wait and lock request in flight listens to the signal of
// `state._scope`; abortAll() (pagehide, stop(), a change of customer) aborts them all and opens a new
// scope, so shared runs begun before are forgotten.
import { CurrentCustomerError } from './errors.js';
import type { ClientState } from './state.js';

type Scoped = Pick<ClientState<unknown>, '_scope'>;

export const abortAll = (state: Scoped) => {
  state._scope.abort();
  state._scope = new AbortController();
};

/**
 * Concurrent callers share one run of `task` (a caller's arguments count only when it starts a run); a
 * new scope (after an abort) starts a new one.
 */
export const shared = <A extends unknown[], T>(
  state: Scoped,
  task: (...args: A) => Promise<T>,
): ((...args: A) => Promise<T>) => {
  let current: Promise<T> | undefined;
  let since: AbortController | undefined;
  return (...args) => {
    if (!current || since !== state._scope) {
      since = state._scope;
      const run = task(...args).finally(() => {
        if (current === run) current = undefined;
      });
      current = run;
    }
    return current;
  };
};

/**
 * Settles after `ms` (rejecting with `timeout` when `late`), on abortAll() (rejecting with `aborted`), or when
 * `work` settles (a rejection is a `network` error), whichever comes first. The signal given to `work` is
 * aborted once this settles.
 */
const race = <T>(
  state: Scoped,
  ms: number,
  work?: (signal: AbortSignal) => Promise<T>,
  late?: boolean,
) =>
  new Promise<T>((resolve, reject) => {
    const own = new AbortController();
    const { signal } = state._scope;
    const settle = (error: CurrentCustomerError | undefined, value?: T) => {
      clearTimeout(expiry);
      signal.removeEventListener('abort', abort);
      own.abort();
      if (error) reject(error);
      else resolve(value as T);
    };
    const abort = () => settle(new CurrentCustomerError('aborted'));
    signal.addEventListener('abort', abort);
    const expiry = setTimeout(
      () => settle(late ? new CurrentCustomerError('timeout') : undefined),
      ms,
    );
    work?.(own.signal).then(
      (value) => settle(undefined, value),
      (cause) => settle(new CurrentCustomerError('network', 'network', cause)),
    );
  });

/** `work` under a timeout of `ms`: rejects with `timeout` when the time is up. */
export const timeout = <T>(state: Scoped, ms: number, work: (signal: AbortSignal) => Promise<T>) =>
  race(state, ms, work, true);

/** Resolves after `ms`, or sooner when `until` resolves. */
export const wait: (state: Scoped, ms: number, until?: () => Promise<void>) => Promise<void> = race;
