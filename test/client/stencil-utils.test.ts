// @vitest-environment jsdom
// Cornerstone's theme bundle loads @bigcommerce/stencil-utils on every page. What our module can change about that
// page is checked here: it leaves the page's fetch as it found it, its requests and events do not mix with
// stencil-utils' requests, and it tells a guest apart where stencil-utils' api does not. (Deep import of its
// sources: its package entry does not load under vitest.)
// @ts-expect-error stencil-utils ships no type declarations
import api from '@bigcommerce/stencil-utils/src/api/index.js';
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

const stencilApi = api as StencilApi;
const getPage = (url: string) =>
  new Promise<{ error: Error | null; response: unknown }>((resolve) =>
    stencilApi.getPage(url, {}, (error, response) => resolve({ error, response })),
  );
const TOKEN_URL = `/customer/current.jwt?app_client_id=${CLIENT_ID}`;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('side by side with @bigcommerce/stencil-utils', () => {
  it("uses the page's fetch without replacing it, and stencil-utils' requests stay its own", async () => {
    const token = tokenAt(Math.floor(Date.now() / 1000));
    const server = scriptedFetch({
      storefront: () => ({ body: token, headers: { 'content-type': 'text/plain; charset=utf-8' } }),
      backend: () => json({ ok: true }),
    });
    // One global fetch for both, as on a storefront page.
    vi.stubGlobal('fetch', server.fetch);
    const events = documentEvents();
    const client = createCurrentCustomer({ appClientId: CLIENT_ID, endpoint: ENDPOINT });

    await expect(client.post()).resolves.toEqual({ ok: true });
    // Our two requests went through the page's fetch, which is still the very same function.
    expect(server.calls.map((call) => call.url)).toEqual([TOKEN_URL, ENDPOINT]);
    expect(globalThis.fetch).toBe(server.fetch);
    expect(events.types()).toEqual(['token', 'response']);

    // stencil-utils' request goes through that fetch too, gets the storefront's answer untouched, and raises
    // none of our events nor any request of ours.
    const page = await getPage(TOKEN_URL);
    expect(page).toEqual({ error: null, response: token });
    expect(server.calls).toHaveLength(3);
    expect(events.types()).toEqual(['token', 'response']);
    client.stop();
    events.stop();
  });

  it("tells a guest apart, where stencil-utils' api hands the 404 back as a success", async () => {
    const server = scriptedFetch({
      storefront: () => ({
        status: 404,
        body: 'Not Found',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      }),
    });
    vi.stubGlobal('fetch', server.fetch);
    const events = documentEvents();

    // Why the module does not fetch the token through stencil-utils: a guest looks like a success there.
    expect(await getPage(TOKEN_URL)).toEqual({ error: null, response: 'Not Found' });

    const client = createCurrentCustomer({ appClientId: CLIENT_ID, endpoint: ENDPOINT });
    await expect(client.getToken()).resolves.toBeNull();
    await expect(client.post()).resolves.toBeNull();
    // Only guest events: no token, no error.
    expect(new Set(events.types())).toEqual(new Set(['guest']));
    // Nothing was posted for the guest.
    expect(server.backend).toHaveLength(0);
    client.stop();
    events.stop();
  });
});
