// The built server entry (dist/server.js) under the real Deno and Bun binaries, each serving the handler with its own
// HTTP server: the same tokens and origins get the same answers as on Node, and the verifier takes the node:crypto
// path where the runtime offers it. The binaries come from the npm packages `deno` and `bun` (devDependencies, pinned),
// whose platform packages arrive as their optionalDependencies. A binary that cannot run on this machine is skipped
// with the reason in the test's name; with CI=true it is a failure instead.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  locate,
  runtimes,
  SERVER_ENTRY,
  SERVER_SCRIPT,
  type Started,
  start,
} from './fixtures/runtimes.js';
import { CLIENT_ID, CLIENT_SECRET, claims, STORE_HASH, sign } from './helpers.js';

const STOREFRONT = 'https://store.example.com';
const IN_CI = process.env.CI === 'true';
const APP = { CLIENT_ID, CLIENT_SECRET, STORE_HASH, STOREFRONT };

function stop(started: Started | undefined): Promise<void> {
  const child = started?.child;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

interface Answer {
  status: number;
  body: string;
  allowOrigin: string | null;
  /** Every header the handler sets (the server's own framing and date left out), sorted. */
  headers: [string, string][];
}

/** Headers each HTTP server writes its own way: not the handler's answer. */
const SERVER_HEADERS = new Set([
  'connection',
  'content-length',
  'date',
  'keep-alive',
  'server',
  'transfer-encoding',
]);

interface Case {
  name: string;
  method: 'POST' | 'OPTIONS';
  origin: string;
  /** Which token is posted (see `tokens`). */
  token?: keyof Tokens;
}

interface Tokens {
  valid: string;
  forged: string;
  expired: string;
  otherStore: string;
}

const CASES: Case[] = [
  { name: 'a valid token', method: 'POST', origin: STOREFRONT, token: 'valid' },
  {
    name: 'a token signed with another secret',
    method: 'POST',
    origin: STOREFRONT,
    token: 'forged',
  },
  { name: 'an expired token', method: 'POST', origin: STOREFRONT, token: 'expired' },
  { name: "another store's token", method: 'POST', origin: STOREFRONT, token: 'otherStore' },
  {
    name: 'a valid token from another origin',
    method: 'POST',
    origin: 'https://evil.example.net',
    token: 'valid',
  },
  { name: 'a preflight', method: 'OPTIONS', origin: STOREFRONT },
  {
    name: 'a preflight from another origin',
    method: 'OPTIONS',
    origin: 'https://evil.example.net',
  },
];

/** What Node (through toNodeListener) answers: the reference every runtime must match. */
const EXPECTED: Record<string, Pick<Answer, 'status' | 'body'>> = {
  'a valid token': {
    status: 200,
    body: JSON.stringify({
      customer: { id: 4927, email: 'john.doe@gmail.com', groupId: '6' },
      storeHash: STORE_HASH,
    }),
  },
  'a token signed with another secret': { status: 401, body: '{"error":"signature_invalid"}' },
  'an expired token': { status: 401, body: '{"error":"token_expired"}' },
  "another store's token": { status: 401, body: '{"error":"store_not_allowed"}' },
  'a valid token from another origin': { status: 403, body: '{"error":"origin_not_allowed"}' },
  'a preflight': { status: 204, body: '' },
  'a preflight from another origin': { status: 403, body: '{"error":"origin_not_allowed"}' },
};

let tokens: Tokens;
beforeAll(async () => {
  if (!existsSync(SERVER_ENTRY))
    throw new Error(`${SERVER_ENTRY} is missing: run npm run build first`);
  const now = Math.floor(Date.now() / 1000);
  const fresh = { iat: now - 5, exp: now - 5 + 900 };
  tokens = {
    valid: await sign(claims(fresh)),
    forged: await sign(claims(fresh), 'not-the-client-secret'),
    expired: await sign(claims({ iat: now - 2000, exp: now - 1100 })),
    otherStore: await sign(claims({ ...fresh, store_hash: 'attackertrial', sub: 'attackertrial' })),
  };
});

/** Every case against one server, on the default handler and on the one held to Web Crypto. */
async function answers(port: number): Promise<Record<string, Answer>> {
  const result: Record<string, Answer> = {};
  for (const prefix of ['/api/', '/web/']) {
    for (const { name, method, origin, token } of CASES) {
      const response = await fetch(`http://127.0.0.1:${port}${prefix}current-customer`, {
        method,
        headers:
          method === 'POST'
            ? { origin, 'content-type': 'application/json' }
            : { origin, 'access-control-request-method': 'POST' },
        body: token ? JSON.stringify({ token: tokens[token] }) : null,
      });
      result[`${prefix} ${name}`] = {
        status: response.status,
        body: await response.text(),
        allowOrigin: response.headers.get('access-control-allow-origin'),
        headers: [...response.headers]
          .filter(([name]) => !SERVER_HEADERS.has(name))
          .sort(([a], [b]) => a.localeCompare(b)),
      };
    }
  }
  return result;
}

let node: Started | undefined;
let reference: Record<string, Answer>;
beforeAll(async () => {
  node = await start(process.execPath, [SERVER_SCRIPT], APP);
  reference = await answers(node.info.port);
});
afterAll(() => stop(node));

describe('Node, the reference', () => {
  it('answers 200, 401 with the reason, 403 and 204 as the handler promises', () => {
    for (const prefix of ['/api/', '/web/']) {
      for (const { name, origin } of CASES) {
        const answer = reference[`${prefix} ${name}`];
        expect(answer, name).toMatchObject(EXPECTED[name] as object);
        // CORS headers only for the listed storefront.
        expect(answer?.allowOrigin, name).toBe(origin === STOREFRONT ? STOREFRONT : null);
        // Never cached, and varying by Origin: the handler's headers are in what is compared.
        expect(answer?.headers, name).toContainEqual(['cache-control', 'no-store']);
        expect(answer?.headers, name).toContainEqual(['vary', 'Origin']);
      }
    }
  });

  it('takes the node:crypto path', () => {
    expect(node?.info).toMatchObject({
      runtime: 'node',
      nodeCrypto: true,
      implementation: 'node-crypto',
      webImplementation: 'web-crypto',
    });
  });
});

for (const runtime of runtimes()) {
  const found = locate(runtime);
  if ('reason' in found) {
    if (IN_CI) {
      it(`${runtime.name} ${runtime.version} runs the built server entry`, () => {
        throw new Error(found.reason);
      });
    } else {
      console.warn(`test/server/runtimes.test.ts: ${runtime.name} skipped: ${found.reason}`);
      it.skip(`${runtime.name} ${runtime.version}: skipped, ${found.reason}`);
    }
    continue;
  }

  describe(`${runtime.name} ${runtime.version}`, () => {
    let server: Started | undefined;
    beforeAll(async () => {
      server = await start(found.binary, runtime.args, APP);
    }, 60_000);
    afterAll(() => stop(server));

    it('is the pinned version of the real runtime', () => {
      expect(server?.info).toMatchObject({ runtime: runtime.name, version: runtime.version });
    });

    it('answers every token and origin exactly as Node does', async () => {
      const got = await answers(server?.info.port as number);
      expect(got).toEqual(reference);
    });

    it('offers node:crypto, and the verifier takes that fast path (Web Crypto when told to)', () => {
      expect(server?.info.nodeCrypto).toBe(true);
      expect(server?.info.implementation).toBe('node-crypto');
      expect(server?.info.webImplementation).toBe('web-crypto');
    });
  });
}
