// The ready queue, in the style of analytics snippets: theme code that may run before the drop-in file
// pushes callbacks onto `window.StencilCurrentCustomerQueue`; the drop-in runs them once it has booted, and
// from then on runs every pushed callback at once.
import type { StencilCurrentCustomerGlobal } from './client.js';

/** A callback for the ready queue: receives `window.StencilCurrentCustomer`. */
export type StencilCurrentCustomerReady = (api: StencilCurrentCustomerGlobal) => void;

/**
 * `window.StencilCurrentCustomerQueue`: an array until the drop-in file boots, then an object whose
 * `push` runs each callback at once. Either way: `push(callback)`.
 */
export interface StencilCurrentCustomerQueue {
  push(...callbacks: StencilCurrentCustomerReady[]): void;
}

/**
 * Runs the callbacks queued so far with `api`, in order, and replaces the queue with one that runs each
 * callback as it is pushed. A throwing callback (or a pushed value that is not a function) is logged with
 * `console.error` and stops nothing.
 */
export const drainQueue = (host: Window, api: StencilCurrentCustomerGlobal) => {
  const run = (callback: StencilCurrentCustomerReady) => {
    try {
      callback(api);
    } catch (error) {
      console.error(error);
    }
  };
  const queued = host.StencilCurrentCustomerQueue;
  host.StencilCurrentCustomerQueue = {
    push: (...callbacks) => {
      for (const callback of callbacks) run(callback);
    },
  };
  // Only an array is a queue: an element named StencilCurrentCustomerQueue is not.
  if (Array.isArray(queued)) host.StencilCurrentCustomerQueue.push(...queued);
};
