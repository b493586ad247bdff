// npm run bench:page: what the Current Customer module costs a real page, in headless Chromium, measured
// side by side with a floor. With RTT=<ms>, the latency mode instead (bench/page-latency.js): the time to the
// backend's answer behind a simulated network, in Chromium, Firefox or WebKit (ENGINE).
//
// Scenario 1 of the browser tests (a logged-in customer opens the demo page), on a page the size of a rendered
// Cornerstone product page (see PAGE_KB). Two emulators run the same copy of the demo theme; one renders the
// package's partial (the configuration element and the drop-in script), another
// renders the same configuration element and, instead of the drop-in, the floor: a minimal inline script that
// does only the unavoidable work (fetch current.jwt with the cookie, read the text, POST {"token":…} as JSON
// to the backend). Each runs in its own browser context (the emulators share the host, so their session
// cookies would collide). Loads alternate module/floor run by run, so a noisy machine hits both alike; the
// module's cost is the difference (median of the per-run differences) and the ratio of the medians. A third
// emulator loads the same drop-in file with `defer` instead of `async` (how the partial loaded it before), so
// the gain of loading it async is measured in the same run; a fourth has the include in <head> instead of at
// the end of <body> (where `install` puts it), so the async file can start before the body is parsed.
//
// Two views per run, each traced:
// - repeat view: a warm context (the CORS preflight is cached, Access-Control-Max-Age), as most page views;
// - first view: a fresh context just logged in (no cached preflight, no compiled-code cache).
// And, for the repeat view, a separate load with the CPU profiler, as a cross-check of main-thread time.
//
// BASELINE_DROP_IN=path/to/current-customer.min.js adds a fifth emulator serving that file instead of the
// built one (such as the drop-in of an earlier commit), so that a change is measured against it in one run.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { FLOOR_PARTIAL, filler, PAGE_KB, startEmulator, stats } from './page-parts.js';

// The default mode reads Chromium's trace and CPU profiler, which Firefox and WebKit do not offer here: those
// engines are measured by the latency mode at RTT=0 (the same navigation -> answer figure, with no delay added).
const engine = process.env.ENGINE ?? 'chromium';
if (process.env.RTT === undefined && engine !== 'chromium') {
  console.log(
    `bench:page: ENGINE=${engine} has no trace here: measuring with the latency mode at RTT=0`,
  );
  process.env.RTT = '0';
}

// RTT=<ms> (0 included): the latency mode, in bench/page-latency.js, in any of the three engines (ENGINE).
if (process.env.RTT !== undefined) {
  await import('./page-latency.js');
  process.exit();
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS || 9);
// The same launch settings as the browser tests.
const launchSettings = JSON.parse(readFileSync(join(root, 'test/e2e/chromium.json'), 'utf8'));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || launchSettings.executablePath;
const DROP_IN = '/assets/current-customer/current-customer.min.js';
const DEBUG = Boolean(process.env.BENCH_DEBUG);

function fail(message) {
  console.error(`bench:page: ${message}`);
  process.exit(1);
}

