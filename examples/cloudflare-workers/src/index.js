// The browser module's endpoint as a Cloudflare Worker. The settings come from the Worker's environment
// (wrangler.toml [vars] and secrets), which a Worker receives with each request: the handler is made once, at
// the first request, and kept.
import { createCurrentCustomerHandler } from 'stencil-current-customer/server';

let handler;

export default {
  fetch(request, env) {
    if (new URL(request.url).pathname !== '/api/current-customer') {
      return new Response('Not found', { status: 404 });
    }
    handler ??= createCurrentCustomerHandler({
      clientId: env.CLIENT_ID,
      clientSecret: env.CLIENT_SECRET, // never sent to a browser
      storeHash: env.STORE_HASH, // only this store's tokens are accepted
      allowedOrigins: env.ALLOWED_ORIGINS.split(','), // every storefront origin
    });
    return handler(request);
  },
};
