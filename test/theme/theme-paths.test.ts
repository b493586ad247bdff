// Where install and uninstall write: symbolic links out of the theme refused before anything is written, links
// inside it followed, temporary files named so that the next run removes them, and a process killed with
// SIGKILL at every rename of a real install and uninstall recovered by running the command again.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DROP_IN_FILE, PARTIAL_DIR } from '../../src/paths.js';
import { diagnose } from '../../src/theme/doctor.js';
import { ThemeError, type ThemeErrorCode } from '../../src/theme/errors.js';
import {
  applyChanges,
  install,
  planInstall,
  planUninstall,
  uninstall,
} from '../../src/theme/installer.js';
import { findLeftovers, TEMP_FILE } from '../../src/theme/theme-paths.js';
import {
  cleanUp,
  copyTheme,
  differences,
  FIXTURE_THEME,
  snapshot,
  tempDir,
} from './helpers/fixture.js';

afterEach(cleanUp);

const INCLUDE = '{{> components/current-customer/script}}';

function thrown(fn: () => unknown, code: ThemeErrorCode): ThemeError {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ThemeError)) throw error;
    expect(error.code).toBe(code);
    return error;
  }
  throw new Error(`expected a ThemeError ${code}`);
}

/** A copy of the fixture at `<folder>/theme`, with `<folder>/outside` beside it. */
function themeBesideOutside(): { dir: string; outside: string } {
  const folder = tempDir();
  const dir = join(folder, 'theme');
  cpSync(FIXTURE_THEME, dir, { recursive: true });
  const outside = join(folder, 'outside');
  mkdirSync(outside);
  return { dir, outside };
}

