// The drop-in file: boots one client per configuration element the theme partial rendered.
import {
  type CurrentCustomer,
  createCurrentCustomer,
  type StencilCurrentCustomerGlobal,
} from './client.js';
import type { CurrentCustomerOptions } from './options.js';

const host = window as Window & { StencilCurrentCustomer?: StencilCurrentCustomerGlobal };

// A second copy of the file finds the first one's global and does nothing.
if (!host.StencilCurrentCustomer) {
  const clients: Record<string, CurrentCustomer> = {};
  host.StencilCurrentCustomer = { createCurrentCustomer, clients };
  const boot = () => {
    for (const element of document.querySelectorAll(
      'script[type="application/json"][data-current-customer]',
    )) {
      try {
        const options: CurrentCustomerOptions = JSON.parse(element.textContent as string);
        // The same app configured twice on one page: one client.
        if (!clients[options.appClientId]) {
          // Never throws: bad options log one console.error and give an inert client.
          const client = createCurrentCustomer(options);
          if (client.appClientId) clients[client.appClientId] = client;
          client.start();
        }
      } catch {
        // Not JSON, or JSON null (`null.appClientId` throws). Other non-objects (42, [], "x") go on
        // to createCurrentCustomer, whose one console.error names appClientId.
        console.error('current-customer: data-current-customer must be a JSON object');
      }
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
}
