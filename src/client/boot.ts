// The drop-in file: boots one client per configuration element the theme partial rendered, binds the
// declarative fields, and runs the ready queue. Loaded `async`, it boots the configuration elements already
// parsed as soon as it arrives, then again at DOMContentLoaded for any parsed after it.
import {
  type CurrentCustomer,
  createClient,
  createCurrentCustomer,
  type StencilCurrentCustomerGlobal,
} from './client.js';
import type { EarlyElement } from './early.js';
import { bindCurrentCustomerFields } from './fields.js';
import type {} from './globals.js';
import type { CurrentCustomerOptions } from './options.js';
import { drainQueue } from './queue.js';

const found = window.StencilCurrentCustomer;

// Recognised by shape, not presence: an element with id or name "StencilCurrentCustomer" also shows up
// as window.StencilCurrentCustomer (named access), and must neither disable the module nor stand for it.
// A second copy of the file finds the first one's API and does nothing.
if (typeof found?.createCurrentCustomer !== 'function') {
  if (found) console.warn('current-customer: replaced an element named StencilCurrentCustomer');
  // No prototype: `constructor`, `toString` and `__proto__` are client ids like any other.
  const clients: Record<string, CurrentCustomer> = Object.create(null);
  const api: StencilCurrentCustomerGlobal = { createCurrentCustomer, clients };
  const booted = new WeakSet<Element>();
  const boot = () => {
    for (const element of document.querySelectorAll(
      'script[type="application/json"][data-current-customer]',
    )) {
      if (booted.has(element)) continue;
      booted.add(element);
      // What the partial's inline script started for this element, if anything (early.ts).
      const start = (element as EarlyElement).currentCustomerEarly;
      delete (element as EarlyElement).currentCustomerEarly;
      try {
        const options: CurrentCustomerOptions = JSON.parse(element.textContent as string);
        // The same app configured twice on one page: one client.
        if (!clients[options.appClientId]) {
          // Never throws: bad options log one console.error and give an inert client.
          const client = createClient(options, start);
          if (client.appClientId) clients[client.appClientId] = client;
          client.start();
        } else start?.channel?.close();
      } catch {
        // Not JSON, or JSON null (`null.appClientId` throws). Other non-objects (42, [], "x") go on
        // to createCurrentCustomer, whose one console.error names appClientId.
        console.error('current-customer: data-current-customer must be a JSON object');
      }
    }
  };
  window.StencilCurrentCustomer = api;
  // Before the first client starts: a configuration error is an event the fields must see.
  bindCurrentCustomerFields();
  boot();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  drainQueue(window, api);
}
