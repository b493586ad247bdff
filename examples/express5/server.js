// The browser module's endpoint in an Express 5 app, written as CommonJS (require), as most Express apps are.
const express = require('express');
const { createCurrentCustomerHandler, toNodeListener } = require('stencil-current-customer/server');

const app = express();

// Mounted before any body parser: the handler reads the request body itself (text/plain, JSON or a Bearer
// header). Behind express.json() it works too: it then reads the parsed req.body.
app.all(
  '/api/current-customer',
  toNodeListener(
    createCurrentCustomerHandler({
      clientId: process.env.CLIENT_ID,
      clientSecret: process.env.CLIENT_SECRET, // never sent to a browser
      storeHash: process.env.STORE_HASH, // only this store's tokens are accepted
      allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(','), // every storefront origin
    }),
  ),
);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}`);
});
