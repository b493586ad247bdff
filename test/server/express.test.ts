// The README's Express example, run for real: the handler mounted with app.all() through toNodeListener, with and
// without express.json() in front of it, on a real server on 127.0.0.1.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCurrentCustomerHandler, toNodeListener } from '../../src/server/index.js';
import { CLIENT_ID, CLIENT_SECRET, nowMs, STORE_HASH, sign } from './helpers.js';

const STOREFRONT = 'https://store.example.com';

let server: Server;
let base: string;
let token: string;

beforeAll(async () => {
  const handler = createCurrentCustomerHandler({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: STORE_HASH, // process.env.STORE_HASH in the README
    now: nowMs, // the fixed clock the test tokens were signed at
    allowedOrigins: [STOREFRONT],
    onCustomer: ({ customer }) => ({ id: customer.id, email: customer.email }),
  });
  const app = express();
  // Mounted under a prefix, behind nothing: the handler reads the request stream itself.
  app.all('/api/current-customer', toNodeListener(handler));
  // Behind express.json(), which has consumed the stream and set req.body.
  app.all('/parsed/current-customer', express.json(), toNodeListener(handler));
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = await sign();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, body: string): Promise<Response> =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { origin: STOREFRONT, 'content-type': 'application/json' },
    body,
  });

describe.each(['/api/current-customer', '/parsed/current-customer'])('Express, %s', (path) => {
  it('answers a valid token with the customer and the CORS headers', async () => {
    const response = await post(path, JSON.stringify({ token }));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    expect(await response.json()).toEqual({ id: 4927, email: 'john.doe@gmail.com' });
  });

  it('answers the CORS preflight', async () => {
    const response = await fetch(`${base}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin: STOREFRONT,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
  });

  it('refuses a tampered token with 401 and its code', async () => {
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ customer: { id: 1 } })).toString('base64url');
    const response = await post(
      path,
      JSON.stringify({ token: `${header}.${payload}.${signature}` }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'signature_invalid' });
  });
});
