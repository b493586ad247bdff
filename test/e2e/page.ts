// Calls into the drop-in's API in a tab, shared by the browser tests.
import type { Tab } from './drivers/index.js';

/** Calls `post()` on the drop-in's client for `appClientId` in the page: `'posted'`, or the error's code. */
export function postFromPage(tab: Tab, appClientId: string): Promise<string | undefined> {
  return tab.evaluate(async (id) => {
    const api = (
      window as unknown as {
        StencilCurrentCustomer: { clients: Record<string, { post(): Promise<unknown> }> };
      }
    ).StencilCurrentCustomer;
    return api.clients[id]?.post().then(
      () => 'posted',
      (error: { code?: string }) => error.code ?? 'unknown',
    );
  }, appClientId);
}
