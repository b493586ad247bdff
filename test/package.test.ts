// The package as its users get it: the built entries behind `exports`, their declarations, and what they import.
// Needs `npm run build` (which `npm test` runs first).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/paths.js';

const root = packageRoot();
interface Target {
  types: string;
  default: string;
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { import: Target; require: Target }>;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
  main: string;
  types: string;
};

/** Every file a declaration file reaches through relative imports, itself included. */
function declarationGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    source.forEachChild((node) => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier) &&
        node.moduleSpecifier.text.startsWith('.')
      ) {
        const specifier = node.moduleSpecifier.text;
        visit(join(file, '..', specifier.replace(/\.js$/, '.d.ts').replace(/\.cjs$/, '.d.cts')));
      }
    });
  };
  visit(entry);
  return [...seen];
}

function anyKeywords(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  const walk = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${file}:${line + 1}`);
    }
    node.forEachChild(walk);
  };
  walk(source);
  return found;
}

/** Bare module specifiers a built module imports (static and dynamic imports, require calls). */
function bareImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const specifiers = [
    ...code.matchAll(/(?:^import[^'"]*|\bimport\(|\brequire\()\s*['"]([^'"]+)['"]/gm),
  ].map((match) => match[1] as string);
  return specifiers.filter((specifier) => !specifier.startsWith('.'));
}

/** Bare imports of a built entry and of every chunk it reaches through relative imports and requires. */
function bareImportsDeep(entry: string): string[] {
  const seen = new Set<string>();
  const found = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(
      /(?:\bfrom|^import|\bimport\(|\brequire\()\s*['"](\.[^'"]+)['"]/gm,
    ))
      visit(join(file, '..', match[1] as string));
    for (const specifier of bareImports(file)) found.add(specifier);
  };
  visit(entry);
  return [...found].sort();
}

/** The names a declaration entry exports (types and values, re-exports followed). */
function exportedNames(entry: string): string[] {
  const program = ts.createProgram([entry], { noEmit: true, noLib: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${entry} is not a module`);
  return checker
    .getExportsOfModule(module)
    .map((symbol) => symbol.name)
    .sort();
}

/** Names both entries export: each would mean one thing in the browser and another on the server. */
function sharedNames(first: string, second: string): string[] {
  const names = new Set(exportedNames(first));
  return exportedNames(second).filter((name) => names.has(name));
}

