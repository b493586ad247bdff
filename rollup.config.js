// Builds the package:
// - dist/client.js, dist/server.js, dist/theme.js, dist/cli.js: ESM for Node, bundlers and edge runtimes (dependencies stay external);
// - dist/client.cjs, dist/server.cjs, dist/theme.cjs: the same sources compiled again as CommonJS, for `require()`
//   (their declarations, dist/types/**/*.d.cts, are written by scripts/cjs-types.js after tsc);
// - assets/current-customer/current-customer.min.js: the drop-in IIFE for Stencil themes, with no dependency inside,
//   minified, and refused when it grows past the gzip budget;
// - assets/current-customer/current-customer-list.min.js: the list add-on, a second small IIFE a theme loads
//   only on pages that show a list; it reaches the drop-in through the ready queue, so it bundles none of it.
import { rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

/** The list add-on loads only where a list is shown; still, it stays small. */
const LIST_ADD_ON_GZIP_BUDGET = 1024;

/**
 * The drop-in file ships to every shopper on every page: its gzipped size is a budget, not a wish. Set at the
 * measured size: 4,606 bytes for the client, its tabs and fields, plus 55 for the `body: 'json'` option that
 * keeps hand-written JSON backends working, plus 134 for the tabs' presence records, which spare a shopper's only
 * tab a 50-ms wait for replies on every page view (bench:page at RTT=100: first view 57 ms and repeat view 64 ms
 * sooner, beside the build without them in one run), plus 334 for taking over the partial's early start (early.ts:
 * at RTT=100 the first view went from 2.5 RTT behind an inline script written for the page to level with it).
 * Raise it only with a reason, in the commit that needs it.
 */
export const DROP_IN_GZIP_BUDGET = 5129;

const isBare = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');

const ts = () =>
  typescript({
    tsconfig: './tsconfig.build.json',
    compilerOptions: {
      declaration: false,
      emitDeclarationOnly: false,
      sourceMap: true,
      outDir: undefined,
    },
    noEmitOnError: true,
  });

/** The minifier of the files that ship to shoppers (the drop-in and the list add-on). */
const minify = (options = {}) =>
  terser({
    ecma: 2020,
    // pure_new: an unused `new X()` is dropped (jose's module-level `new TextEncoder()`). Never
    // write `new URL(x)` just to validate `x`: assign the result.
    compress: { passes: 2, pure_new: true },
    format: { comments: false },
    ...options,
  });

/** Empties the output folder first, so chunks of earlier builds do not pile up in the package. */
function emptyDir(dir) {
  return {
    name: 'empty-dir',
    buildStart() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `import.meta.url` in CommonJS (paths.ts finds the package root with it): the file's own URL, from Node's
 * __filename, instead of Rollup's shim for browsers and Node alike.
 */
function commonJsImportMetaUrl() {
  return {
    name: 'cjs-import-meta-url',
    resolveImportMeta(property, { format }) {
      if (format === 'cjs' && property === 'url')
        return "require('node:url').pathToFileURL(__filename).href";
      return null;
    },
  };
}

function gzipBudget(limit) {
  return {
    name: 'gzip-budget',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const gzipped = gzipSync(chunk.code, { level: 9 }).length;
        if (gzipped > limit) {
          this.error(
            `${chunk.fileName} is ${gzipped} bytes gzipped, over its budget of ${limit} bytes`,
          );
        }
      }
    },
  };
}

export default [
  {
    input: {
      client: 'src/client/index.ts',
      server: 'src/server/index.ts',
      theme: 'src/theme/index.ts',
      cli: 'src/cli.ts',
    },
    external: isBare,
    output: {
      dir: 'dist',
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
    plugins: [emptyDir('dist'), ts()],
  },
  // CommonJS: one implementation, compiled a second time. A project that both imports and requires the package
  // loads two copies of it (the dual-package hazard), and that is harmless here because no module state matters:
  // - server: a verifier or handler holds its keys, options and caches in the object createVerifier or
  //   createCurrentCustomerHandler returns. The one module-level table, endpoint.ts's WeakMap from a handler to
  //   its endpoint, is a shortcut: a handler made by one copy and given to the other copy's toNodeListener is
  //   served through the general Fetch path instead, with the same answers.
  // - theme: reads and writes files, nothing kept between calls.
  // - client: the state shared by a page lives on `window` (StencilCurrentCustomer), whichever copy made it.
  // What differs across copies: `instanceof CurrentCustomerTokenError` is false for an error thrown by the other
  // copy; `error.name` and `error.code` are the same.
  {
    input: {
      client: 'src/client/index.ts',
      server: 'src/server/index.ts',
      theme: 'src/theme/index.ts',
    },
    external: isBare,
    output: {
      dir: 'dist',
      format: 'cjs',
      sourcemap: true,
      entryFileNames: '[name].cjs',
      chunkFileNames: 'chunks/[name]-[hash].cjs',
      // Named exports only: `require('stencil-current-customer/server').createVerifier`, no `.default`.
      exports: 'named',
      generatedCode: 'es2015',
    },
    plugins: [ts(), commonJsImportMetaUrl()],
  },
  {
    input: 'src/client/boot.ts',
    output: {
      file: 'assets/current-customer/current-customer.min.js',
      format: 'iife',
      sourcemap: true,
      plugins: [
        minify({
          // Internal names: a property whose name starts with `_` belongs to the module alone (the client's
          // state, state.ts, and the objects its modules hand each other) and is renamed to a short one here.
          // Public API, options, event details and the tabs' messages never start with `_`, so they keep
          // their names. The ESM and CommonJS builds keep every name as written.
          mangle: { properties: { regex: /^_/ } },
        }),
      ],
    },
    plugins: [ts(), nodeResolve({ browser: true }), gzipBudget(DROP_IN_GZIP_BUDGET)],
  },
  {
    input: 'src/client/list-boot.ts',
    output: {
      file: 'assets/current-customer/current-customer-list.min.js',
      format: 'iife',
      sourcemap: true,
      plugins: [minify()],
    },
    plugins: [ts(), gzipBudget(LIST_ADD_ON_GZIP_BUDGET)],
  },
];
