// The browser module's endpoint in a Fastify 5 app: a plugin with one route that hands the request to the
// package's Fetch handler.
//
// Fastify reads and parses bodies before a route runs, so the plugin asks for every body as the raw string
// it was sent (text/plain, the browser module's default; application/json from backends of 0.1; anything else)
// and passes it on untouched: the package checks it and answers a bad body with its own 400. The parsers are
// replaced inside this plugin only (Fastify encapsulation): the app's other routes keep Fastify's JSON parser.
const Fastify = require('fastify');
const { createCurrentCustomerHandler } = require('stencil-current-customer/server');

/** @type {import('fastify').FastifyPluginAsync<{ path: string, settings: Parameters<typeof createCurrentCustomerHandler>[0] }>} */
async function currentCustomer(app, { path, settings }) {
  const handler = createCurrentCustomerHandler(settings);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_request, body, done) => done(null, body),
  );

  app.route({
    method: ['POST', 'OPTIONS'],
    url: path,
    handler: async (request, reply) => {
      const response = await handler(
        new Request(new URL(request.url, `${request.protocol}://${request.host}`), {
          method: request.method,
          headers: request.headers,
          body: request.method === 'POST' ? request.body : undefined,
        }),
      );
      reply.code(response.status).headers(Object.fromEntries(response.headers));
      return reply.send(await response.text());
    },
  });
}

const app = Fastify();
app.register(currentCustomer, {
  path: '/api/current-customer',
  settings: {
    clientId: process.env.CLIENT_ID,
    clientSecret: process.env.CLIENT_SECRET, // never sent to a browser
    storeHash: process.env.STORE_HASH, // only this store's tokens are accepted
    allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(','), // every storefront origin
  },
});

app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' }).then((address) => {
  console.log(`Listening on ${address}`);
});
