// npm run bench:page: what the Current Customer module costs a real page, in headless Chromium.
//
// Scenario 1 of the browser tests (a logged-in customer opens the demo page), several runs, each traced:
// - navigation start → the backend POST leaving (ResourceSendRequest of the POST);
// - the drop-in script starting (its EvaluateScript) → the first current.jwt request leaving;
// - the module's own delay between the token arriving and the POST leaving (beyond the round trips);
// - the module's main-thread time: its EvaluateScript and the functions it runs afterwards, from the trace,
//   and, as a cross-check, CPU profiler samples whose stack holds a frame of the drop-in file;
// - whether the drop-in script is render-blocking (Chromium's own classification of the request).
// Runs the built CLI (`node dist/cli.js dev`) as a child process and reads the URLs it prints.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS || 9);
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const DROP_IN = '/assets/current-customer/current-customer.min.js';

function fail(message) {
  console.error(`bench:page: ${message}`);
  process.exit(1);
}

if (!existsSync(CHROMIUM_PATH))
  fail(`no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
if (!existsSync(join(root, 'dist/cli.js'))) fail('dist/cli.js is missing: run npm run build');

/** Starts the emulator (no demo panel: only the module runs) and resolves its two URLs. */
function startEmulator() {
  const child = spawn(
    process.execPath,
    [join(root, 'dist/cli.js'), 'dev', '--port', '0', '--backend-port', '0', '--no-panel'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the emulator did not start:\n${out}`)),
      20_000,
    );
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}:\n${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const storefront = /^storefront:\s+(\S+)/m.exec(out)?.[1];
      const backend = /^app backend:\s+(\S+)/m.exec(out)?.[1];
      if (storefront && backend) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, storefront, backend });
      }
    });
  });
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
};

/** Reads one run's trace: times in ms relative to navigation start. */
function analyse(trace, storefront, backend) {
  const events = JSON.parse(trace.toString('utf8')).traceEvents;
  const nav = events
    .filter((e) => e.name === 'navigationStart' && e.args?.data?.isLoadingMainFrame)
    .at(-1);
  if (!nav) throw new Error('no navigationStart in the trace');
  const ms = (ts) => (ts - nav.ts) / 1000;
  const sends = events.filter((e) => e.name === 'ResourceSendRequest' && e.ts >= nav.ts);
  const jwtSend = sends.find((e) => e.args.data.url.includes('/customer/current.jwt'));
  const postSend = sends.find(
    (e) => e.args.data.url === backend && e.args.data.requestMethod === 'POST',
  );
  const scriptSend = sends.find((e) => e.args.data.url === new URL(DROP_IN, storefront).href);
  const byRequest = (name, send) =>
    events.find((e) => e.name === name && e.args?.data?.requestId === send?.args.data.requestId);
  const jwtFinish = byRequest('ResourceFinish', jwtSend);
  const evaluate = events.find(
    (e) => e.name === 'EvaluateScript' && e.args?.data?.url?.endsWith(DROP_IN),
  );
  if (!jwtSend || !postSend || !evaluate || !jwtFinish) {
    const missing = { jwtSend, postSend, evaluate, jwtFinish };
    throw new Error(
      `the trace lacks: ${Object.keys(missing)
        .filter((k) => !missing[k])
        .join(', ')}`,
    );
  }
  const mainThread = { pid: evaluate.pid, tid: evaluate.tid };
  // Main-thread work in the drop-in's own code: its evaluation, and every later top-level call into it
  // (promise reactions show up under the task that ran them, so the profiler cross-checks this).
  let traced = 0;
  if (process.env.BENCH_DEBUG) {
    for (const e of events) {
      const url = e.args?.data?.url ?? e.args?.data?.stackTrace?.[0]?.url ?? '';
      if (url.endsWith(DROP_IN) || e.name === 'FunctionCall')
        console.log(
          e.name,
          e.ph,
          e.pid === evaluate.pid && e.tid === evaluate.tid,
          ms(e.ts).toFixed(2),
          e.dur,
          url.slice(-30),
        );
    }
  }
  for (const e of events) {
    if (e.pid !== mainThread.pid || e.tid !== mainThread.tid || e.ph !== 'X') continue;
    const url = e.args?.data?.url ?? '';
    if (
      // v8.compile runs inside EvaluateScript: not counted twice.
      (e.name === 'EvaluateScript' || e.name === 'FunctionCall') &&
      url.endsWith(DROP_IN)
    ) {
      traced += (e.dur ?? 0) / 1000;
    }
  }
  const fcp = events.find((e) => e.name === 'firstContentfulPaint' && e.ts >= nav.ts);
  return {
    navToPost: ms(postSend.ts),
    scriptToJwt: (jwtSend.ts - evaluate.ts) / 1000,
    jwtToPost: (postSend.ts - (jwtFinish.args.data.finishTime * 1e6 || jwtFinish.ts)) / 1000,
    tracedMainThread: traced,
    // No request at all when Blink served the script from its memory cache.
    renderBlocking: scriptSend ? (scriptSend.args.data.renderBlocking ?? 'unknown') : null,
    fcpBeforeScript: fcp ? fcp.ts < evaluate.ts : null,
  };
}

