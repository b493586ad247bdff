// The check of the developer's own backend (`--endpoint`), against real servers on 127.0.0.1: the package's
// handler configured right and wrong, and hand-made backends for what the handler never does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkBackend, formatBackendCheck, refusalHint } from '../../src/dev/backend-check.js';
import { DEMO_CUSTOMERS } from '../../src/dev/customers.js';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { signCustomerToken, type TokenSettings } from '../../src/dev/token.js';
import {
  type CurrentCustomerHandlerOptions,
  createCurrentCustomerHandler,
  toNodeListener,
} from '../../src/server/index.js';
import { logIn } from './helpers.js';

const ORIGIN = 'http://127.0.0.1:3737';
const settings: TokenSettings = {
  clientId: 'check-client',
  clientSecret: 'check-secret-123',
  storeHash: 'dev123',
  applicationId: 'check-app',
  ttl: 900,
};
const jane = DEMO_CUSTOMERS[0] as (typeof DEMO_CUSTOMERS)[number];
const expected = { clientId: settings.clientId, storeHash: settings.storeHash };

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

/** A backend on 127.0.0.1; returns its endpoint URL. */
async function backend(listener: Listener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/current-customer`;
}

/** The package's own handler, with `overrides` on a configuration that accepts the emulator's tokens. */
const handler = (overrides: Partial<CurrentCustomerHandlerOptions> = {}) =>
  backend(
    toNodeListener(
      createCurrentCustomerHandler({
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        storeHash: settings.storeHash,
        allowedOrigins: [ORIGIN],
        ...overrides,
      } as CurrentCustomerHandlerOptions),
    ) as Listener,
  );

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const kinds = (check: { problems: { kind: string }[] }) => check.problems.map((p) => p.kind);

describe('checkBackend', () => {
  it('finds nothing wrong with CORS in the handler configured for the storefront, and it accepts the token', async () => {
    const endpoint = await handler();
    const check = await checkBackend({
      endpoint,
      origin: ORIGIN,
      ...expected,
      token: signCustomerToken(jane, settings),
    });
    // 'body-type' depends on whether this version of the handler reads text/plain: not asserted here.
    expect(kinds(check).filter((kind) => kind !== 'body-type')).toEqual([]);
    expect(check.refusal).toBeUndefined();
  });

  it('a wrong allowed origin: both the preflight and the POST, with the origin to add', async () => {
    const endpoint = await handler({ allowedOrigins: ['https://store-abc123.mybigcommerce.com'] });
    const check = await checkBackend({ endpoint, origin: ORIGIN, ...expected });
    expect(kinds(check)).toContain('preflight');
    expect(kinds(check)).toContain('cors');
    for (const problem of check.problems.filter((p) => p.kind !== 'body-type')) {
      expect(problem.message).toContain(`add '${ORIGIN}' to allowedOrigins`);
    }
  });

  it('a backend that allows another origin says which', async () => {
    const endpoint = await backend((_req, res) => {
      res
        .writeHead(204, {
          'access-control-allow-origin': 'http://localhost:3737',
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
        })
        .end();
    });
    const check = await checkBackend({ endpoint, origin: ORIGIN, ...expected });
    expect(check.problems[0]).toEqual({
      kind: 'preflight',
      message: `the answer to the CORS preflight allows 'http://localhost:3737', not ${ORIGIN}: add '${ORIGIN}' to allowedOrigins`,
    });
  });

  it('a preflight answered 404 (OPTIONS not routed to the handler), missing POST or Content-Type', async () => {
    const notRouted = await backend((req, res) => {
      if (req.method === 'OPTIONS') res.writeHead(404).end();
      else res.writeHead(400, { 'access-control-allow-origin': ORIGIN }).end('{}');
    });
    expect(
      (await checkBackend({ endpoint: notRouted, origin: ORIGIN, ...expected })).problems,
    ).toEqual([
      {
        kind: 'preflight',
        message: `answered the CORS preflight (OPTIONS from ${ORIGIN}) with 404: route OPTIONS to the handler too, and add '${ORIGIN}' to allowedOrigins`,
      },
    ]);

    const narrow = await backend((_req, res) => {
      res
        .writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET',
        })
        .end();
    });
    const messages = (
      await checkBackend({ endpoint: narrow, origin: ORIGIN, ...expected })
    ).problems.map((p) => p.message);
    expect(messages).toContain("the answer to the CORS preflight allows methods 'GET', not POST");
    expect(messages).toContain(
      "the answer to the CORS preflight does not allow the Content-Type header, which a JSON body (body: 'json') needs",
    );
  });

  it('a backend that refuses text/plain (415), and one that accepts anything', async () => {
    const cors = {
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type',
    };
    const old = await backend((req, res) => {
      res.writeHead(req.method === 'OPTIONS' ? 204 : 415, cors).end();
    });
    expect(kinds(await checkBackend({ endpoint: old, origin: ORIGIN, ...expected }))).toEqual([
      'body-type',
    ]);
    const anything = await backend((req, res) => {
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, cors).end('{}');
    });
    expect(kinds(await checkBackend({ endpoint: anything, origin: ORIGIN, ...expected }))).toEqual([
      'not-verifying',
    ]);
  });

  it('unreachable: connection refused, and no answer in time', async () => {
    const closed = await backend(() => {});
    const server = servers.pop() as Server;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const refused = await checkBackend({ endpoint: closed, origin: ORIGIN, ...expected });
    expect(refused.problems).toEqual([
      {
        kind: 'unreachable',
        message: 'could not connect (ECONNREFUSED): is your backend running at that address?',
      },
    ]);

    const silent = await backend(() => {
      // never answers
    });
    const started = Date.now();
    const slow = await checkBackend({
      endpoint: silent,
      origin: ORIGIN,
      ...expected,
      timeoutMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(slow.problems[0]?.message).toContain('(no answer within 300 ms)');
  });

  it('a refused token: the error and the claim, and what to change', async () => {
    const token = signCustomerToken(jane, settings);
    const wrongId = await handler({ clientId: 'another-client' });
    const byId = await checkBackend({ endpoint: wrongId, origin: ORIGIN, ...expected, token });
    expect(byId.refusal).toMatchObject({ status: 401, error: 'claim_invalid' });
    expect(byId.problems.find((p) => p.kind === 'refused')?.message).toMatch(
      // With or without the claim in the answer (the handler names it from 0.2 on).
      /^refused the emulator's token: 401 claim_invalid.*its clientId (must be|is) 'check-client'$/,
    );

    const wrongSecret = await handler({ clientSecret: 'another-secret-456' });
    const bySecret = await checkBackend({
      endpoint: wrongSecret,
      origin: ORIGIN,
      ...expected,
      token,
    });
    expect(bySecret.problems.find((p) => p.kind === 'refused')?.message).toBe(
      "refused the emulator's token: 401 signature_invalid: its clientSecret is not the emulator's: give it the CLIENT_SECRET the dev command printed (--show-secret prints a random one)",
    );

    const wrongStore = await handler({ storeHash: 'abc999' });
    const byStore = await checkBackend({
      endpoint: wrongStore,
      origin: ORIGIN,
      ...expected,
      token,
    });
    expect(byStore.problems.find((p) => p.kind === 'refused')?.message).toContain(
      "its storeHash must be 'dev123'",
    );
  });

  it('reads the claim when the backend names it, and copes when it says nothing', async () => {
    const answer = (status: number, body: string): Promise<string> =>
      backend((req, res) => {
        const cors = {
          'access-control-allow-origin': ORIGIN,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
        };
        if (req.method === 'OPTIONS') res.writeHead(204, cors).end();
        else res.writeHead(status, { ...cors, 'content-type': 'application/json' }).end(body);
      });
    const token = signCustomerToken(jane, settings);
    const named = await checkBackend({
      endpoint: await answer(401, '{"error":"claim_invalid","claim":"aud"}'),
      origin: ORIGIN,
      ...expected,
      token,
    });
    expect(named.refusal).toEqual({ status: 401, error: 'claim_invalid', claim: 'aud' });
    expect(named.problems.at(-1)?.message).toBe(
      "refused the emulator's token: 401 claim_invalid (claim aud): its clientId must be 'check-client'",
    );
    const silent = await checkBackend({
      endpoint: await answer(401, 'nope'),
      origin: ORIGIN,
      ...expected,
      token,
    });
    expect(silent.refusal).toEqual({ status: 401 });
    expect(silent.problems.at(-1)?.message).toBe(
      "refused the emulator's token: 401: the answer named no reason",
    );
  });

  it('refusalHint for a claim the backend names that is not aud, and for an unnamed claim', () => {
    expect(refusalHint({ status: 401, error: 'claim_invalid', claim: 'operation' }, expected)).toBe(
      "refused the emulator's token: 401 claim_invalid (claim operation): the emulator's tokens carry BigCommerce's claims; the backend refused 'operation'",
    );
    expect(refusalHint({ status: 401, error: 'claim_invalid' }, expected)).toContain(
      "the backend did not say which claim (newer versions of this package do); check that its clientId is 'check-client'",
    );
  });

  it('formats one line per problem for the terminal', () => {
    expect(
      formatBackendCheck({
        endpoint: 'http://x/y',
        origin: ORIGIN,
        problems: [{ kind: 'cors', message: 'm' }],
      }),
    ).toEqual(['your backend at http://x/y: m']);
    expect(formatBackendCheck({ endpoint: 'http://x/y', origin: ORIGIN, problems: [] })).toEqual([
      `your backend at http://x/y answers CORS as the storefront ${ORIGIN} needs`,
    ]);
  });
});

