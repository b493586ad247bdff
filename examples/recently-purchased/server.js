// @ts-check
// The example as a Node server: `npm start` with the environment below. The same handler runs on Workers,
// Deno or Bun (export it as their fetch handler).
//
//   CLIENT_ID, CLIENT_SECRET      the app's, from the Developer Portal
//   STORE_HASH, STORE_API_TOKEN   the installed store and its API account's access token (a real app keeps
//                                 one per installed store, saved by its OAuth callback)
//   ALLOWED_ORIGINS               https://your-store.example (the storefront origins allowed to post, comma-separated)
//   STORE_API_BASE                optional: another API base, e.g. the emulator's (`stencil-current-customer dev`
//                                 prints it)
//   PORT                          default 3738
import { createServer } from 'node:http';
import { toNodeListener } from 'stencil-current-customer/server';
import { createRecentlyPurchasedHandler } from './handler.js';

const env = (/** @type {string} */ name) => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see the top of server.js)`);
  return value;
};

const storeHash = env('STORE_HASH');
const handler = createRecentlyPurchasedHandler({
  clientId: env('CLIENT_ID'),
  clientSecret: env('CLIENT_SECRET'),
  allowedOrigins: env('ALLOWED_ORIGINS').split(','),
  stores: new Map([
    [
      storeHash,
      { accessToken: env('STORE_API_TOKEN'), apiBase: process.env.STORE_API_BASE || undefined },
    ],
  ]),
  onStoreApiError: (error) => console.warn(`store API: ${error.message}`),
});

const server = createServer(toNodeListener(handler));
server.listen(Number(process.env.PORT || 3738), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : '';
  console.log(`recently purchased: http://127.0.0.1:${port}/`);
});
