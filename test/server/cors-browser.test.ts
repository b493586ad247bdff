// What a real browser lets the module read from the handler's answers: the backend is always another origin, so
// a header the CORS answer does not expose is hidden from the page. Chromium, Firefox and WebKit, two servers on
// 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { createCurrentCustomerHandler, toNodeListener } from '../../src/server/index.js';
import { describeEngines } from '../e2e/drivers/index.js';
import { CLIENT_ID, CLIENT_SECRET, nowMs, sign } from './helpers.js';

const servers: Server[] = [];
function listen(server: Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

let storefront: string;
let backend: string;
let token: string;

beforeAll(async () => {
  storefront = await listen(
    createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>store</title>');
    }),
  );
  const handler = createCurrentCustomerHandler({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    now: nowMs,
    // A multi-store app whose installations database is down.
    storeHash: async () => {
      throw new Error('installations database unreachable');
    },
    onError: () => {},
    allowedOrigins: [storefront],
  });
  backend = await listen(createServer(toNodeListener(handler)));
  token = await sign();
});

afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describeEngines('the handler as a browser on another origin sees it', (engine) => {
  engine.it(
    'reads the Retry-After of a 503 store_lookup_failed, as the module does to back off',
    async () => {
      const page = await engine.tab();
      await page.goto(storefront);
      const seen = await page.evaluate(
        async ([url, jwt]) => {
          const response = await fetch(url as string, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: jwt }),
          });
          return {
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            body: await response.json(),
          };
        },
        [`${backend}/api/current-customer`, token],
      );
      expect(seen).toEqual({
        status: 503,
        retryAfter: '5',
        body: { error: 'store_lookup_failed' },
      });
    },
  );
});
