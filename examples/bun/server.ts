// The browser module's endpoint on Bun's own HTTP server. Bun.serve takes a Fetch handler, so the package's
// handler answers the route directly.
import { createCurrentCustomerHandler } from 'stencil-current-customer/server';

const handler = createCurrentCustomerHandler({
  clientId: process.env.CLIENT_ID ?? '',
  clientSecret: process.env.CLIENT_SECRET ?? '', // never sent to a browser
  storeHash: process.env.STORE_HASH ?? '', // only this store's tokens are accepted
  allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(','), // every storefront origin
});

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 3000),
  fetch: (request) =>
    new URL(request.url).pathname === '/api/current-customer'
      ? handler(request)
      : new Response('Not found', { status: 404 }),
});
console.log(`Listening on ${server.url}`);