describe('the emulator checks --endpoint', () => {
  let emulator: Emulator;
  let endpoint: string;
  const heard: string[][] = [];
  let configured: Listener | undefined;

  beforeAll(async () => {
    // Allows nobody until configured: the start-up check finds the missing origin.
    const server = createServer((req, res) => {
      if (configured) configured(req, res);
      else res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/current-customer`;
    emulator = await startEmulator({
      endpoint,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      onBackendCheck: (check) => heard.push(formatBackendCheck(check)),
    });
    afterAll(async () => {
      await emulator.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  });

  it('at start, before it resolves: the missing allowed origin', () => {
    expect(kinds(emulator.backendCheck ?? { problems: [] })).toContain('preflight');
    expect(heard).toHaveLength(1);
    expect(heard[0]?.join('\n')).toContain(`add '${emulator.storefrontOrigin}' to allowedOrigins`);
  });

  it('shows the start-up check in the panel', async () => {
    const html = await (await fetch(emulator.storefrontUrl)).text();
    expect(html).toContain('data-field="backend-check"');
    expect(html).toContain(`add &#39;${emulator.storefrontOrigin}&#39; to allowedOrigins`);
  });

  it('POST /__emulator/check-backend?token=1 posts a token for the signed-in customer and says why it was refused', async () => {
    configured = toNodeListener(
      createCurrentCustomerHandler({
        clientId: 'not-the-emulators',
        clientSecret: settings.clientSecret,
        storeHash: 'dev123',
        allowedOrigins: [emulator.storefrontOrigin],
      }),
    ) as Listener;
    const cookie = await logIn(emulator.storefrontUrl, 5012);
    const url = new URL('/__emulator/check-backend?token=1', emulator.storefrontUrl);
    const response = await fetch(url, { method: 'POST', headers: { cookie } });
    expect(response.status).toBe(200);
    const check = (await response.json()) as {
      problems: { kind: string; message: string }[];
      refusal?: unknown;
    };
    expect(check.refusal).toMatchObject({ status: 401, error: 'claim_invalid' });
    expect(check.problems.find((p) => p.kind === 'refused')?.message).toMatch(
      /its clientId (must be|is) 'check-client'$/,
    );
    // What changed was told (the dev command prints it).
    expect(heard.at(-1)?.join('\n')).toMatch(/its clientId (must be|is) 'check-client'/);
    expect(emulator.backendCheck).toEqual(check);

    // Another origin cannot make the emulator post tokens, and a GET does nothing.
    const cross = await fetch(url, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect((await fetch(url, { headers: { cookie } })).status).toBe(405);
  });

  it('checkBackend: false skips the start-up check; the demo backend has no check route', async () => {
    const unchecked = await startEmulator({ endpoint, checkBackend: false });
    const demo = await startEmulator();
    try {
      expect(unchecked.backendCheck).toBeUndefined();
      const route = new URL('/__emulator/check-backend', demo.storefrontUrl);
      expect((await fetch(route, { method: 'POST' })).status).toBe(404);
      await expect(demo.checkBackend()).rejects.toThrow(/your own backend/);
    } finally {
      await Promise.all([unchecked.close(), demo.close()]);
    }
  });
});
