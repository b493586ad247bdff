// The browser module's endpoint on Node's own http server: no framework, no dependency but the package.
import { createServer } from 'node:http';
import { createCurrentCustomerHandler, toNodeListener } from 'stencil-current-customer/server';

const currentCustomer = toNodeListener(
  createCurrentCustomerHandler({
    clientId: process.env.CLIENT_ID,
    clientSecret: process.env.CLIENT_SECRET, // never sent to a browser
    storeHash: process.env.STORE_HASH, // only this store's tokens are accepted
    allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(','), // every storefront origin
  }),
);

const server = createServer((req, res) => {
  if (req.url === '/api/current-customer') return currentCustomer(req, res);
  res.writeHead(404).end();
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}`);
});
