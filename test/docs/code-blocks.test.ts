// The docs' complete programs, run or type-checked against the packed package. A fenced block in README.md or
// docs/*.md is a complete program when an HTML comment right above it says what to do with it:
//   <!-- example: run -->             run with Node (an ES module, or CommonJS when it calls require); it must
//                                     exit 0 within 20 s and print something
//   <!-- example: typecheck -->       type-checked, moduleResolution nodenext: TypeScript strict; JavaScript with
//                                     checkJs as an editor checks it (not strict: process.env values are
//                                     string | undefined there, which a JavaScript program passes on as they are)
//   <!-- example: same-as <path> -->  the block is the file at <path> (the examples, which test/examples runs)
// Blocks without a comment are fragments. The programs run in a folder under the repository's .tmp/, so the
// packed package is found in the folder's node_modules and anything else (express, @types/node) in the
// repository's. Needs `npm run build`.
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { type CodeBlock, docFiles, markedBlocks } from './markdown.js';

const root = packageRoot();
const run = promisify(execFile);

const blocks: CodeBlock[] = docFiles(root).flatMap((file) => markedBlocks(root, file));
const ofKind = (kind: CodeBlock['kind']): [string, CodeBlock][] =>
  blocks
    .filter((block) => block.kind === kind)
    .map((block) => [`${block.file}:${block.line}`, block]);

let project: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'server.cjs')))
    throw new Error('dist/ is missing: run `npm run build` first');
  mkdirSync(join(root, '.tmp'), { recursive: true });
  project = mkdtempSync(join(root, '.tmp', 'docs-'));
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    }),
  ) as [{ filename: string }];
  const installed = join(project, 'node_modules', 'stencil-current-customer');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(project, filename), '-C', installed, '--strip-components=1']);
  writeFileSync(join(project, 'package.json'), '{"private":true,"type":"module"}\n');
}, 90_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** The file name a block is written to: its module system decides the extension. */
function fileFor(block: CodeBlock, index: number): string {
  if (block.lang === 'ts') return `block-${index}.mts`;
  return `block-${index}.${/\brequire\(/.test(block.code) ? 'cjs' : 'mjs'}`;
}

/** Type-checks `files` in the project: the diagnostics as text, empty when they are clean. */
function typeCheck(files: string[], strict: boolean): string[] {
  const program = ts.createProgram(
    files.map((file) => join(project, file)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      allowJs: true,
      checkJs: true,
      strict,
      noEmit: true,
      skipLibCheck: true,
    },
  );
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(project.length + 1)}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

describe('the docs mark their complete programs', () => {
  it('finds blocks of every kind (a marker that stops matching fails here)', () => {
    expect(ofKind('run').length).toBeGreaterThanOrEqual(2);
    expect(ofKind('typecheck').length).toBeGreaterThanOrEqual(2);
    expect(ofKind('same-as').length).toBeGreaterThanOrEqual(8);
  });

  it('every marker is one of the three kinds', () => {
    const unknown = docFiles(root).flatMap((file) =>
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .map((line, index) => ({ line, where: `${file}:${index + 1}` }))
        .filter(
          ({ line }) =>
            /<!-- example: /.test(line) &&
            !/<!-- example: (run|typecheck|same-as \S+) -->/.test(line),
        )
        .map(({ where }) => where),
    );
    expect(unknown).toEqual([]);
  });
});

describe.each(ofKind('same-as'))('%s is its example file', (_where, block) => {
  it(`equals ${block.path}`, () => {
    expect(block.code).toBe(readFileSync(join(root, block.path ?? ''), 'utf8').replace(/\n$/, ''));
  });
});

describe('programs that run', () => {
  it.each(ofKind('run'))('%s runs to completion and prints', async (_where, block) => {
    const file = fileFor(block, blocks.indexOf(block));
    writeFileSync(join(project, file), block.code);
    const { stdout } = await run(process.execPath, [file], { cwd: project, timeout: 20_000 });
    expect(stdout.trim()).not.toBe('');
  });

  it('a program that throws fails the check', async () => {
    writeFileSync(join(project, 'throws.mjs'), "throw new Error('broken');\n");
    await expect(
      run(process.execPath, ['throws.mjs'], { cwd: project, timeout: 20_000 }),
    ).rejects.toThrow(/broken/);
  });
});

describe('programs that type-check', () => {
  it.each(ofKind('typecheck'))(
    '%s type-checks (nodenext)',
    (_where, block) => {
      const file = fileFor(block, blocks.indexOf(block));
      writeFileSync(join(project, file), block.code);
      expect(typeCheck([file], block.lang === 'ts')).toEqual([]);
    },
    60_000,
  );

  it('a program with a type error fails the check', () => {
    writeFileSync(
      join(project, 'wrong.mjs'),
      "import { createVerifier } from 'stencil-current-customer/server';\ncreateVerifier({ clientId: 1 });\n",
    );
    expect(typeCheck(['wrong.mjs'], false).join('\n')).toMatch(/clientId|not assignable/);
  }, 60_000);
});

it('the docs folder holds only Markdown pages', () => {
  expect(readdirSync(join(root, 'docs')).filter((name) => !name.endsWith('.md'))).toEqual([]);
});