if (!existsSync(CHROMIUM_PATH))
  fail(`no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
if (!existsSync(join(root, 'dist/cli.js'))) fail('dist/cli.js is missing: run npm run build');
if (!existsSync(join(root, DROP_IN.slice(1))))
  fail(`${DROP_IN.slice(1)} is missing: run npm run build`);

/**
 * A copy of the demo theme with the package's partials, its home page grown by the filler; for the floor,
 * its script partial replaced by FLOOR_PARTIAL.
 */
function benchTheme(name, scriptPartial) {
  const dir = mkdtempSync(join(tmpdir(), `bench-page-${name}-`));
  cpSync(join(root, 'src/dev/demo-theme'), dir, { recursive: true });
  const partials = join(dir, 'templates/components/current-customer');
  cpSync(join(root, 'templates/components/current-customer'), partials, { recursive: true });
  if (scriptPartial) writeFileSync(join(partials, 'script.html'), scriptPartial);
  // The emulator serves a theme's assets from the theme only, as a store does: the drop-in goes in, as
  // the installer would put it.
  cpSync(join(root, 'assets/current-customer'), join(dir, 'assets/current-customer'), {
    recursive: true,
  });
  if (name === 'head') {
    // The include moved from the end of <body> into <head>: the async file can start while the body parses.
    const base = join(dir, 'templates/layout/base.html');
    const text = readFileSync(base, 'utf8');
    const include = '{{> components/current-customer/script}}';
    if (!text.includes(include)) throw new Error('base.html: no include to move');
    writeFileSync(base, text.replace(include, '').replace('</head>', `${include}\n</head>`));
  }
  if (name === 'defer') {
    // The drop-in's script tag as it was before it became async: it waited for the whole document to parse.
    const config = join(partials, 'config.html');
    const text = readFileSync(config, 'utf8');
    if (!text.includes('" async nonce='))
      throw new Error('config.html: no async script tag to make defer');
    writeFileSync(config, text.replace('" async nonce=', '" defer nonce='));
  }
  const home = join(dir, 'templates/pages/home.html');
  const page = readFileSync(home, 'utf8');
  const grown = page.replace('{{/partial}}', `${filler(PAGE_KB)}{{/partial}}`);
  writeFileSync(home, grown);
  return dir;
}

/** Total length of the union of [start, end) intervals: nested or overlapping events count once. */
function unionMs(intervals) {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [s, e] of sorted) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total / 1000;
}

/**
 * Reads one load's trace and CDP Network events: times in ms. `scriptUrl` is the script under test: the
 * drop-in file, or for the floor the page itself (an inline script's EvaluateScript carries the page's URL).
 */
function analyse(trace, network, { storefront, backend, scriptUrl }) {
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
  const jwtFinish = events.find(
    (e) => e.name === 'ResourceFinish' && e.args?.data?.requestId === jwtSend?.args.data.requestId,
  );
  const evaluate = events.find(
    (e) => e.name === 'EvaluateScript' && e.ts >= nav.ts && e.args?.data?.url === scriptUrl,
  );
  // The page itself, received in full: from there on, only parsing and scripts separate the module from the
  // floor (the server's render time and the network before it are the same for both, and noisy).
  const pageSend = sends.find((e) => e.args.data.url === storefront);
  const pageFinish = events.find(
    (e) => e.name === 'ResourceFinish' && e.args?.data?.requestId === pageSend?.args.data.requestId,
  );
  const missing = { jwtSend, postSend, evaluate, jwtFinish, pageFinish };
  if (Object.values(missing).some((v) => !v)) {
    throw new Error(
      `the trace lacks: ${Object.keys(missing)
        .filter((k) => !missing[k])
        .join(', ')}`,
    );
  }
  const onMain = (e) => e.pid === evaluate.pid && e.tid === evaluate.tid && e.ph === 'X';
  const evalEnd = evaluate.ts + evaluate.dur;
  // Compilation on the main thread inside the script's evaluation (the drop-in is mostly parsed off the main
  // thread while it streams in; what remains, and lazy compiles of inner functions, shows up as v8.compile).
  const compile = unionMs(
    events
      .filter((e) => onMain(e) && e.name === 'v8.compile' && e.ts >= evaluate.ts && e.ts < evalEnd)
      .map((e) => [e.ts, e.ts + e.dur]),
  );
  // All JavaScript on the main thread after the script under test ran: event listeners and timers
  // (FunctionCall) and promise reactions (RunMicrotasks), to the end of the load. Both pages are the same
  // but for the script, so the module's share is the difference with the floor. Intervals are merged, so a
  // checkpoint nested in a call is not counted twice.
  const later = unionMs(
    events
      .filter(
        (e) =>
          onMain(e) &&
          e.ts >= evalEnd &&
          (e.name === 'FunctionCall' || e.name === 'RunMicrotasks') &&
          typeof e.dur === 'number',
      )
      .map((e) => [e.ts, e.ts + e.dur]),
  );
  // CDP Network: the preflight (an OPTIONS the network service sends after fetch() was called) and when the
  // POST itself went out (its timing's requestTime + sendStart, same clock as the trace).
  const sentOf = (requestId) => {
    const r = network.find(
      (n) => n.method === 'Network.responseReceived' && n.params.requestId === requestId,
    );
    const t = r?.params.response.timing;
    return t ? t.requestTime * 1e6 + t.sendStart * 1000 : undefined;
  };
  const preflight = network.find(
    (n) =>
      n.method === 'Network.requestWillBeSent' &&
      n.params.request.method === 'OPTIONS' &&
      n.params.request.url === backend,
  );
  const preflightDone = preflight
    ? network.find(
        (n) =>
          n.method === 'Network.responseReceived' &&
          n.params.requestId === preflight.params.requestId,
      )
    : undefined;
  const postRequest = network.find(
    (n) =>
      n.method === 'Network.requestWillBeSent' &&
      n.params.request.method === 'POST' &&
      n.params.request.url === backend,
  );
  const postWire = postRequest ? sentOf(postRequest.params.requestId) : undefined;
  const fcp = events.find((e) => e.name === 'firstContentfulPaint' && e.ts >= nav.ts);
  if (DEBUG) {
    for (const e of events) {
      if (e.ts < nav.ts || !onMain(e)) continue;
      if (/EvaluateScript|FunctionCall|RunMicrotasks|v8.compile/.test(e.name))
        console.log(e.name, ms(e.ts).toFixed(2), e.dur, (e.args?.data?.url ?? '').slice(-30));
    }
  }
  return {
    navToFetch: ms(postSend.ts),
    pageToEvaluate: (evaluate.ts - (pageFinish.args.data.finishTime * 1e6 || pageFinish.ts)) / 1000,
    pageToFetch: (postSend.ts - (pageFinish.args.data.finishTime * 1e6 || pageFinish.ts)) / 1000,
    navToWire: postWire === undefined ? undefined : ms(postWire),
    scriptToJwt: (jwtSend.ts - evaluate.ts) / 1000,
    jwtToFetch: (postSend.ts - (jwtFinish.args.data.finishTime * 1e6 || jwtFinish.ts)) / 1000,
    preflight:
      preflight && preflightDone
        ? preflightDone.params.timestamp * 1e3 - preflight.params.timestamp * 1e3
        : undefined,
    fetchToWire: postWire === undefined ? undefined : (postWire - postSend.ts) / 1000,
    evaluate: evaluate.dur / 1000,
    compile,
    later,
    mainThread: evaluate.dur / 1000 + later,
    // No request at all when Blink served the script from its memory cache; none for an inline script.
    renderBlocking: scriptSend ? (scriptSend.args.data.renderBlocking ?? 'unknown') : null,
    fcpBeforeScript: fcp ? fcp.ts < evaluate.ts : null,
  };
}

/**
 * Milliseconds of profiler samples with a frame of `url` anywhere on the stack: the script's code and the
 * natives it calls (fetch, addEventListener). Sampling on a busy machine reads high and varies.
 */
function profiledTime(profile, url) {
  const parent = new Map();
  const own = new Map();
  for (const node of profile.nodes) {
    own.set(node.id, node.callFrame.url === url);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const inScript = (id) => {
    for (let n = id; n !== undefined; n = parent.get(n)) if (own.get(n)) return true;
    return false;
  };
  let micros = 0;
  const byFrame = new Map();
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    if (inScript(id)) {
      const delta = profile.timeDeltas[i + 1] ?? 0;
      micros += delta;
      const f = nodes.get(id).callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.slice(-20)}:${f.lineNumber}:${f.columnNumber}`;
      byFrame.set(key, (byFrame.get(key) ?? 0) + delta);
    }
  });
  if (DEBUG) console.log([...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 12));
  return micros / 1000;
}

