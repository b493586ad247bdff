// The package as a consumer gets it: the packed package installed in a temporary folder, a consumer file
// type-checked under moduleResolution bundler, node16/nodenext (from an ES module and from CommonJS) and node10;
// the entries loaded with `require()` from a CommonJS project and with `import`; both entries resolved by
// `resolve` 1.x (which eslint-plugin-import's no-unresolved uses); and @arethetypeswrong/cli's verdict on the
// tarball. Needs `npm run build`.
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { CLIENT_ID, CLIENT_SECRET, NOW, STORE_HASH, sign } from '../server/helpers.js';

const root = packageRoot();
const require = createRequire(import.meta.url);
const resolve = require('resolve') as { sync(id: string, options: { basedir: string }): string };

/**
 * Uses the package's global types and both entries. Every line must type-check; each `@ts-expect-error`
 * line must be an error (a mistake the types catch).
 */
const CONSUMER = `
import { createCurrentCustomer, type CurrentCustomerClaims, type StencilCurrentCustomerReady } from 'stencil-current-customer';
import { createCurrentCustomerHandler } from 'stencil-current-customer/server';

document.addEventListener('current-customer:response', (event) => {
  const appClientId: string = event.detail.appClientId;
  const data: unknown = event.detail.data;
  // @ts-expect-error a response carries no claims
  event.detail.claims;
  return [appClientId, data];
});
document.addEventListener('current-customer:token', (event) => {
  const claims: CurrentCustomerClaims = event.detail.claims;
  const id: number | string = event.detail.claims.customer.id;
  return [claims, id];
});
document.addEventListener('current-customer:guest', (event) => event.detail.appClientId.toUpperCase());
document.addEventListener('current-customer:error', (event) => event.detail.error.code);

(window.StencilCurrentCustomerQueue = window.StencilCurrentCustomerQueue || []).push((api) => {
  const client = api.clients['my-app'];
  client?.on('response', (data) => data);
  api.createCurrentCustomer({ appClientId: 'x', endpoint: 'https://app.example.com/' });
});
const ready: StencilCurrentCustomerReady = (api) => api.clients;
window.StencilCurrentCustomerQueue?.push(ready);
// @ts-expect-error a callback receives the API, not a string
window.StencilCurrentCustomerQueue?.push((api: string) => api);
const global = window.StencilCurrentCustomer;
if (global) global.clients['a']?.stop();

createCurrentCustomer({ appClientId: 'x', endpoint: 'https://app.example.com/' });
createCurrentCustomerHandler({ clientId: 'x', clientSecret: 's', storeHash: 'abc123', allowedOrigins: ['https://store.example.com'] });
export {};
`;

