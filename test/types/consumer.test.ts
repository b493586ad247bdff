// The package's types as a consumer gets them: the packed package installed in a temporary folder, a
// consumer file type-checked under moduleResolution bundler, node16 and node10, and both entries resolved
// by `resolve` 1.x (which eslint-plugin-import's no-unresolved uses). Needs `npm run build`.
import { execFileSync } from 'node:child_process';
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
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

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
/** The package as npm packs it (the `files` field decides what is in it). */
let packed: string;

/** A consumer project in a fresh folder with `pkg` installed as node_modules/stencil-current-customer. */
function project(pkg: string): string {
  const dir = mkdtempSync(join(work, 'consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  cpSync(pkg, join(dir, 'node_modules', 'stencil-current-customer'), { recursive: true });
  symlinkSync(join(root, 'node_modules', 'jose'), join(dir, 'node_modules', 'jose'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module","private":true}\n');
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
    const [, options, file] = SETTINGS[2] as Setting;
    expect(check(dir, file, options).join('\n')).toMatch(
      /Cannot find module 'stencil-current-customer\/server'/,
    );
  });

  it('resolve 1.x finds both entries', () => {
    const dir = project(packed);
    const pkg = join(dir, 'node_modules', 'stencil-current-customer');
    expect(resolve.sync('stencil-current-customer', { basedir: dir })).toBe(
      join(pkg, 'dist', 'client.js'),
    );
    expect(resolve.sync('stencil-current-customer/server', { basedir: dir })).toBe(
      join(pkg, 'dist', 'server.js'),
    );
    for (const entry of ['client.js', 'server.js'])
      expect(existsSync(join(pkg, 'dist', entry))).toBe(true);
  });

  it('typesVersions maps every subpath entry of `exports` that has types', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types?: string }>;
      typesVersions: Record<string, Record<string, string[]>>;
    };
    const mapped = manifest.typesVersions['*'] ?? {};
    for (const [key, target] of Object.entries(manifest.exports)) {
      if (key === '.' || typeof target === 'string' || !target.types) continue;
      expect(mapped[key.slice(2)], key).toEqual([target.types.slice(2)]);
    }
  });
});