const moduleDir = benchTheme('module');
const deferDir = benchTheme('defer');
const headDir = benchTheme('head');
const BASELINE_DROP_IN = process.env.BASELINE_DROP_IN;
if (BASELINE_DROP_IN && !existsSync(BASELINE_DROP_IN)) fail(`no file at ${BASELINE_DROP_IN}`);
const baselineDir = BASELINE_DROP_IN ? benchTheme('baseline') : undefined;
if (baselineDir) cpSync(BASELINE_DROP_IN, join(baselineDir, DROP_IN.slice(1)));
const floorDir = benchTheme('floor', FLOOR_PARTIAL);
/**
 * The module's own JavaScript with the network taken out: on a blank page, the drop-in file evaluated, then
 * `createCurrentCustomer(…).post()` with a `fetch` that answers at once (a token, then `{}`), against the same
 * work written inline (the floor). The first call pays V8's lazy compilation and cold inline caches; the
 * steady state is the mean of many calls, which a 0.1 ms timer resolution can still measure.
 */
async function isolatedLogic(browser) {
  const page = await browser.newPage();
  try {
    await page.goto('about:blank');
    return await page.evaluate(
      async ({ code, calls }) => {
        const b64 = (value) =>
          btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
        const now = Math.floor(Date.now() / 1000);
        const claims = {
          customer: { id: 1, email: 'a@example.com', group_id: '1' },
          iss: 'bc/apps',
        };
        const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, iat: now, exp: now + 900, aud: 'bench', operation: 'current_customer', store_hash: 'abc' })}.c2ln`;
        const answer = (url) =>
          Promise.resolve(
            url.startsWith('/customer/')
              ? new Response(token)
              : new Response('{}', { headers: { 'content-type': 'application/json' } }),
          );
        const module = async () => {
          const client = window.StencilCurrentCustomer.createCurrentCustomer({
            appClientId: 'bench',
            endpoint: 'https://app.example.com/current-customer',
            fetch: answer,
          });
          await client.post();
          client.stop();
        };
        const floor = async () => {
          const jwt = (
            await (await answer('/customer/current.jwt?app_client_id=bench')).text()
          ).trim();
          const response = await answer('https://app.example.com/current-customer', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: jwt }),
          });
          document.dispatchEvent(new CustomEvent('bench', { detail: await response.json() }));
        };
        const time = async (fn, n = 1) => {
          const start = performance.now();
          for (let i = 0; i < n; i++) await fn();
          return (performance.now() - start) / n;
        };
        const evalStart = performance.now();
        // An inline script element runs as soon as it is inserted, like the drop-in file would.
        const script = document.createElement('script');
        script.textContent = code;
        document.head.append(script);
        const evaluate = performance.now() - evalStart;
        const firstFloor = await time(floor);
        const firstModule = await time(module);
        return {
          evaluate,
          firstModule,
          firstFloor,
          steadyModule: await time(module, calls),
          steadyFloor: await time(floor, calls),
        };
      },
      { code: readFileSync(join(root, DROP_IN.slice(1)), 'utf8'), calls: 500 },
    );
  } finally {
    await page.close();
  }
}

const subjects = [];
/** Loads made again because their trace lacked events (see traced()). */
const retracedLoads = [];
let browser;
const isolated = [];
try {
  subjects.push({ name: 'module', ...(await startEmulator(['--theme', moduleDir])) });
  subjects.push({ name: 'floor', ...(await startEmulator(['--theme', floorDir])) });
  subjects.push({ name: 'defer', ...(await startEmulator(['--theme', deferDir])) });
  subjects.push({ name: 'head', ...(await startEmulator(['--theme', headDir])) });
  if (baselineDir)
    subjects.push({ name: 'baseline', ...(await startEmulator(['--theme', baselineDir])) });
  for (const s of subjects) {
    s.scriptUrl = s.name === 'floor' ? s.storefront : new URL(DROP_IN, s.storefront).href;
    s.results = [];
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: launchSettings.args,
  });
  /** A context logged in as the demo customer, with no page of the storefront opened yet. */
  const loggedIn = async (s) => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      window.__currentCustomerResponse = new Promise((resolve) =>
        document.addEventListener('current-customer:response', () => resolve(true), { once: true }),
      );
    });
    // The emulator logs in on a POST only (its login page's form), and answers 303 with the cookie.
    const response = await context.request.post(new URL('/login', s.storefront).href, {
      maxRedirects: 0,
    });
    if (response.status() !== 303) throw new Error(`log in failed: ${response.status()}`);
    return context;
  };
  /**
   * One traced load of the storefront's home page in `context`. On a loaded machine a trace now and then
   * comes back without the page's events: that load is made again (at most twice more) and counted.
   */
  const traced = async (s, context) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tracedOnce(s, context);
      } catch (error) {
        if (attempt >= 3 || !/the trace lacks/.test(error.message)) throw error;
        retracedLoads.push(error.message);
      }
    }
  };
  const tracedOnce = async (s, context) => {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const network = [];
    for (const method of ['Network.requestWillBeSent', 'Network.responseReceived'])
      cdp.on(method, (params) => network.push({ method, params }));
    await cdp.send('Network.enable');
    await browser.startTracing(page, {
      categories: ['devtools.timeline', 'blink.user_timing', 'loading', 'v8.execute'],
    });
    const response = await page.goto(s.storefront);
    s.pageBytes = (await response.body()).length;
    await page.evaluate(() => window.__currentCustomerResponse);
    const trace = await browser.stopTracing();
    await page.close();
    try {
      return analyse(trace, network, s);
    } catch (error) {
      throw new Error(
        `${s.name}, ${context === s.warm ? 'repeat' : 'first'} view: ${error.message}`,
      );
    }
  };
  const profiled = async (s, context) => {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
    await page.goto(s.storefront);
    await page.evaluate(() => window.__currentCustomerResponse);
    const { profile } = await cdp.send('Profiler.stop');
    await page.close();
    return profiledTime(profile, s.scriptUrl);
  };

  for (const s of subjects) s.warm = await loggedIn(s);
  // One warm-up round (the first load compiles and caches, and caches the preflight), then the measured ones.
  for (let run = 0; run <= RUNS; run++) {
    const order = run % 2 ? [...subjects].reverse() : subjects;
    const round = new Map(subjects.map((s) => [s, {}]));
    for (const s of order) {
      const fresh = await loggedIn(s);
      round.get(s).first = await traced(s, fresh);
      await fresh.close();
    }
    for (const s of order) round.get(s).repeat = await traced(s, s.warm);
    for (const s of order) round.get(s).profiled = await profiled(s, s.warm);
    if (run > 0) for (const s of subjects) s.results.push(round.get(s));
  }
  // A fresh page each time, so every sample pays the cold costs again.
  for (let run = 0; run < RUNS; run++) isolated.push(await isolatedLogic(browser));
} finally {
  await browser?.close();
  for (const s of subjects) s.child.kill('SIGINT');
  for (const dir of [moduleDir, floorDir, deferDir, headDir, baselineDir].filter(Boolean))
    rmSync(dir, { recursive: true, force: true });
}

const [module, floor, deferred, head, baseline] = subjects;
const f = (v, width = 7) => (v === undefined ? '–' : v.toFixed(2)).padStart(width);
const W = 60;
const header = (a = 'module', b = 'floor') =>
  console.log(
    `${''.padEnd(W)}${a.padStart(7)}${'(min–max)'.padStart(16)}${b.padStart(8)}${'(min–max)'.padStart(16)}${'Δ'.padStart(8)}${'ratio'.padStart(7)}`,
  );
const row = (label, pick, first = module, second = floor) => {
  const m = stats(first.results.map(pick));
  const fl = stats(second.results.map(pick));
  // Δ: median of the per-run differences (the loads of a run are adjacent in time).
  const d = stats(
    first.results.map((r, i) => {
      const a = pick(r);
      const b = pick(second.results[i]);
      return typeof a === 'number' && typeof b === 'number' ? a - b : undefined;
    }),
  );
  const range = (s) => (s ? `(${s.min.toFixed(1)}–${s.max.toFixed(1)})` : '').padStart(16);
  const ratio = m && fl && fl.median > 0 ? `${(m.median / fl.median).toFixed(1)}×` : '–';
  console.log(
    `${label.padEnd(W)}${f(m?.median)}${range(m)}${f(fl?.median, 8)}${range(fl)}${f(d?.median, 8)}${ratio.padStart(7)}`,
  );
};

console.log(
  `\nCurrent Customer module vs. floor (inline fetch + POST) in Chromium, logged-in page of ${(module.pageBytes / 1024).toFixed(0)} KB (floor: ${(floor.pageBytes / 1024).toFixed(0)} KB), ${module.results.length} runs each, interleaved (ms; Δ = median of per-run module − floor)`,
);
for (const view of ['repeat', 'first']) {
  console.log(
    view === 'repeat'
      ? '\nrepeat view (warm context: preflight cached by Access-Control-Max-Age, code cache warm)'
      : '\nfirst view (fresh context just logged in: preflight sent, caches cold)',
  );
  header();
  const v = (key) => (r) => r[view][key];
  row('navigation start → fetch() for the POST called', v('navToFetch'));
  row('page received in full → script starts', v('pageToEvaluate'));
  row('page received in full → fetch() for the POST called', v('pageToFetch'));
  row('navigation start → POST on the wire (after any preflight)', v('navToWire'));
  row('script starts → current.jwt request leaves', v('scriptToJwt'));
  row('current.jwt response finished → fetch() for the POST called', v('jwtToFetch'));
  row('fetch() for the POST called → POST on the wire', v('fetchToWire'));
  row('  of which the preflight OPTIONS round trip', v('preflight'));
  row('main thread: script evaluation (compile + run)', v('evaluate'));
  row('  of which v8.compile on the main thread', v('compile'));
  row('main thread: later JS (calls + microtasks, to the end)', v('later'));
  row('main thread: total', v('mainThread'));
  const preflights = (s) => s.results.filter((r) => r[view].preflight !== undefined).length;
  console.log(
    `preflight seen in: module ${preflights(module)}/${module.results.length}, floor ${preflights(floor)}/${floor.results.length} runs`,
  );
}
console.log(
  '\nthe drop-in loaded async (module, as shipped) against the same file loaded defer (as before), and defer against the floor',
);
for (const view of ['repeat', 'first']) {
  const v = (key) => (r) => r[view][key];
  console.log(`\n${view} view`);
  header('async', 'defer');
  row('navigation start → fetch() for the POST called', v('navToFetch'), module, deferred);
  row('page received in full → script starts', v('pageToEvaluate'), module, deferred);
  row('page received in full → fetch() for the POST called', v('pageToFetch'), module, deferred);
  header('defer', 'floor');
  row('navigation start → fetch() for the POST called', v('navToFetch'), deferred, floor);
  row('page received in full → fetch() for the POST called', v('pageToFetch'), deferred, floor);
  header('head', 'floor');
  row('navigation start → fetch() for the POST called', v('navToFetch'), head, floor);
  row('page received in full → script starts', v('pageToEvaluate'), head, floor);
  row('script starts → current.jwt request leaves', v('scriptToJwt'), head, floor);
  row('page received in full → fetch() for the POST called', v('pageToFetch'), head, floor);
  if (baseline) {
    header('module', 'baseline');
    for (const [label, key] of [
      ['navigation start → fetch() for the POST called', 'navToFetch'],
      ['page received in full → script starts', 'pageToEvaluate'],
      ['script starts → current.jwt request leaves', 'scriptToJwt'],
      ['page received in full → fetch() for the POST called', 'pageToFetch'],
    ])
      row(label, v(key), module, baseline);
    header('baseline', 'floor');
    row('navigation start → fetch() for the POST called', v('navToFetch'), baseline, floor);
  }
}
if (retracedLoads.length)
  console.log(
    `\nloads made again because their trace lacked the page's events: ${retracedLoads.length} (${retracedLoads.join('; ')})`,
  );
