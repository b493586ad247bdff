// Prints the size of the drop-in file (as built by `npm run build`) against its gzip budget, and, for
// comparison, the size of jose's decodeJwt alone, bundled and minified the same way.
// Exits non-zero when the drop-in file is over budget. Run with `npm run bench:size`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';
import { DROP_IN_GZIP_BUDGET } from '../rollup.config.js';

const DROP_IN = fileURLToPath(
  new URL('../assets/current-customer/current-customer.min.js', import.meta.url),
);

const sizes = (code) => ({
  bytes: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
  }).length,
});

/** `source` (an ES module) bundled to an IIFE with node-resolve and terser, as rollup.config.js does. */
const bundle = async (source) => {
  const entry = '\0bench-entry';
  const build = await rollup({
    input: entry,
    logLevel: 'silent',
    plugins: [
      {
        name: 'entry',
        resolveId: (id) => (id === entry ? id : null),
        load: (id) => (id === entry ? source : null),
      },
      nodeResolve({ browser: true }),
    ],
  });
  const { output } = await build.generate({
    format: 'iife',
    plugins: [terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: false } })],
  });
  await build.close();
  return output[0].code;
};

let dropIn;
try {
  dropIn = readFileSync(DROP_IN, 'utf8');
} catch {
  console.error(`${DROP_IN} is missing: run \`npm run build\` first`);
  process.exit(1);
}
const file = sizes(dropIn);
const withoutMapComment = sizes(dropIn.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, ''));
const jose = sizes(
  await bundle("import { decodeJwt } from 'jose';\nwindow.decodeJwt = decodeJwt;\n"),
);
const margin = DROP_IN_GZIP_BUDGET - file.gzip;

const row = (name, { bytes, gzip, brotli }) =>
  `${name.padEnd(44)}${String(bytes).padStart(8)}${String(gzip).padStart(8)}${String(brotli).padStart(8)}`;
console.log(`${'bytes'.padStart(52)}${'gzip -9'.padStart(8)}${'brotli'.padStart(8)}`);
console.log(row('drop-in file (minified, as shipped)', file));
console.log(row('  the same without its source map comment', withoutMapComment));
// For comparison only: the drop-in decodes the payload with atob and TextDecoder, jose is not in it.
console.log(row("jose's decodeJwt alone (bundled, minified)", jose));
console.log(`budget: ${DROP_IN_GZIP_BUDGET} bytes gzipped; margin: ${margin} bytes`);
if (margin < 0) {
  console.error(`over budget by ${-margin} bytes`);
  process.exit(1);
}
