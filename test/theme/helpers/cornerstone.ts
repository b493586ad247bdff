// Where the real Cornerstone 6.21.0 is, for the tests that prove compatibility with it. It is not part of the
// repository: CI keeps it in `../shared/fixtures/cornerstone-6.21.0/` beside the repository; elsewhere, name
// a copy with CORNERSTONE_DIR. Without it those tests are skipped, unless REQUIRE_CORNERSTONE=1 (as in CI)
// makes a missing copy a failure.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BESIDE_REPOSITORY = fileURLToPath(
  new URL('../../../../shared/fixtures/cornerstone-6.21.0/', import.meta.url),
);

function findCornerstone(): string | undefined {
  const named = process.env.CORNERSTONE_DIR;
  const candidate = named ? resolve(named) : BESIDE_REPOSITORY;
  if (existsSync(join(candidate, 'config.json'))) return candidate;
  if (named || process.env.REQUIRE_CORNERSTONE === '1') {
    throw new Error(
      `the real Cornerstone 6.21.0 is required (REQUIRE_CORNERSTONE=1) but ${join(candidate, 'config.json')} does not exist`,
    );
  }
  return undefined;
}

/** The real Cornerstone 6.21.0 (read-only), or undefined when it is not available. */
export const CORNERSTONE: string | undefined = findCornerstone();

/** Why the Cornerstone tests are skipped, in one line, or undefined when they run. */
export const CORNERSTONE_SKIPPED: string | undefined = CORNERSTONE
  ? undefined
  : `skipped: the real Cornerstone 6.21.0 is not beside the repository (../shared/fixtures/cornerstone-6.21.0/); set CORNERSTONE_DIR=<folder> to run these tests`;

let told = false;

/** Says once per test file why the Cornerstone tests are skipped; returns whether they are. */
export function skipCornerstone(): boolean {
  if (CORNERSTONE_SKIPPED && !told) {
    told = true;
    console.warn(CORNERSTONE_SKIPPED);
  }
  return CORNERSTONE === undefined;
}
