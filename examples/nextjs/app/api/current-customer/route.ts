// The browser module's endpoint as a Next.js App Router route handler: app/api/current-customer/route.ts.
// A route handler is a Fetch handler, so the package's handler is exported as it is, for POST and for the CORS
// preflight (OPTIONS). It runs on the Node.js runtime and on the Edge runtime alike.
import { createCurrentCustomerHandler } from 'stencil-current-customer/server';

const handler = createCurrentCustomerHandler({
  clientId: process.env.CLIENT_ID ?? '',
  clientSecret: process.env.CLIENT_SECRET ?? '', // never sent to a browser
  storeHash: process.env.STORE_HASH ?? '', // only this store's tokens are accepted
  allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(','), // every storefront origin
});

export const POST = handler;
export const OPTIONS = handler;
