// Values that are at hand now or later. The verifier and the endpoint run synchronously when nothing they wait on
// is asynchronous (node:crypto's HMAC, a list of stores, a list of origins), so a request costs no promise turns
// for work that does not wait: on Node that is a measurable share of a request (npm run bench:load).

/** A value now, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * `next(value)`: now when the value is at hand, else once its promise resolves (a rejection passes through, as
 * with `then`). A synchronous throw in `next` is thrown to the caller.
 */
export function whenReady<T, U>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<U>,
): MaybePromise<U> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value as T);
}
