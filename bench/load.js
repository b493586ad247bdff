// Requests per second of the app backend on Node, side by side, in interleaved rounds: autocannon (in this
// process) POSTs a valid token with an allowed Origin to each server, which runs in a child process of its own on
// 127.0.0.1:
//   floor     bare node:http, JSON.parse + createHmac + timingSafeEqual inline
//   fastify   Fastify 5 calling this package's createVerifier
//   hono      @hono/node-server's getRequestListener(createCurrentCustomerHandler(...))
//   node      toNodeListener(createCurrentCustomerHandler(...))
//   node-fetch toNodeListener((request) => handler(request)): the same handler reached as any Fetch handler is,
//             through a Request and a Response (the adapter's general path)
// then extra rounds of toNodeListener with an async store lookup, and with 50% invalid tokens (floor alike).
// Prints req/s, p99 latency, non-2xx and errors, and each server's ratio to the floor (best of the rounds); and
// the server process's CPU time per request (lowest of the rounds), which a busy machine disturbs much less than
// req/s, with the floor's CPU per request divided by each server's (higher is better, as for req/s).
// Run with `npm run bench:load`. Options (environment): DURATION=3 (seconds per round), ROUNDS=2, CONNECTIONS=50,
// WARMUP=2, RSS_SECONDS=0 (set 30 for the memory run: RSS of the toNodeListener server before, during and after
// that many seconds of load), ONLY=floor,node (a subset of servers), BASELINE_DIST=path/to/dist/server.js (another
// build served as "baseline", such as an earlier version), PROFILE=node,... (CPU profiles of those servers).
// The same handler is also served by Deno.serve and Bun.serve (test/server/fixtures/runtime-server.js) with the
// binaries of the pinned `deno` and `bun` dev dependencies, when they run here (RUNTIMES=0 leaves them out); their
// CPU per request is read from /proc (Linux only).
import { fork } from 'node:child_process';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { locate, runtimes, start } from '../test/server/fixtures/runtimes.js';
import { CLIENT_ID, CLIENT_SECRET, STORE_HASH, signToken } from './tokens.js';

const STOREFRONT = 'https://store.example.com';

function makeToken(secret = CLIENT_SECRET) {
  return signToken({ id: 4927, email: 'john.doe@example.com', group_id: '6' }, secret);
}

// ---------------------------------------------------------------------------------------------------------------
// The servers (child processes).

const ANSWER_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  vary: 'Origin',
  'cache-control': 'no-store',
  'access-control-allow-origin': STOREFRONT,
};

function floorListener() {
  const key = createSecretKey(Buffer.from(CLIENT_SECRET));
  const reply = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...ANSWER_HEADERS, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  return (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const { token } = JSON.parse(Buffer.concat(chunks).toString());
        const dot = token.lastIndexOf('.');
        const expected = createHmac('sha256', key).update(token.slice(0, dot)).digest();
        const signature = Buffer.from(token.slice(dot + 1), 'base64url');
        if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
          reply(res, 401, { error: 'signature_invalid' });
          return;
        }
        const claims = JSON.parse(
          Buffer.from(token.slice(token.indexOf('.') + 1, dot), 'base64url').toString(),
        );
        const { id, email, group_id: groupId } = claims.customer;
        reply(res, 200, { customer: { id, email, groupId } });
      } catch {
        reply(res, 400, { error: 'invalid_json' });
      }
    });
  };
}

async function fastifyServer(server) {
  const { default: Fastify } = await import('fastify');
  const { createVerifier, CurrentCustomerTokenError } = await import('../dist/server.js');
  const verify = createVerifier({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: STORE_HASH,
  });
  const app = Fastify({ logger: false, serverFactory: (handler) => server.on('request', handler) });
  app.post('/', async (request, reply) => {
    reply.headers({
      vary: 'Origin',
      'cache-control': 'no-store',
      'access-control-allow-origin': STOREFRONT,
    });
    try {
      const { customer } = await verify(request.body?.token);
      return { customer };
    } catch (error) {
      if (!(error instanceof CurrentCustomerTokenError)) throw error;
      reply.code(401);
      return { error: error.code };
    }
  });
  await app.ready();
}

async function handlerOptions(kind) {
  const storeHash = kind === 'node-lookup' ? async (hash) => hash === STORE_HASH : STORE_HASH;
  return {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash,
    allowedOrigins: [STOREFRONT],
  };
}

