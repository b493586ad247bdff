// TypeScript 7 (what `npm install -D typescript` installs today, a native compiler with its own `tsc`) type-checks
// a consumer of the packed package under moduleResolution bundler and nodenext, from an ES module and from
// CommonJS. It is installed into a temporary project, never into the repository (its `tsc` would replace the
// 5.9 one the build uses). TypeScript 7 has removed `node10`; the last test pins that, and the docs say it.
//
// The registry must be reachable for the install (npm's cache is tried first). When it is not, the tests skip
// with one line, except in CI (CI=true or REQUIRE_NETWORK=1), where they fail saying so. Needs `npm run build`.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { packageRoot } from '../../src/paths.js';

const VERSION = '7.0.2';
const root = packageRoot();
const run = promisify(execFile);
const NETWORK_REQUIRED = process.env.CI === 'true' || process.env.REQUIRE_NETWORK === '1';
/** npm's codes for a registry it cannot reach. */
const UNREACHABLE =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED)\b/;

const CONSUMER = `
import { createCurrentCustomer, type CurrentCustomerClaims } from 'stencil-current-customer';
import { createCurrentCustomerHandler, createVerifier, type VerifiedCustomer } from 'stencil-current-customer/server';

createCurrentCustomer({ appClientId: 'x', endpoint: 'https://app.example.com/' });
createCurrentCustomerHandler({ clientId: 'x', clientSecret: 's', storeHash: 'abc123', allowedOrigins: ['https://store.example.com'] });
const verified: Promise<VerifiedCustomer> = createVerifier({ clientId: 'x', clientSecret: 's', storeHash: 'abc123' })('t');
document.addEventListener('current-customer:token', (event) => {
  const claims: CurrentCustomerClaims = event.detail.claims;
  return claims;
});
// @ts-expect-error the options need an endpoint (an unused directive is an error: the types are really read)
createCurrentCustomer({ appClientId: 'x' });
export { verified };
`;

let work: string;
let tsc: string;
let unreachable: string | null = null;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'server.cjs')))
    throw new Error('dist/ is missing: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'scc-ts7-'));
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    }),
  ) as [{ filename: string }];
  writeFileSync(join(work, 'package.json'), '{"private":true,"type":"module"}\n');
  try {
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        `typescript@${VERSION}`,
        join(work, filename),
      ],
      { cwd: work, timeout: 150_000 },
    );
  } catch (error) {
    const output = `${(error as { stderr?: string }).stderr ?? ''} ${(error as Error).message}`;
    if (!UNREACHABLE.test(output)) throw error;
    unreachable = output.match(UNREACHABLE)?.[1] ?? 'unreachable';
  }
  tsc = join(work, 'node_modules', 'typescript', 'bin', 'tsc');
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

let skipNoted = false;
/** Skips (with one line) or fails when TypeScript 7 could not be installed. */
function needsTypeScript7(context: TestContext): void {
  if (unreachable === null) return;
  const why = `typescript@${VERSION} could not be installed: the npm registry is unreachable (${unreachable})`;
  if (NETWORK_REQUIRED) throw new Error(`${why}; CI needs it (CI=true or REQUIRE_NETWORK=1)`);
  if (!skipNoted) console.warn(`skipped: ${why}`);
  skipNoted = true;
  context.skip();
}

/** Runs TypeScript 7's tsc on `files` with `options`: its output, empty when the check is clean. */
async function check(options: string[], files: string[]): Promise<string> {
  try {
    await run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--lib',
        'es2022,dom',
        '--skipLibCheck',
        'false',
        ...options,
        ...files,
      ],
      { cwd: work, timeout: 60_000 },
    );
    return '';
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return `${stdout}${stderr}`.trim() || (error as Error).message;
  }
}

describe(`TypeScript ${VERSION} on a consumer of the packed package`, () => {
  it('is the version asked for', async (context) => {
    needsTypeScript7(context);
    const { stdout } = await run(process.execPath, [tsc, '--version'], {
      cwd: work,
      timeout: 30_000,
    });
    expect(stdout).toContain(`Version ${VERSION}`);
  });

  it('type-checks under moduleResolution bundler', async (context) => {
    needsTypeScript7(context);
    writeFileSync(join(work, 'bundler.ts'), CONSUMER);
    expect(
      await check(['--module', 'esnext', '--moduleResolution', 'bundler'], ['bundler.ts']),
    ).toBe('');
  });

  it('type-checks under moduleResolution nodenext, from an ES module and from CommonJS', async (context) => {
    needsTypeScript7(context);
    writeFileSync(join(work, 'esm.mts'), CONSUMER);
    writeFileSync(join(work, 'cjs.cts'), CONSUMER);
    expect(
      await check(
        ['--module', 'nodenext', '--moduleResolution', 'nodenext'],
        ['esm.mts', 'cjs.cts'],
      ),
    ).toBe('');
  });

  it('catches a mistake (the check can fail)', async (context) => {
    needsTypeScript7(context);
    writeFileSync(
      join(work, 'mistake.ts'),
      CONSUMER.replace("storeHash: 'abc123'", 'storeHash: 42'),
    );
    expect(
      await check(['--module', 'esnext', '--moduleResolution', 'bundler'], ['mistake.ts']),
    ).toMatch(/TS2322|TS2769|storeHash/);
  });

  it('has no node10 resolution any more (the docs promise node10 on TypeScript 5 only)', async (context) => {
    needsTypeScript7(context);
    writeFileSync(join(work, 'node10.ts'), CONSUMER);
    expect(
      await check(['--module', 'commonjs', '--moduleResolution', 'node10'], ['node10.ts']),
    ).toMatch(/TS5108/);
  });
});
