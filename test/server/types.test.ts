// The store rule in the types: `storeHash` or `allowAnyStore: true`, one of them and not both, is a compile error
// otherwise. A snippet is type-checked against src/server with the TypeScript compiler, in memory.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Beside this file, so that its import of the server entry resolves; never written to disk. */
const SNIPPET = join(here, '__store-rule-snippet.ts');

/** The line numbers (1-based) of the snippet's type errors. */
function errorLines(source: string): number[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    name === SNIPPET
      ? ts.createSourceFile(name, source, version)
      : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => name === SNIPPET || fileExists.call(host, name);
  host.readFile = (name) => (name === SNIPPET ? source : readFile.call(host, name));
  const program = ts.createProgram([SNIPPET], options, host);
  const snippet = program.getSourceFile(SNIPPET);
  return ts
    .getPreEmitDiagnostics(program, snippet)
    .filter((diagnostic) => diagnostic.file?.fileName === SNIPPET)
    .map(
      (diagnostic) =>
        (diagnostic.file as ts.SourceFile).getLineAndCharacterOfPosition(diagnostic.start ?? 0)
          .line + 1,
    );
}

describe('the store rule in the types', () => {
  it('requires storeHash or allowAnyStore: true, not neither and not both', () => {
    const lines = [
      "import { createCurrentCustomerHandler, createVerifier } from '../../src/server/index.js';",
      "const key = { clientId: 'id', clientSecret: 'secret' };",
      "createVerifier({ ...key, storeHash: 'abc123' });",
      "createVerifier({ ...key, storeHash: ['abc123', 'def456'] });",
      'createVerifier({ ...key, storeHash: async () => true });',
      'createVerifier({ ...key, allowAnyStore: true });',
      "createVerifier({ ...key, storeHash: 'abc123', allowAnyStore: false });",
      "createVerifier({ clientId: 'id', clientSecret: ['current', 'next'], storeHash: 'abc123' });",
      "createCurrentCustomerHandler({ ...key, storeHash: 'abc123', allowedOrigins: 'https://a.example' });",
      // Each line from here is a mistake the types must catch.
      'createVerifier({ ...key });',
      "createVerifier({ ...key, storeHash: 'abc123', allowAnyStore: true });",
      'createVerifier({ ...key, allowAnyStore: false });',
      "createCurrentCustomerHandler({ ...key, allowedOrigins: ['https://a.example'] });",
    ];
    const firstMistake = 10;
    const expected = lines.map((_, index) => index + 1).filter((line) => line >= firstMistake);
    expect([...new Set(errorLines(lines.join('\n')))]).toEqual(expected);
  }, 60_000);
});
