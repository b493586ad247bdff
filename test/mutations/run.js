// npm run test:mutations: applies each mutation of list.js to a scratch copy of the package (node_modules linked, not
// copied), runs only the test that claims to cover it, and fails if any mutation survives. Before that, it checks
// that every search pattern matches once, and that every named test passes on the unmutated copy (a test that
// already fails, or that no test name matches, would "kill" anything).
// Usage: node test/mutations/run.js [--only id,id] [--keep]
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS } from './list.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
/** A hung run is a failure to report, not a kill. */
const RUN_TIMEOUT_MS = 5 * 60_000;

function parseArgs(argv) {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]?.split(',') : undefined;
  return { only, keep: argv.includes('--keep') };
}

/** A mutation's edits: its one search/replace, or its list. */
const editsOf = (m) => m.edits ?? [{ search: m.search, replace: m.replace }];

/** Mutations whose search does not match exactly once, as messages naming each. */
function stalePatterns(mutations) {
  const problems = [];
  for (const m of mutations) {
    let text;
    try {
      text = readFileSync(join(ROOT, m.file), 'utf8');
    } catch {
      problems.push(`${m.id}: ${m.file} does not exist`);
      continue;
    }
    for (const [i, { search }] of editsOf(m).entries()) {
      const count = text.split(search).length - 1;
      if (count !== 1) {
        const which = m.edits ? `its search #${i + 1}` : 'its search';
        problems.push(
          `${m.id}: ${which} ${count === 0 ? 'no longer matches' : `matches ${count} times`} in ${m.file}`,
        );
      }
    }
  }
  return problems;
}

/** A copy of the files git knows (tracked or new, not ignored), with node_modules linked. */
function fillScratchCopy(dir) {
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  const listed = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0')) {
    // node_modules may itself be a link, which git then lists as a file.
    if (!file || file === 'node_modules') continue;
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    try {
      cpSync(join(ROOT, file), target);
    } catch {
      // A file deleted in the work tree but still tracked.
    }
  }
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs one test file (and test name) in the scratch copy; reads vitest's JSON report. */
function runTest(dir, tests) {
  mkdirSync(join(dir, '.tmp'), { recursive: true });
  const report = join(dir, '.tmp', 'mutation-report.json');
  rmSync(report, { force: true });
  const args = [VITEST, 'run', tests.file, '--reporter=json', `--outputFile=${report}`];
  if (tests.name) args.push('-t', escapeRegExp(tests.name));
  const started = performance.now();
  const run = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    // The scratch copy has no ../shared beside it: the real-Cornerstone tests there skip rather than fail
    // (no mutation here is about Cornerstone), even when CI requires them for the main run.
    env: { ...process.env, FORCE_COLOR: '0', REQUIRE_CORNERSTONE: '' },
  });
  const seconds = (performance.now() - started) / 1000;
  let passed = 0;
  let failed = [];
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed = json.numPassedTests;
    failed = json.testResults.flatMap((file) =>
      file.assertionResults.filter((t) => t.status === 'failed').map((t) => t.title),
    );
  } catch {
    // No report: the run did not get that far (reported below as a run that did not test).
  }
  const timedOut = run.error?.code === 'ETIMEDOUT';
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  return { status: run.status, timedOut, passed, failed, seconds, output };
}

function build(dir) {
  const run = spawnSync('npm', ['run', 'build', '--silent'], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the build failed:\n${run.stdout}${run.stderr}`);
}

const describeTest = (tests) => (tests.name ? `${tests.file} "${tests.name}"` : tests.file);

function printTable(rows) {
  const header = ['mutation', 'test', 'killed', 'seconds'];
  const cells = rows.map((r) => [r.id, r.test, r.killed, r.seconds.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

function main() {
  const { only, keep } = parseArgs(process.argv.slice(2));
  const mutations = only ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
  if (only && mutations.length !== only.length) {
    const known = new Set(MUTATIONS.map((m) => m.id));
    console.error(`unknown mutation: ${only.filter((id) => !known.has(id)).join(', ')}`);
    return 2;
  }
  const stale = stalePatterns(mutations);
  if (stale.length > 0) {
    console.error(`ERROR: ${stale.length} mutation(s) no longer match their code:`);
    for (const problem of stale) console.error(`  ${problem}`);
    return 2;
  }

  const startedAll = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'stencil-current-customer-mutations-'));
  console.log(`scratch copy: ${dir}`);
  let failures = 0;
  try {
    fillScratchCopy(dir);
    if (mutations.some((m) => m.build)) build(dir);

    // The named tests must pass unmutated, and must exist.
    const baselines = new Map();
    for (const m of mutations) {
      const key = describeTest(m.tests);
      if (baselines.has(key)) continue;
      const result = runTest(dir, m.tests);
      baselines.set(key, result);
      if (result.status !== 0 || result.passed === 0) {
        failures++;
        console.error(
          `ERROR: ${key} does not pass unmutated (${result.passed} passed, exit ${result.status}${result.timedOut ? ', timed out' : ''}):\n${result.output}`,
        );
      }
    }
    if (failures > 0) return 1;

    const rows = [];
    for (const m of mutations) {
      const path = join(dir, m.file);
      const original = readFileSync(path, 'utf8');
      const mutated = editsOf(m).reduce(
        (text, { search, replace }) => text.replace(search, () => replace),
        original,
      );
      writeFileSync(path, mutated);
      let result;
      try {
        if (m.build) build(dir);
        result = runTest(dir, m.tests);
      } finally {
        writeFileSync(path, original);
        if (m.build) build(dir);
      }
      let killed;
      if (result.failed.length > 0) killed = `yes (${result.failed.length} failed)`;
      else if (result.timedOut) killed = 'ERROR: timed out';
      else if (result.status !== 0) killed = 'ERROR: no test ran';
      else killed = 'NO, survived';
      if (!killed.startsWith('yes')) {
        failures++;
        if (result.status !== 0) console.error(`${m.id}:\n${result.output}`);
      }
      rows.push({ id: m.id, test: describeTest(m.tests), killed, seconds: result.seconds });
    }
    console.log('');
    printTable(rows);
    const total = (performance.now() - startedAll) / 1000;
    const killedCount = rows.filter((r) => r.killed.startsWith('yes')).length;
    console.log(
      `\n${killedCount} of ${rows.length} mutations killed; total ${total.toFixed(1)} s (baseline runs and builds included)`,
    );
    for (const r of rows) {
      if (!r.killed.startsWith('yes')) {
        const m = mutations.find((x) => x.id === r.id);
        console.log(`survived or not tested: ${r.id}: ${m?.rule}`);
      }
    }
  } finally {
    if (keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return failures > 0 ? 1 : 0;
}

process.exitCode = main();
