// The list add-on file (assets/current-customer/current-customer-list.min.js): binds the page's
// `[data-current-customer-list]` elements once the drop-in file has booted, through the ready queue, so
// the two files may load in either order. Loaded twice, each copy binds the lists, and both render the same.
import type {} from './globals.js';
import { bindCurrentCustomerLists } from './list.js';

// biome-ignore lint/suspicious/noAssignInExpressions: the ready queue's documented idiom.
(window.StencilCurrentCustomerQueue ||= []).push((api) => bindCurrentCustomerLists(api));
