// `stencil-current-customer/theme` as its users get it: resolved through the package's `exports`, run from
// the built files, typed by the built declarations. Needs `npm run build` (which `npm test` runs first).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { FIXTURE_THEME } from './helpers/fixture.js';

const root = packageRoot();
const scratch = join(root, '.tmp', 'theme-entry');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs an ES module from inside the package, so `stencil-current-customer/...` resolves to itself. */
function runModule(code: string): string {
  mkdirSync(scratch, { recursive: true });
  const file = join(scratch, `run-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  return execFileSync('node', [file], { encoding: 'utf8', cwd: root });
}

describe('stencil-current-customer/theme', () => {
  it('resolves through `exports` to the built library, which plans an install', () => {
    const output = runModule(`
      import * as theme from 'stencil-current-customer/theme';
      const plan = theme.planInstall(${JSON.stringify(FIXTURE_THEME)}, { clientId: 'lib-id' });
      let error;
      try { theme.planInstall('/no/such/theme'); } catch (e) { error = e; }
      console.log(JSON.stringify({
        names: Object.keys(theme).sort(),
        paths: plan.changes.map((c) => c.path),
        error: [error instanceof theme.ThemeError, error?.code],
        doctor: theme.diagnose(${JSON.stringify(FIXTURE_THEME)}).problems.length > 0,
      }));
    `);
    const result = JSON.parse(output) as {
      names: string[];
      paths: string[];
      error: [boolean, string];
      doctor: boolean;
    };
    expect(result.names).toEqual([
      'SETTING_KEYS',
      'ThemeError',
      'applyChanges',
      'configSettings',
      'diagnose',
      'install',
      'planInstall',
      'planUninstall',
      'uninstall',
    ]);
    expect(result.paths).toContain('config.json');
    expect(result.paths).toContain('templates/layout/base.html');
    expect(result.error).toEqual([true, 'theme_not_found']);
    expect(result.doctor).toBe(true);
  });

  it('is typed: a consumer type-checks against the built declarations, and a wrong use does not', () => {
    mkdirSync(scratch, { recursive: true });
    const good = join(scratch, 'good.ts');
    const bad = join(scratch, 'bad.ts');
    writeFileSync(
      good,
      `import { diagnose, planInstall, ThemeError, type Plan, type ThemeErrorCode } from 'stencil-current-customer/theme';
const plan: Plan = planInstall('theme', { clientId: 'x', endpoint: 'https://a.test/' });
const count: number = plan.changes.length + diagnose('theme').problems.length;
const code: ThemeErrorCode | undefined = new ThemeError('not_a_theme', 'm').code;
export { code, count };
`,
    );
    writeFileSync(
      bad,
      `import { planInstall } from 'stencil-current-customer/theme';
planInstall('theme', { clientId: 42 });
`,
    );
    const check = (file: string): string[] => {
      const program = ts.createProgram([file], {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
        types: ['node'],
        skipLibCheck: true,
      });
      return ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    };
    expect(check(good)).toEqual([]);
    expect(check(bad).join('\n')).toMatch(/number.*not assignable to type 'string/);
  });

  it('`stencil-current-customer --version` prints the version in package.json', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    const output = execFileSync('node', [join(root, 'dist/cli.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(output).toBe(`${version}\n`);
  });
});
