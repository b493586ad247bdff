// Writes the CommonJS declarations: every .d.ts that the client, server and theme entries reach through relative
// imports, copied beside itself as .d.cts with its `./x.js` specifiers turned into `./x.cjs`. TypeScript under
// node16/nodenext reads a .d.cts as CommonJS, so a `require` consumer gets types that describe the .cjs files it
// loads (and an `import` consumer keeps the .d.ts). Run by `npm run build` after tsc.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = fileURLToPath(new URL('../dist/types/', import.meta.url));
const ENTRIES = ['client/index.d.ts', 'server/index.d.ts', 'theme/index.d.ts'];
/** `from './x.js'`, `import('./x.js')` and `import './x.js'`: the relative specifiers a declaration file holds. */
const RELATIVE = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*?)\.js\2/g;

const written = new Set();
const pending = ENTRIES.map((entry) => join(TYPES, entry));
while (pending.length > 0) {
  const file = pending.pop();
  if (written.has(file)) continue;
  written.add(file);
  const text = readFileSync(file, 'utf8');
  const cts = text.replace(RELATIVE, (_match, lead, quote, path) => {
    pending.push(join(dirname(file), `${path}.d.ts`));
    return `${lead}${quote}${path}.cjs${quote}`;
  });
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), cts);
}
console.log(`scripts/cjs-types.js: ${written.size} .d.cts files`);
