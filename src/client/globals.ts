// What the package adds to the DOM's global types: the `current-customer:*` events on `document` (so
// `document.addEventListener('current-customer:response', (event) => event.detail.data)` is typed), and the
// two globals of the drop-in file. Reached by importing anything from the package, or with
// `/// <reference types="stencil-current-customer" />` in a theme that only loads the drop-in file.
import type { StencilCurrentCustomerGlobal } from './client.js';
import type { CurrentCustomerEventDetailMap } from './events.js';
import type { StencilCurrentCustomerQueue } from './queue.js';

/** Every `current-customer:<event>` CustomEvent dispatched on `document`, with its `detail`. */
export type CurrentCustomerDocumentEventMap = {
  [K in keyof CurrentCustomerEventDetailMap as `current-customer:${K}`]: CustomEvent<
    CurrentCustomerEventDetailMap[K]
  >;
};

declare global {
  interface DocumentEventMap extends CurrentCustomerDocumentEventMap {}
  interface Window {
    /** Set by the drop-in file once it has booted. */
    StencilCurrentCustomer?: StencilCurrentCustomerGlobal;
    /** The ready queue: `(window.StencilCurrentCustomerQueue = window.StencilCurrentCustomerQueue || []).push((api) => …)`. */
    StencilCurrentCustomerQueue?: StencilCurrentCustomerQueue;
  }
}