/** Every file under `dir`, as paths relative to it. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [prefix + entry.name],
  );
}

describe('symbolic links out of the theme', () => {
  it('refuses a folder link out (assets -> ../outside), naming it, before writing anything', () => {
    const { dir, outside } = themeBesideOutside();
    symlinkSync('../outside', join(dir, 'assets'));
    const before = snapshot(dir);
    for (const run of [() => planInstall(dir), () => install(dir)]) {
      const error = thrown(run, 'path_outside_theme');
      expect(error.file).toBe(join(dir, 'assets'));
      expect(error.message).toContain(`${join(dir, 'assets')} is a symbolic link to ${outside}`);
      expect(error.message).toContain('nothing was written');
    }
    expect(differences(before, snapshot(dir))).toEqual([]);
    expect(files(outside)).toEqual([]);
  });

  it('uninstall refuses to delete through a folder link out, and removes no folder through it', () => {
    const { dir, outside } = themeBesideOutside();
    install(dir);
    // The theme as an installer that followed links left it: the drop-in file outside.
    renameSync(join(dir, 'assets'), join(outside, 'assets'));
    symlinkSync('../outside/assets', join(dir, 'assets'));
    const before = snapshot(dir);
    const error = thrown(() => uninstall(dir), 'path_outside_theme');
    expect(error.file).toBe(join(dir, 'assets'));
    expect(differences(before, snapshot(dir))).toEqual([]);
    expect(existsSync(join(outside, DROP_IN_FILE))).toBe(true);

    // With nothing left to delete there, uninstall succeeds and leaves the link and what it leads to.
    rmSync(join(outside, 'assets/current-customer'), { recursive: true });
    mkdirSync(join(outside, 'assets/current-customer'));
    uninstall(dir);
    expect(lstatSync(join(dir, 'assets')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(outside, 'assets/current-customer'))).toBe(true);
  });

  it.each([
    ['config.json', 'config.json'],
    ['the base layout', 'templates/layout/base.html'],
    ['a partial', `${PARTIAL_DIR}/script.html`],
  ])('refuses %s linked to a file outside, and leaves that file as it was', (_name, path) => {
    const { dir, outside } = themeBesideOutside();
    const target = join(outside, 'file');
    if (existsSync(join(dir, path))) cpSync(join(dir, path), target);
    else writeFileSync(target, 'an old partial\n');
    rmSync(join(dir, path), { force: true });
    mkdirSync(join(dir, path, '..'), { recursive: true });
    symlinkSync(target, join(dir, path));
    const outsideBefore = readFileSync(target);
    const before = snapshot(dir);
    const error = thrown(() => install(dir), 'path_outside_theme');
    expect(error.file).toBe(join(dir, path));
    expect(differences(before, snapshot(dir))).toEqual([]);
    expect(readFileSync(target)).toEqual(outsideBefore);
  });

  it('refuses a link to nothing, which cannot be checked', () => {
    const { dir } = themeBesideOutside();
    symlinkSync('../nowhere', join(dir, 'assets'));
    const error = thrown(() => install(dir), 'path_outside_theme');
    expect(error.message).toContain('which does not exist');
  });

  it('uninstall refuses a template linked outside that holds the include, and reads no linked folder out', () => {
    const { dir, outside } = themeBesideOutside();
    install(dir);
    writeFileSync(join(outside, 'page.html'), `<p>\n${INCLUDE}\n</p>\n`);
    symlinkSync(join(outside, 'page.html'), join(dir, 'templates/pages/linked.html'));
    const error = thrown(() => planUninstall(dir), 'path_outside_theme');
    expect(error.file).toBe(join(dir, 'templates/pages/linked.html'));

    // A folder linked out is not walked: what is in it is not the theme's to change.
    rmSync(join(dir, 'templates/pages/linked.html'));
    symlinkSync(outside, join(dir, 'templates/outside'));
    uninstall(dir);
    expect(readFileSync(join(outside, 'page.html'), 'utf8')).toContain(INCLUDE);
  });
});

describe('symbolic links inside the theme', () => {
  it('edits a linked layout and config.json through their links, which stay links; uninstall is byte-exact', () => {
    const dir = copyTheme();
    renameSync(join(dir, 'templates/layout/base.html'), join(dir, 'templates/shared-base.html'));
    symlinkSync('../shared-base.html', join(dir, 'templates/layout/base.html'));
    mkdirSync(join(dir, 'settings'));
    renameSync(join(dir, 'config.json'), join(dir, 'settings/config.json'));
    symlinkSync('settings/config.json', join(dir, 'config.json'));
    const before = snapshot(dir);

    install(dir, { clientId: 'linked' });
    expect(lstatSync(join(dir, 'templates/layout/base.html')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'config.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'templates/shared-base.html'), 'utf8')).toContain(INCLUDE);
    expect(readFileSync(join(dir, 'settings/config.json'), 'utf8')).toContain('"linked"');
    expect(diagnose(dir).problems).toEqual([]);
    // The layout named twice, by its link and by its file, is patched once.
    expect(planInstall(dir, { layouts: ['../shared-base.html'] }).changes).toEqual([]);

    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('edits a layout in a linked folder inside the theme, and uninstall finds it there', () => {
    const dir = copyTheme();
    renameSync(join(dir, 'templates/layout'), join(dir, 'layouts'));
    symlinkSync('../layouts', join(dir, 'templates/layout'));
    const before = snapshot(dir);
    install(dir);
    expect(readFileSync(join(dir, 'layouts/base.html'), 'utf8')).toContain(INCLUDE);
    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('refuses two paths that are one file, before writing anything', () => {
    const dir = copyTheme();
    mkdirSync(join(dir, PARTIAL_DIR), { recursive: true });
    symlinkSync('../../layout/base.html', join(dir, PARTIAL_DIR, 'script.html'));
    const before = snapshot(dir);
    const error = thrown(() => install(dir), 'path_aliased');
    expect(error.message).toContain(join(dir, PARTIAL_DIR, 'script.html'));
    expect(error.message).toContain(join(dir, 'templates/layout/base.html'));
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('uninstall deletes a linked copy by removing the link, never what it leads to', () => {
    const dir = copyTheme();
    install(dir);
    const map = `${DROP_IN_FILE}.map`;
    renameSync(join(dir, map), join(dir, 'assets/kept.map'));
    symlinkSync('../kept.map', join(dir, map));
    uninstall(dir);
    expect(existsSync(join(dir, 'assets/kept.map'))).toBe(true);
    expect(existsSync(join(dir, map))).toBe(false);
  });
});

describe('temporary files', () => {
  const LEFT = [
    'config.json.current-customer-0a1b2c3d.tmp',
    `${PARTIAL_DIR}/script.html.current-customer-deadbeef.tmp`,
    'templates/layout/base.html.current-customer-00000000.tmp',
  ];
  const plant = (dir: string): void => {
    mkdirSync(join(dir, PARTIAL_DIR), { recursive: true });
    for (const path of LEFT) writeFileSync(join(dir, path), 'half a file');
    // Not ours: other names ending in .tmp stay.
    writeFileSync(join(dir, 'notes.tmp'), 'mine');
    writeFileSync(join(dir, 'templates/x.current-customer-0a1b.tmp'), 'mine');
  };

  it('carry a recognisable name while a write is under way', () => {
    const dir = copyTheme();
    const plan = planInstall(dir);
    const temps: string[] = [];
    applyChanges(plan, {
      writeFile: (path, data) => {
        temps.push(path);
        writeFileSync(path, data);
      },
      rename: (from, to) => renameSync(from, to),
      unlink: (path) => rmSync(path),
    });
    expect(temps.length).toBe(plan.changes.length);
    for (const temp of temps) expect(temp).toMatch(TEMP_FILE);
    expect(findLeftovers(dir)).toEqual([]);
  });

  it.each([
    ['install', (dir: string) => install(dir)],
    ['uninstall', (dir: string) => uninstall(dir)],
  ])('the next %s removes those a killed run left, and lists them on a dry run', (name, run) => {
    const dir = copyTheme();
    if (name === 'uninstall') install(dir);
    plant(dir);
    const plan = name === 'install' ? planInstall(dir) : planUninstall(dir);
    const listed = plan.changes.filter((c) => c.details[0]?.includes('temporary file'));
    expect(listed.map((c) => [c.path, c.action])).toEqual(
      [...LEFT].sort().map((path) => [path, 'delete']),
    );
    expect(LEFT.every((path) => existsSync(join(dir, path)))).toBe(true);
    run(dir);
    expect(findLeftovers(dir)).toEqual([]);
    expect(LEFT.some((path) => existsSync(join(dir, path)))).toBe(false);
    expect(readFileSync(join(dir, 'notes.tmp'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'templates/x.current-customer-0a1b.tmp'))).toBe(true);
  });

  it('doctor removes them and says so in a note', () => {
    const dir = copyTheme();
    install(dir);
    plant(dir);
    const report = diagnose(dir);
    expect(report.problems).toEqual([]);
    for (const path of LEFT) {
      expect(report.notes.some((n) => n.startsWith(`removed ${path}, a temporary file`))).toBe(
        true,
      );
    }
    expect(findLeftovers(dir)).toEqual([]);
    expect(existsSync(join(dir, 'notes.tmp'))).toBe(true);
  });
});

describe('a process killed with SIGKILL at each rename', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const lib = join(root, 'dist/theme.js');
  // Plans, then applies with a rename that kills the process just before the rename number `at` (1-based).
  const child = `
    import { renameSync, rmSync, writeFileSync } from 'node:fs';
    const { applyChanges, planInstall, planUninstall } = await import(${JSON.stringify(lib)});
    const [command, dir, at] = process.argv.slice(1);
    let renames = 0;
    const plan = command === 'install' ? planInstall(dir) : planUninstall(dir);
    applyChanges(plan, {
      writeFile: (path, data) => writeFileSync(path, data),
      rename: (from, to) => {
        if (++renames === Number(at)) process.kill(process.pid, 'SIGKILL');
        renameSync(from, to);
      },
      unlink: (path) => rmSync(path),
    });
    console.log(renames);
  `;
  const killAt = (command: string, dir: string, at: number) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', child, command, dir, String(at)], {
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('install and uninstall recover by running again; no temporary file stays', () => {
    expect(existsSync(lib), `${lib} is missing: run npm run build first`).toBe(true);
    const original = snapshot(copyTheme());
    const installedDir = copyTheme();
    install(installedDir);
    const installed = snapshot(installedDir);
    // Every rename of a full install (the uninstall's renames are the templates it patches).
    const renames = planInstall(copyTheme()).changes.filter((c) => c.after !== null).length;
    expect(renames).toBeGreaterThanOrEqual(6);
    for (let at = 1; at <= renames; at++) {
      const dir = copyTheme();
      const killed = killAt('install', dir, at);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      expect(findLeftovers(dir)).toHaveLength(1);
      // Uninstall straight away gives the theme back; or install again completes it.
      const again = join(tempDir(), 'theme');
      cpSync(dir, again, { recursive: true });
      uninstall(again);
      expect(differences(original, snapshot(again)), `install killed at rename ${at}`).toEqual([]);
      install(dir);
      expect(differences(installed, snapshot(dir)), `install killed at rename ${at}`).toEqual([]);
    }
    const uninstallRenames = planUninstall(installedDir).changes.filter(
      (c) => c.after !== null,
    ).length;
    expect(uninstallRenames).toBeGreaterThanOrEqual(4);
    for (let at = 1; at <= uninstallRenames; at++) {
      const dir = copyTheme();
      install(dir);
      const killed = killAt('uninstall', dir, at);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      expect(findLeftovers(dir)).toHaveLength(1);
      uninstall(dir);
      expect(differences(original, snapshot(dir)), `uninstall killed at rename ${at}`).toEqual([]);
    }
  }, 120_000);
});