async function startServer(kind) {
  const server = createServer();
  if (kind === 'floor') {
    server.on('request', floorListener());
  } else if (kind === 'fastify') {
    await fastifyServer(server);
  } else {
    // BASELINE_DIST=path/to/other/dist/server.js serves the kind "baseline" from another build, e.g. an older one.
    const entry =
      kind === 'baseline' ? pathToFileURL(process.env.BASELINE_DIST).href : '../dist/server.js';
    const { createCurrentCustomerHandler, toNodeListener } = await import(entry);
    const handler = createCurrentCustomerHandler(await handlerOptions(kind));
    if (kind === 'hono') {
      const { getRequestListener } = await import('@hono/node-server');
      server.on('request', getRequestListener(handler));
    } else if (kind === 'node-fetch') {
      server.on(
        'request',
        toNodeListener((request) => handler(request)),
      );
    } else {
      server.on('request', toNodeListener(handler));
    }
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (message) => {
    if (message === 'rss') process.send({ rss: process.memoryUsage().rss });
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ cpu: user + system });
    }
    // A normal exit, so that --cpu-prof writes its profile.
    if (message === 'exit') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  process.send({ port: server.address().port });
}

// ---------------------------------------------------------------------------------------------------------------
// The load generator (this process).

const SERVERS = [
  ['floor', 'floor: bare node:http, JSON.parse + createHmac + timingSafeEqual'],
  ['fastify', 'Fastify 5 + createVerifier'],
  ['hono', "@hono/node-server's getRequestListener(handler)"],
  ['node', 'toNodeListener(handler)'],
  ['node-fetch', 'toNodeListener(request => handler(request)), Fetch path'],
];

