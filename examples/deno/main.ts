// The browser module's endpoint on Deno's own HTTP server. Deno.serve takes a Fetch handler, so the package's
// handler answers the route directly.
import { createCurrentCustomerHandler } from 'stencil-current-customer/server';

const handler = createCurrentCustomerHandler({
  clientId: Deno.env.get('CLIENT_ID') ?? '',
  clientSecret: Deno.env.get('CLIENT_SECRET') ?? '', // never sent to a browser
  storeHash: Deno.env.get('STORE_HASH') ?? '', // only this store's tokens are accepted
  allowedOrigins: (Deno.env.get('ALLOWED_ORIGINS') ?? '').split(','), // every storefront origin
});

Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 8000),
    onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}`),
  },
  (request) =>
    new URL(request.url).pathname === '/api/current-customer'
      ? handler(request)
      : new Response('Not found', { status: 404 }),
);