/**
 * Milliseconds of profiler samples with a drop-in frame anywhere on the stack: the module's code and the
 * natives it calls (fetch, addEventListener). On a busy machine a sampling gap can land on the module, so
 * this reads high; BENCH_DEBUG=1 prints the frames.
 */
function profiledTime(profile, dropInUrl) {
  const parent = new Map();
  const own = new Map();
  for (const node of profile.nodes) {
    own.set(node.id, node.callFrame.url === dropInUrl);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const inModule = (id) => {
    for (let n = id; n !== undefined; n = parent.get(n)) if (own.get(n)) return true;
    return false;
  };
  let micros = 0;
  const byFrame = new Map();
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    if (inModule(id)) {
      micros += profile.timeDeltas[i + 1] ?? 0;
      const f = nodes.get(id).callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.slice(-20)}:${f.lineNumber}:${f.columnNumber}`;
      byFrame.set(key, (byFrame.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
    }
  });
  if (process.env.BENCH_DEBUG) console.log([...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 12));
  return micros / 1000;
}

const emulator = await startEmulator();
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});
const results = [];
try {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.__currentCustomerResponse = new Promise((resolve) =>
      document.addEventListener('current-customer:response', () => resolve(true), { once: true }),
    );
  });
  const login = await context.newPage();
  await login.goto(new URL('/login?redirect=/about', emulator.storefront).href);
  await login.close();

  // One warm-up run (the first load compiles and caches), then the measured ones.
  for (let run = 0; run <= RUNS; run++) {
    // The trace and the CPU profile are taken in separate loads so neither inflates the other.
    const page = await context.newPage();
    await browser.startTracing(page, {
      categories: ['devtools.timeline', 'blink.user_timing', 'loading'],
    });
    await page.goto(emulator.storefront);
    await page.evaluate(() => window.__currentCustomerResponse);
    const trace = await browser.stopTracing();
    await page.close();

    const profiled = await context.newPage();
    const cdp = await context.newCDPSession(profiled);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
    await profiled.goto(emulator.storefront);
    await profiled.evaluate(() => window.__currentCustomerResponse);
    const { profile } = await cdp.send('Profiler.stop');
    await profiled.close();
    if (run > 0) {
      results.push({
        ...analyse(trace, emulator.storefront, emulator.backend),
        profiled: profiledTime(profile, new URL(DROP_IN, emulator.storefront).href),
      });
    }
  }
} finally {
  await browser.close();
  emulator.child.kill('SIGINT');
}

const row = (label, key) => {
  const { median, min, max } = stats(results.map((r) => r[key]));
  const f = (v) => v.toFixed(2).padStart(8);
  console.log(`${label.padEnd(58)}${f(median)}${f(min)}${f(max)}`);
};
console.log(`\nCurrent Customer module in Chromium, logged-in page, ${results.length} runs (ms)`);
console.log(`${''.padEnd(58)}${'median'.padStart(8)}${'min'.padStart(8)}${'max'.padStart(8)}`);
row('navigation start → POST to the backend leaves', 'navToPost');
row('drop-in script starts → current.jwt request leaves', 'scriptToJwt');
row('current.jwt response finished → POST leaves (module delay)', 'jwtToPost');
row("module's main-thread time, trace (evaluate + calls)", 'tracedMainThread');
row("module's main-thread time, CPU profile (incl. native fetch)", 'profiled');
const blocking = [...new Set(results.map((r) => r.renderBlocking).filter(Boolean))].join(', ');
const fcp = results.filter((r) => r.fcpBeforeScript === true).length;
console.log(`drop-in request render-blocking classification: ${blocking}`);
console.log(`first contentful paint before the drop-in ran: ${fcp} of ${results.length} runs`);