console.log('\nrepeat view, CPU profile (separate load, 50 µs sampling)');
header();
row("samples with the script's frames on the stack (incl. fetch)", (r) => r.profiled);
const classes = (view) =>
  [...new Set(module.results.map((r) => r[view].renderBlocking).filter(Boolean))].join(', ') ||
  'no request (memory cache)';
const fcp = (s, view) => s.results.filter((r) => r[view].fcpBeforeScript === true).length;
console.log(
  `\ndrop-in request render-blocking classification: repeat ${classes('repeat')}; first ${classes('first')} (the floor is inline: it runs while the parser reaches it)`,
);
for (const view of ['repeat', 'first'])
  console.log(
    `first contentful paint before the script ran (${view} view): module ${fcp(module, view)} of ${module.results.length}, floor ${fcp(floor, view)} of ${floor.results.length} runs`,
  );

const isolatedRow = (label, key) => {
  const m = stats(isolated.map((r) => r[`${key}Module`] ?? r[key]));
  const fl = key === 'evaluate' ? null : stats(isolated.map((r) => r[`${key}Floor`]));
  const cell = (v) =>
    `${v.median.toFixed(3)} (${v.min.toFixed(2)}–${v.max.toFixed(2)})`.padStart(24);
  console.log(`${label.padEnd(W)}${cell(m)}${fl ? cell(fl) : ''}`);
};
console.log(
  `\nthe module's JavaScript alone (blank page, fetch answered at once, no network; ${isolated.length} fresh pages, ms median (min–max))`,
);
console.log(`${''.padEnd(W)}${'module'.padStart(24)}${'floor'.padStart(24)}`);
isolatedRow('drop-in file evaluated (no configuration on the page)', 'evaluate');
isolatedRow('first createCurrentCustomer().post(), cold', 'first');
isolatedRow('the same, steady state (mean of 500 calls)', 'steady');
