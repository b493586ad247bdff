// @vitest-environment jsdom
// Cornerstone's theme bundle loads @bigcommerce/stencil-utils on every page: both must work side by
// side. (Deep imports of its sources: its package entry does not load under vitest.)
// @ts-expect-error stencil-utils ships no type declarations
import api from '@bigcommerce/stencil-utils/src/api/index.js';
// @ts-expect-error stencil-utils ships no type declarations
import hooks from '@bigcommerce/stencil-utils/src/hooks/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCurrentCustomer } from '../../src/client/index.js';
import { CLIENT_ID, documentEvents, ENDPOINT, json, scriptedFetch, tokenAt } from './helpers.js';

interface StencilApi {
  getPage(
    url: string,
    options: object,
    callback: (error: Error | null, response: unknown) => void,
  ): void;
}
interface StencilHooks {
  on(name: string, handler: (...args: unknown[]) => void): void;
  emit(name: string, ...args: unknown[]): void;
}

const stencilApi = api as StencilApi;
const stencilHooks = hooks as StencilHooks;
const getPage = (url: string) =>
  new Promise<{ error: Error | null; response: unknown }>((resolve) =>
    stencilApi.getPage(url, {}, (error, response) => resolve({ error, response })),
  );

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('side by side with @bigcommerce/stencil-utils', () => {
  it('both work on one page: stencil-utils hooks and api, our fetch, post and events', async () => {
    let loggedIn = true;
    const token = tokenAt(Math.floor(Date.now() / 1000));
    const server = scriptedFetch({
      storefront: () => ({
        status: loggedIn ? 200 : 404,
        body: loggedIn ? token : 'Not Found',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      }),
      backend: () => json({ ok: true }),
    });
    // The same global fetch for both, as on a storefront page.
    vi.stubGlobal('fetch', server.fetch);

    const cartAdds: unknown[] = [];
    stencilHooks.on('cart-item-add', (...args) => cartAdds.push(args));
    const events = documentEvents();
    const client = createCurrentCustomer({ appClientId: CLIENT_ID, endpoint: ENDPOINT });

    await expect(client.post()).resolves.toEqual({ ok: true });
    stencilHooks.emit('cart-item-add', 'event', 'form');
    expect(cartAdds).toEqual([['event', 'form']]);
    expect(events.types()).toEqual(['token', 'response']);

    // stencil-utils' own request goes through the same fetch and still works.
    const page = await getPage(`/customer/current.jwt?app_client_id=${CLIENT_ID}`);
    expect(page).toEqual({ error: null, response: token });

    // Why the module does not use it: a 404 (a guest) comes back as a success.
    loggedIn = false;
    const guestPage = await getPage(`/customer/current.jwt?app_client_id=${CLIENT_ID}`);
    expect(guestPage).toEqual({ error: null, response: 'Not Found' });
    // The module tells the guest apart.
    client.stop();
    const fresh = createCurrentCustomer({ appClientId: CLIENT_ID, endpoint: ENDPOINT });
    await expect(fresh.getToken()).resolves.toBeNull();
    expect(events.types()).toEqual(['token', 'response', 'guest']);
    events.stop();
  });
});
