// The browser module's endpoint in a Hono app on Node (@hono/node-server). Hono speaks Fetch: the route hands
// its raw Request to the package's handler and returns the Response. The same route runs unchanged on Hono's
// other adapters (Workers, Deno, Bun).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createCurrentCustomerHandler } from 'stencil-current-customer/server';

const handler = createCurrentCustomerHandler({
  clientId: process.env.CLIENT_ID,
  clientSecret: process.env.CLIENT_SECRET, // never sent to a browser
  storeHash: process.env.STORE_HASH, // only this store's tokens are accepted
  allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(','), // every storefront origin
});

const app = new Hono();
app.on(['POST', 'OPTIONS'], '/api/current-customer', (c) => handler(c.req.raw));

serve(
  { fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) },
  (info) => {
    console.log(`Listening on http://127.0.0.1:${info.port}`);
  },
);
