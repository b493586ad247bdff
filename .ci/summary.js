// Prints vitest's JSON report as closing lines: one per browser engine ("[firefox] N passed, N failed,
// N skipped, N s in its tests"), then "N passed, N failed, N skipped". A test file that failed before
// running any test (an import error, a throwing hook) counts as one failure.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const brokenFiles = report.testResults.filter(
  (file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed'),
).length;

// Browser tests are named by engine: `[chromium] …` is the first title of their describe block.
const engines = new Map();
for (const file of report.testResults) {
  for (const test of file.assertionResults) {
    const engine = /^\[(\w+)\]/.exec(test.ancestorTitles?.[0] ?? '')?.[1];
    if (!engine) continue;
    const row = engines.get(engine) ?? { passed: 0, failed: 0, skipped: 0, ms: 0 };
    if (test.status === 'passed') row.passed++;
    else if (test.status === 'failed') row.failed++;
    else row.skipped++;
    row.ms += test.duration ?? 0;
    engines.set(engine, row);
  }
}
for (const [engine, row] of [...engines].sort()) {
  console.log(
    `[${engine}] ${row.passed} passed, ${row.failed} failed, ${row.skipped} skipped, ${Math.round(row.ms / 1000)} s in its tests`,
  );
}

const passed = report.numPassedTests;
const failed = report.numFailedTests + brokenFiles;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (!report.success || passed === 0 || failed > 0) process.exit(1);