function spawnServer(kind) {
  // PROFILE=node,node-fetch writes a V8 CPU profile of those servers into PROFILE_DIR (default .tmp/profiles).
  const profiled = process.env.PROFILE?.split(',').includes(kind);
  const execArgv = profiled
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${process.env.PROFILE_DIR ?? '.tmp/profiles'}`,
        `--cpu-prof-name=${kind}.cpuprofile`,
      ]
    : [];
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], {
    stdio: 'inherit',
    execArgv,
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    child.once('message', (message) => {
      if (message.error) reject(new Error(message.error));
      else resolve({ child, port: message.port });
    });
  });
}

/** Asks a server for its RSS (`'rss'`, bytes) or the CPU time it has used (`'cpu'`, microseconds). */
function ask(child, what) {
  // Deno and Bun have no IPC channel here: their CPU time comes from /proc.
  if (!child.send) return Promise.resolve(what === 'cpu' ? procCpu(child.pid) : Number.NaN);
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message[what]));
    child.send(what);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Deno and Bun, each with its own HTTP server, serving dist/server.js (the runtime tests' fixture).

/** Deno and Bun where their pinned binary runs here, each with the binary found. */
function runtimesHere() {
  return runtimes().flatMap((runtime) => {
    const found = locate(runtime);
    return 'binary' in found ? [{ ...runtime, binary: found.binary }] : [];
  });
}

/** Starts a runtime's server; resolves to its process, port and version. */
async function spawnRuntime({ binary, args }) {
  const { child, info } = await start(binary, args, {
    CLIENT_ID,
    CLIENT_SECRET,
    STORE_HASH,
    STOREFRONT,
  });
  return { child, port: info.port, version: info.version };
}

/** CPU time of a process in microseconds, from /proc (user + system clock ticks, 100 per second on Linux). */
function procCpu(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

async function load(port, seconds, bodies) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: Number(process.env.CONNECTIONS ?? 50),
    duration: seconds,
    method: 'POST',
    headers: { origin: STOREFRONT, 'content-type': 'application/json' },
    requests: bodies.map((body) => ({ body })),
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main() {
  const duration = Number(process.env.DURATION ?? 3);
  const rounds = Number(process.env.ROUNDS ?? 2);
  const warmup = Number(process.env.WARMUP ?? 2);
  const rssSeconds = Number(process.env.RSS_SECONDS ?? 0);
  const only = process.env.ONLY?.split(',');
  const valid = JSON.stringify({ token: makeToken() });
  const invalid = JSON.stringify({ token: makeToken('not-the-secret-0123456789abcdefgh') });

  const servers = process.env.BASELINE_DIST
    ? [...SERVERS, ['baseline', `toNodeListener(handler) from ${process.env.BASELINE_DIST}`]]
    : SERVERS;
  const cases = [
    ...servers
      .filter(([kind]) => !only || only.includes(kind))
      .map(([kind, label]) => ({
        kind,
        label,
        bodies: [valid],
      })),
    { kind: 'node-lookup', label: 'toNodeListener(handler), async store lookup', bodies: [valid] },
    ...(process.env.RUNTIMES === '0' ? [] : runtimesHere()).map((runtime) => ({
      kind: runtime.name,
      runtime,
      label: `${runtime.name === 'deno' ? 'Deno.serve' : 'Bun.serve'}(handler)`,
      bodies: [valid],
    })),
    { kind: 'floor', label: 'floor, 50% invalid tokens', bodies: [valid, invalid], mixed: true },
    {
      kind: 'node',
      label: 'toNodeListener(handler), 50% invalid tokens',
      bodies: [valid, invalid],
      mixed: true,
    },
  ].filter(({ kind }) => !only || only.includes(kind));

  const kinds = [...new Set(cases.map(({ kind }) => kind))];
  const running = new Map();
  for (const kind of kinds) {
    const runtime = cases.find((c) => c.kind === kind)?.runtime;
    try {
      running.set(kind, await (runtime ? spawnRuntime(runtime) : spawnServer(kind)));
      if (runtime) {
        const c = cases.find((c) => c.kind === kind);
        c.label = `${c.label} (${kind} ${running.get(kind).version})`;
      }
    } catch (error) {
      console.log(`${kind}: could not start (${error.message})`);
    }
  }
  const results = new Map(cases.map((c) => [c.label, []]));
  for (let round = 0; round < rounds; round++) {
    // Interleaved: each round visits every server once, so a noisy neighbour hits them alike.
    for (const c of cases) {
      const server = running.get(c.kind);
      if (!server) continue;
      if (warmup > 0) await load(server.port, warmup, c.bodies);
      const cpuBefore = await ask(server.child, 'cpu');
      const result = await load(server.port, duration, c.bodies);
      const cpu = (await ask(server.child, 'cpu')) - cpuBefore;
      results.get(c.label).push({ ...result, cpuPerRequest: cpu / Math.max(1, result.total) });
    }
  }

  // The best round's figures, and the lowest server CPU time per request of all rounds (the least disturbed).
  const best = (label) => {
    const list = results.get(label) ?? [];
    if (list.length === 0) return undefined;
    const top = list.reduce((a, b) => (b.rps > a.rps ? b : a));
    return { ...top, cpuPerRequest: Math.min(...list.map((r) => r.cpuPerRequest)) };
  };
  const floor = best(SERVERS[0][1]);
  const floorMixed = best('floor, 50% invalid tokens');
  console.log(
    `Node ${process.version}, autocannon ${process.env.CONNECTIONS ?? 50} connections, ${duration} s per round ` +
      `(after ${warmup} s warm-up), best of ${rounds} interleaved rounds\n`,
  );
  const width = Math.max(...cases.map(({ label }) => label.length));
  console.log(
    `${'server'.padEnd(width)}  ${'req/s'.padStart(8)}  ${'p99 ms'.padStart(6)}  ${'2xx'.padStart(7)}  ${'non-2xx'.padStart(7)}  ${'errors'.padStart(6)}  x floor  ${'CPU µs/req'.padStart(10)}  floor/CPU`,
  );
  for (const c of cases) {
    const r = best(c.label);
    if (!r) continue;
    const base = c.mixed ? floorMixed : floor;
    const ratio = base ? (r.rps / base.rps).toFixed(2) : '-';
    const cpuRatio = base ? (base.cpuPerRequest / r.cpuPerRequest).toFixed(2) : '-';
    console.log(
      `${c.label.padEnd(width)}  ${Math.round(r.rps).toLocaleString('en-US').padStart(8)}  ${String(r.p99).padStart(6)}  ${String(r.ok).padStart(7)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}  ${ratio.padStart(7)}  ${r.cpuPerRequest.toFixed(0).padStart(10)}  ${cpuRatio.padStart(9)}`,
    );
  }
  const ours = best('toNodeListener(handler)');
  const fastify = best(SERVERS[1][1]);
  if (ours && floor && fastify) {
    const goal = ours.rps >= 0.75 * floor.rps && ours.rps >= fastify.rps;
    console.log(
      `\ngoal (toNodeListener >= 0.75 x floor and >= Fastify): ${goal ? 'met' : 'NOT met'} ` +
        `(${(ours.rps / floor.rps).toFixed(2)} x floor, ${(ours.rps / fastify.rps).toFixed(2)} x Fastify in req/s; ` +
        `by server CPU per request ${(floor.cpuPerRequest / ours.cpuPerRequest).toFixed(2)} x floor, ` +
        `${(fastify.cpuPerRequest / ours.cpuPerRequest).toFixed(2)} x Fastify)`,
    );
  }

  const node = running.get('node');
  if (rssSeconds > 0 && node) {
    const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    const before = await ask(node.child, 'rss');
    // RSS every 5 s during the run: flat memory levels off instead of climbing.
    const samples = [];
    const sampler = setInterval(() => {
      ask(node.child, 'rss').then((rss) => samples.push(rss));
    }, 5000);
    const r = await load(node.port, rssSeconds, [valid]);
    clearInterval(sampler);
    const after = await ask(node.child, 'rss');
    console.log(
      `\ntoNodeListener(handler), ${rssSeconds} s of load (${Math.round(r.rps).toLocaleString('en-US')} req/s, ` +
        `${r.non2xx} non-2xx, ${r.errors} errors): RSS ${mb(before)} before, ${mb(after)} after; ` +
        `every 5 s: ${samples.map(mb).join(', ')}`,
    );
  }
  for (const { child } of running.values()) {
    child.removeAllListeners('exit');
    if (child.send) child.send('exit');
    else child.kill();
  }
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt !== -1) {
  await startServer(process.argv[serveAt + 1]).catch((error) => {
    process.send({ error: error.message });
    process.exit(1);
  });
} else await main();
