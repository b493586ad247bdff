// What the recently purchased example's cache saves under load: `npm run bench:purchases`.
//
// Two rows, each with its own storefront emulator (so each has its own store API quota: 150 requests per
// 30-second window, as on BigCommerce's Standard and Plus plans) and its own backend in this process:
//   cached     examples/recently-purchased as it ships (cacheSeconds 60, one lookup in flight per customer)
//   uncached   the same with cacheSeconds 0 (lookups still coalesced while in flight)
// Each backend is the package's handler (dist/server.js) through toNodeListener, with the example's endpoint
// options. autocannon POSTs valid tokens, as the browser module does (text/plain, an allowed Origin), for the
// demo customers in turn: Jane (4 orders: 6 API calls when cold) and Sam (no orders: 1 call).
// Prints, per row: answers per second, 200s and 503s (the example's answer when the API's quota is used up),
// p99 latency, and the store API calls it made with how many of them the API answered 429.
// Options (environment): DURATION=10 (seconds per row), CONNECTIONS=20.
import { createServer } from 'node:http';
import autocannon from 'autocannon';
import { createCurrentCustomerHandler, toNodeListener } from '../dist/server.js';
import { recentlyPurchasedEndpoint } from '../examples/recently-purchased/recently-purchased.js';
import { startEmulator } from './page-parts.js';
import { CLIENT_ID, CLIENT_SECRET, STORE_HASH, signToken } from './tokens.js';

const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const CUSTOMERS = [
  { id: 4927, email: 'jane.doe@example.com', group_id: '6' },
  { id: 5012, email: 'sam.rivera@example.com', group_id: '2' },
];

/** A backend for `emulator`'s store, its lookups cached for `cacheSeconds`, counting its API calls. */
async function startBackend(emulator, cacheSeconds) {
  const api = { calls: 0, rateLimited: 0 };
  const countingFetch = async (input, init) => {
    api.calls++;
    const response = await fetch(input, init);
    if (response.status === 429) api.rateLimited++;
    return response;
  };
  const handler = createCurrentCustomerHandler(
    recentlyPurchasedEndpoint({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      allowedOrigins: [new URL(emulator.storefront).origin],
      stores: new Map([
        [STORE_HASH, { accessToken: emulator.storeApiToken, apiBase: emulator.storeApiUrl }],
      ]),
      fetch: countingFetch,
      limits: { cacheSeconds },
    }),
  );
  const server = createServer(toNodeListener(handler));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, api, url: `http://127.0.0.1:${server.address().port}/` };
}

async function row(name, cacheSeconds) {
  const emulator = await startEmulator(['--client-id', CLIENT_ID, '--store-hash', STORE_HASH], {
    CURRENT_CUSTOMER_CLIENT_SECRET: CLIENT_SECRET,
  });
  const backend = await startBackend(emulator, cacheSeconds);
  try {
    const result = await autocannon({
      url: backend.url,
      connections: CONNECTIONS,
      duration: DURATION,
      method: 'POST',
      headers: { origin: new URL(emulator.storefront).origin, 'content-type': 'text/plain' },
      requests: CUSTOMERS.map((customer) => ({ body: signToken(customer) })),
    });
    const answers = result['2xx'];
    const refused = result.non2xx;
    return {
      name,
      perSecond: answers / DURATION,
      answers,
      refused,
      p99: result.latency.p99,
      apiCalls: backend.api.calls,
      api429: backend.api.rateLimited,
      errors: result.errors + result.timeouts,
    };
  } finally {
    backend.server.closeAllConnections();
    backend.server.close();
    emulator.child.kill();
  }
}

const rows = [await row('cached (cacheSeconds 60)', 60), await row('uncached (cacheSeconds 0)', 0)];
console.log(
  `recently purchased under load: ${CONNECTIONS} connections, ${DURATION} s per row, tokens for Jane (4 orders) and Sam (none) in turn`,
);
console.log(
  `${'row'.padEnd(28)}${'200/s'.padStart(9)}${'200s'.padStart(9)}${'non-200'.padStart(9)}${'p99 ms'.padStart(9)}${'API calls'.padStart(11)}${'API 429s'.padStart(10)}${'errors'.padStart(8)}`,
);
for (const r of rows)
  console.log(
    `${r.name.padEnd(28)}${r.perSecond.toFixed(0).padStart(9)}${String(r.answers).padStart(9)}${String(r.refused).padStart(9)}${String(r.p99).padStart(9)}${String(r.apiCalls).padStart(11)}${String(r.api429).padStart(10)}${String(r.errors).padStart(8)}`,
  );
const [cached, uncached] = rows;
console.log(
  `the cache: ${(cached.answers / Math.max(1, uncached.answers)).toFixed(1)}x the 200 answers, ` +
    `${uncached.apiCalls} -> ${cached.apiCalls} store API calls, ${uncached.refused} -> ${cached.refused} non-200 answers`,
);