describe('the built package', () => {
  const entries = Object.entries(manifest.exports).filter(([key]) => key !== './package.json');

  it.each(entries)('export %s points at files that exist', (_key, target) => {
    const files =
      typeof target === 'string'
        ? [target]
        : [
            target.import.types,
            target.import.default,
            target.require.types,
            target.require.default,
          ];
    for (const file of files) expect(existsSync(join(root, file)), file).toBe(true);
  });

  it.each(['.', './server', './theme'])(
    'export %s has an ES module build with .d.ts types and a CommonJS build with .d.cts types',
    (key) => {
      const target = manifest.exports[key];
      if (typeof target !== 'object') throw new Error(`export ${key} has no conditions`);
      expect(Object.keys(target)).toEqual(['import', 'require']);
      expect(target.import.default).toMatch(/\.js$/);
      expect(target.import.types).toMatch(/\.d\.ts$/);
      expect(target.require.default).toMatch(/\.cjs$/);
      expect(target.require.types).toMatch(/\.d\.cts$/);
      // The CommonJS build is the same entry compiled again, not a wrapper around the ES module.
      expect(readFileSync(join(root, target.require.default), 'utf8')).toMatch(/^'use strict';/);
    },
  );

  it('"main" and "types" (for resolvers without "exports") are the CommonJS build and its types', () => {
    const dot = manifest.exports['.'];
    if (typeof dot !== 'object') throw new Error('export . has no conditions');
    expect(`./${manifest.main.replace(/^\.\//, '')}`).toBe(dot.require.default);
    expect(`./${manifest.types.replace(/^\.\//, '')}`).toBe(dot.require.types);
  });

  it.each(['client', 'server', 'theme'])(
    'the CommonJS declarations of %s import only CommonJS declarations',
    (entry) => {
      const files = declarationGraph(join(root, 'dist/types', entry, 'index.d.cts'));
      expect(files.length).toBeGreaterThan(1);
      for (const file of files) {
        expect(file.endsWith('.d.cts'), file).toBe(true);
        expect(existsSync(file), file).toBe(true);
      }
    },
  );

  it('the bin exists and starts with a shebang', () => {
    for (const file of Object.values(manifest.bin)) {
      expect(readFileSync(join(root, file), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });

  it.each(['.', './server'])(
    'the public types of %s hold no `any` (ES module and CommonJS)',
    (key) => {
      const target = manifest.exports[key];
      if (typeof target !== 'object') throw new Error(`export ${key} has no types`);
      for (const types of [target.import.types, target.require.types]) {
        const files = declarationGraph(join(root, types));
        expect(files.length).toBeGreaterThan(1);
        expect(files.flatMap(anyKeywords)).toEqual([]);
      }
    },
  );

  it.each(['dist/server.js', 'dist/server.cjs', 'dist/client.js', 'dist/client.cjs'])(
    '%s imports nothing, its chunks included: no dependency, nothing Node-only',
    (file) => {
      expect(bareImportsDeep(join(root, file))).toEqual([]);
    },
  );

  it('the theme entry imports Node built-ins only', () => {
    for (const file of ['dist/theme.js', 'dist/theme.cjs']) {
      const found = bareImportsDeep(join(root, file));
      expect(found.length, file).toBeGreaterThan(0);
      expect(found.filter((specifier) => !specifier.startsWith('node:'))).toEqual([]);
    }
  });

  it('the package has no runtime dependency', () => {
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('the deep import check follows chunks to a bare import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scc-imports-'));
    writeFileSync(join(dir, 'entry.cjs'), "'use strict';\nconst chunk = require('./chunk.cjs');\n");
    writeFileSync(join(dir, 'chunk.cjs'), "'use strict';\nconst jose = require('jose');\n");
    expect(bareImportsDeep(join(dir, 'entry.cjs'))).toEqual(['jose']);
  });

  it('every folder of src/ read at run time (the demo theme, the panel) is in the package', () => {
    const files = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }
    ).files;
    const read = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          const code = readFileSync(path, 'utf8');
          for (const match of code.matchAll(
            /join\((?:packageRoot\(\)|\w+), 'src', ((?:'[^']+'(?:, )?)+)\)/g,
          ))
            read.add(
              `src/${[...(match[1] as string).matchAll(/'([^']+)'/g)].map((m) => m[1]).join('/')}`,
            );
        }
      }
    };
    walk(join(root, 'src'));
    expect([...read].sort()).toEqual(
      expect.arrayContaining(['src/dev/demo-theme', 'src/dev/panel']),
    );
    for (const path of read)
      expect(
        files.some((entry) => path === entry || path.startsWith(`${entry}/`)),
        `${path} is read at run time but not in "files"`,
      ).toBe(true);
  });

  it.each(['current-customer.min.js', 'current-customer-list.min.js'])(
    'the browser file %s is self-contained: no import, no require',
    (name) => {
      const code = readFileSync(join(root, 'assets/current-customer', name), 'utf8');
      expect(code).not.toMatch(/\bimport\s*[({'"]|\brequire\(/);
    },
  );

  it('the list add-on bundles none of the drop-in: it reaches it through the ready queue', () => {
    const code = readFileSync(
      join(root, 'assets/current-customer/current-customer-list.min.js'),
      'utf8',
    );
    expect(code).toContain('StencilCurrentCustomerQueue');
    expect(code).not.toContain('current.jwt');
  });

  it('the browser and server entries share no exported name', () => {
    const client = join(root, 'dist/types/client/index.d.ts');
    const server = join(root, 'dist/types/server/index.d.ts');
    // Both lists are real: the check below compares something.
    expect(exportedNames(client)).toContain('createCurrentCustomer');
    expect(exportedNames(server)).toEqual(
      expect.arrayContaining(['createVerifier', 'VerifiedCustomer', 'VerifiedClaims']),
    );
    expect(sharedNames(client, server)).toEqual([]);
  });

  it('the shared-name check finds a name both entries export', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scc-names-'));
    writeFileSync(
      join(dir, 'a.d.ts'),
      'export interface Shared { a: 1 }\nexport declare const onlyA: 1;\n',
    );
    writeFileSync(join(dir, 'inner.d.ts'), 'export interface Shared { b: 2 }\n');
    writeFileSync(join(dir, 'b.d.ts'), "export type { Shared } from './inner.js';\n");
    expect(sharedNames(join(dir, 'a.d.ts'), join(dir, 'b.d.ts'))).toEqual(['Shared']);
  });

  it('the `any` check finds an `any` where there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scc-types-'));
    const file = join(dir, 'index.d.ts');
    writeFileSync(file, 'export declare function f(x: Record<string, any>): void;\n');
    expect(anyKeywords(file)).toEqual([`${file}:1`]);
  });
});