type Setting = [name: string, options: ts.CompilerOptions, file: string];
const SETTINGS: Setting[] = [
  [
    'bundler',
    { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
    'consumer.ts',
  ],
  [
    'node16',
    { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
    'consumer.mts',
  ],
  [
    'nodenext',
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
    'consumer.mts',
  ],
  // A .cts file is CommonJS: its imports become require() calls, resolved through the "require" condition to
  // the .d.cts declarations.
  [
    'node16 from CommonJS',
    { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
    'consumer.cts',
  ],
  [
    'nodenext from CommonJS',
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
    'consumer.cts',
  ],
  [
    'node10',
    { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 },
    'consumer.ts',
  ],
];

/** Type-checks `file` in `dir`: the diagnostics as text, empty when it is clean. */
function check(dir: string, file: string, options: ts.CompilerOptions): string[] {
  const program = ts.createProgram([join(dir, file)], {
    ...options,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

let work: string;
/** The package as npm packs it (the `files` field decides what is in it), unpacked, and the tarball itself. */
let packed: string;
let tarball: string;

const run = promisify(execFile);

/**
 * Runs `script` with Node in `dir` with the token to check in TOKEN; its last output line is JSON. A CommonJS
 * script requires the three entries and verifies the token with the server entry.
 */
async function node(dir: string, file: string, script: string, token: string): Promise<unknown> {
  writeFileSync(join(dir, file), script);
  const { stdout } = await run(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, TOKEN: token },
    timeout: 20_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '');
}

const SETTINGS_JSON = JSON.stringify({
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  storeHash: STORE_HASH,
  now: 'NOW',
}).replace('"NOW"', `() => ${NOW * 1000}`);

const REQUIRE_SCRIPT = `
const server = require('stencil-current-customer/server');
const theme = require('stencil-current-customer/theme');
const client = require('stencil-current-customer');
server.createVerifier(${SETTINGS_JSON})(process.env.TOKEN).then((verified) => {
  console.log(JSON.stringify({
    verified,
    kinds: [typeof server.createCurrentCustomerHandler, typeof server.toNodeListener, typeof theme.install, typeof client.createCurrentCustomer],
    server: Object.keys(server).sort(),
  }));
});
`;

const IMPORT_SCRIPT = `
import * as server from 'stencil-current-customer/server';
const verified = await server.createVerifier(${SETTINGS_JSON})(process.env.TOKEN);
console.log(JSON.stringify({ verified, server: Object.keys(server).sort() }));
`;

/** A consumer project in a fresh folder with `pkg` installed as node_modules/stencil-current-customer. */
function project(pkg: string, type: 'module' | 'commonjs' = 'module'): string {
  const dir = mkdtempSync(join(work, 'consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  cpSync(pkg, join(dir, 'node_modules', 'stencil-current-customer'), { recursive: true });
  symlinkSync(join(root, 'node_modules', 'jose'), join(dir, 'node_modules', 'jose'), 'dir');
  writeFileSync(join(dir, 'package.json'), `{"type":"${type}","private":true}\n`);
  for (const [, , file] of SETTINGS) writeFileSync(join(dir, file), CONSUMER);
  return dir;
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'types', 'server', 'index.d.ts')))
    throw new Error('dist/ is missing: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'scc-consumer-'));
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    }),
  ) as [{ filename: string }];
  tarball = join(work, filename);
  packed = join(work, 'package');
  mkdirSync(packed);
  execFileSync('tar', ['-xzf', join(work, filename), '-C', packed, '--strip-components=1']);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package in a consumer project', () => {
  it.each(SETTINGS)('type-checks under moduleResolution %s', (_name, options, file) => {
    expect(check(project(packed), file, options)).toEqual([]);
  });

  it('a CommonJS project requires all three entries, and the server entry verifies a token', async () => {
    const token = await sign();
    const cjs = (await node(project(packed, 'commonjs'), 'check.js', REQUIRE_SCRIPT, token)) as {
      verified: { customer: { id: number }; storeHash: string };
      kinds: string[];
      server: string[];
    };
    expect(cjs.verified.customer.id).toBe(4927);
    expect(cjs.verified.storeHash).toBe(STORE_HASH);
    expect(cjs.kinds).toEqual(['function', 'function', 'function', 'function']);
    // The same implementation: `import` in an ES module project sees the same exports and the same verdict.
    const esm = (await node(project(packed), 'check.js', IMPORT_SCRIPT, token)) as typeof cjs;
    expect(esm.verified).toEqual(cjs.verified);
    expect(esm.server).toEqual(cjs.server);
  });

  it('require() finds no CommonJS build once the "require" condition is gone (the check can fail)', async () => {
    const dir = project(packed, 'commonjs');
    const manifestFile = join(dir, 'node_modules', 'stencil-current-customer', 'package.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.exports['./server'] = { import: manifest.exports['./server'].import };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    await expect(node(dir, 'check.js', REQUIRE_SCRIPT, await sign())).rejects.toThrow(
      /ERR_PACKAGE_PATH_NOT_EXPORTED|ERR_REQUIRE_ESM|ERR_REQUIRE_ASYNC_MODULE/,
    );
  });

  it('@arethetypeswrong/cli finds no problem in the tarball (node10, node16 from CJS and ESM, bundler)', async () => {
    // .attw.json at the root excludes ./drop-in: a classic script for a <script> tag, not a module to import.
    const { stdout } = await run(
      'npx',
      [
        '--no-install',
        'attw',
        tarball,
        '--format',
        'json',
        '--config-path',
        join(root, '.attw.json'),
      ],
      { cwd: root, timeout: 60_000 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      analysis: { entrypoints: Record<string, unknown> };
      problems: Record<string, unknown>;
    };
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(
      ['.', './package.json', './server', './theme'].sort(),
    );
    expect(report.problems).toEqual({});
  });

  it('@arethetypeswrong/cli reports a package whose CommonJS types are missing', async () => {
    const dir = mkdtempSync(join(work, 'broken-'));
    cpSync(packed, join(dir, 'package'), { recursive: true });
    const manifestFile = join(dir, 'package', 'package.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.exports['./server'].require.types = manifest.exports['./server'].import.types;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    execFileSync('tar', ['-czf', join(dir, 'broken.tgz'), '-C', dir, 'package']);
    const { stdout } = await run(
      'npx',
      [
        '--no-install',
        'attw',
        join(dir, 'broken.tgz'),
        '--format',
        'json',
        '--config-path',
        join(root, '.attw.json'),
      ],
      { cwd: root, timeout: 60_000 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const { problems } = JSON.parse(stdout) as { problems: Record<string, unknown> };
    expect(Object.keys(problems)).not.toEqual([]);
  });

  it('the consumer file catches mistakes: without the global types, the event detail is an error', () => {
    const dir = project(packed);
    writeFileSync(
      join(dir, 'consumer.ts'),
      CONSUMER.replace(/^import .*$/gm, '').replace(/^export \{\};$/m, 'export {};'),
    );
    expect(check(dir, 'consumer.ts', SETTINGS[0]?.[1] ?? {}).join('\n')).toMatch(
      /Property 'detail' does not exist|StencilCurrentCustomerQueue/,
    );
  });

  it('node10 finds the /server types through typesVersions (without it, it cannot)', () => {
    const dir = project(packed);
    const manifest = join(dir, 'node_modules', 'stencil-current-customer', 'package.json');
    const { typesVersions: _, ...rest } = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify(rest));
    rmSync(join(dir, 'node_modules', 'stencil-current-customer', 'server'), { recursive: true });
    const [, options, file] = SETTINGS.find(([name]) => name === 'node10') as Setting;
    expect(check(dir, file, options).join('\n')).toMatch(
      /Cannot find module 'stencil-current-customer\/server'/,
    );
  });

  it('resolve 1.x finds both entries', () => {
    const dir = project(packed);
    const pkg = join(dir, 'node_modules', 'stencil-current-customer');
    // resolve 1.x follows "main", which is the CommonJS build (what `require` gets on any resolver).
    expect(resolve.sync('stencil-current-customer', { basedir: dir })).toBe(
      join(pkg, 'dist', 'client.cjs'),
    );
    expect(resolve.sync('stencil-current-customer/server', { basedir: dir })).toBe(
      join(pkg, 'dist', 'server.cjs'),
    );
    for (const entry of ['client.cjs', 'server.cjs'])
      expect(existsSync(join(pkg, 'dist', entry))).toBe(true);
  });

  it('typesVersions maps every subpath entry of `exports` to its CommonJS types (node10 is CommonJS)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { require?: { types: string } }>;
      typesVersions: Record<string, Record<string, string[]>>;
    };
    const mapped = manifest.typesVersions['*'] ?? {};
    let subpaths = 0;
    for (const [key, target] of Object.entries(manifest.exports)) {
      if (key === '.' || typeof target === 'string' || !target.require) continue;
      subpaths += 1;
      expect(mapped[key.slice(2)], key).toEqual([target.require.types.slice(2)]);
    }
    expect(subpaths).toBe(2);
  });
});
