// The install / uninstall / doctor commands: exit codes and messages, and once the built CLI end to end.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { doctor, install, uninstall } from '../../src/theme/command.js';
import { cleanUp, copyTheme, differences, snapshot, tempDir } from './helpers/fixture.js';

let log: MockInstance<typeof console.log>;
let error: MockInstance<typeof console.error>;
const out = (): string => log.mock.calls.map((c) => c.join(' ')).join('\n');
const err = (): string => error.mock.calls.map((c) => c.join(' ')).join('\n');

beforeEach(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
  error = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  cleanUp();
});

describe('the commands', () => {
  it('install, install again, doctor, uninstall', async () => {
    const dir = copyTheme();
    const before = snapshot(dir);
    expect(
      await install([dir, '--client-id', 'abc', '--endpoint', 'https://app.example.test/x']),
    ).toBe(0);
    expect(out()).toContain('create templates/components/current-customer/script.html');
    expect(out()).toContain('update templates/layout/base.html');
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toContain(
      '"current_customer_app_client_id": "abc"',
    );
    log.mockClear();
    expect(await install([dir])).toBe(0);
    expect(out()).toMatch(/nothing to change/);
    log.mockClear();
    expect(await doctor([dir])).toBe(0);
    expect(out()).toMatch(/integration is complete/);
    expect(out()).toMatch(/note: current_customer_enabled is off/);
    expect(await uninstall([dir])).toBe(0);
    expect(differences(before, snapshot(dir))).toEqual([]);
    expect(err()).toBe('');
  });

  it('install again with --client-id and --endpoint (the quick start after a plain install) sets them', async () => {
    const dir = copyTheme();
    expect(await install([dir])).toBe(0);
    log.mockClear();
    expect(
      await install([dir, '--client-id', 'abc123', '--endpoint', 'https://app.example.test/x']),
    ).toBe(0);
    expect(out()).not.toMatch(/nothing to change/);
    expect(out()).toContain('update config.json');
    const config = readFileSync(join(dir, 'config.json'), 'utf8');
    expect(config).toContain('"current_customer_app_client_id": "abc123"');
    expect(config).not.toContain('"current_customer_app_client_id": ""');
    log.mockClear();
    expect(await install([dir, '--client-id', 'other'])).toBe(0);
    expect(out()).toMatch(/nothing to change/);
    expect(out()).toMatch(/note: current_customer_app_client_id is already "abc123"/);
  });

  it('install --client-id … --force replaces a value already set, and says what it replaced', async () => {
    const dir = copyTheme();
    const before = snapshot(dir);
    expect(await install([dir, '--client-id', 'typo'])).toBe(0);
    log.mockClear();
    expect(await install([dir, '--client-id', 'fixed', '--force'])).toBe(0);
    expect(out()).toContain(
      'replace current_customer_app_client_id "typo" with "fixed" in settings',
    );
    expect(out()).not.toMatch(/note: .*kept/);
    const config = readFileSync(join(dir, 'config.json'), 'utf8');
    expect(config).toContain('"current_customer_app_client_id": "fixed"');
    expect(config).not.toContain('"typo"');
    expect(await uninstall([dir])).toBe(0);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const dir = copyTheme();
    const before = snapshot(dir);
    expect(await install([dir, '--dry-run', '--layout', 'empty.html'])).toBe(0);
    expect(out()).toMatch(/dry run, nothing written/);
    expect(out()).toContain('update templates/layout/empty.html');
    expect(differences(before, snapshot(dir))).toEqual([]);
    await install([dir]);
    const installed = snapshot(dir);
    expect(await uninstall([dir, '--dry-run'])).toBe(0);
    expect(out()).toContain('delete assets/current-customer/current-customer.min.js');
    expect(differences(installed, snapshot(dir))).toEqual([]);
  });

  it('doctor exits 1 and lists the problems in a theme without the integration', async () => {
    const dir = copyTheme();
    expect(await doctor([dir])).toBe(1);
    expect(out()).toMatch(/problem: .*partial_not_included/);
    expect(out()).toMatch(/problem\(s\)/);
  });

  it('prints one clear error naming the file and exits 1 on a bad theme', async () => {
    const dir = copyTheme();
    writeFileSync(join(dir, 'schema.json'), '[{');
    const before = snapshot(dir);
    expect(await install([dir])).toBe(1);
    expect(error).toHaveBeenCalledTimes(1);
    expect(err()).toContain(join(dir, 'schema.json'));
    expect(differences(before, snapshot(dir))).toEqual([]);

    error.mockClear();
    const missing = join(tempDir(), 'missing');
    expect(await install([missing])).toBe(1);
    expect(err()).toContain(`no such directory: ${missing}`);
    expect(await doctor([missing])).toBe(1);
    expect(await uninstall([missing])).toBe(1);
  });

  it('exits 2 on a bad command line', async () => {
    expect(await install([])).toBe(2);
    expect(err()).toMatch(/missing <theme-dir>/);
    expect(await install(['a', 'b'])).toBe(2);
    expect(await install(['--bogus', 'x'])).toBe(2);
    const dir = copyTheme();
    expect(await install([dir, '--endpoint', 'ftp://x'])).toBe(2);
    expect(err()).toMatch(/endpoint must use https/);
    const before = snapshot(dir);
    expect(await install([dir, '--client-id', 'my.app'])).toBe(2);
    expect(await install([dir, '--client-id', 'a b'])).toBe(2);
    expect(err()).toMatch(/client id must be letters/);
    expect(differences(before, snapshot(dir))).toEqual([]);
    expect(await install([dir, '--help'])).toBe(0);
    expect(out()).toMatch(/usage: stencil-current-customer install/);
  });
});

describe('the built CLI', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cli = join(root, 'dist/cli.js');

  it('installs and uninstalls with `node dist/cli.js` (after npm run build)', () => {
    expect(existsSync(cli), `${cli} is missing: run npm run build first`).toBe(true);
    const dir = copyTheme();
    const before = snapshot(dir);
    const output = execFileSync('node', [cli, 'install', dir, '--client-id', 'cli-id'], {
      encoding: 'utf8',
    });
    expect(output).toContain('create templates/components/current-customer/script.html');
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toContain('"cli-id"');
    const check = spawnSync('node', [cli, 'doctor', dir], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    const bad = spawnSync('node', [cli, 'install', join(dir, 'nope')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('no such directory');
    execFileSync('node', [cli, 'uninstall', dir]);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('exits as the --help texts say: 2 for a wrong command line, 1 for a refused theme, 0 when done', () => {
    const run = (...args: string[]) => spawnSync('node', [cli, ...args], { encoding: 'utf8' });
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/exit status: 0 done; 1 .* 2 the command line is wrong/s);
    for (const command of ['install', 'uninstall', 'doctor']) {
      const own = run(command, '--help');
      expect(own.status).toBe(0);
      expect(own.stdout).toMatch(
        /exit status: 0 done; 1 the theme was refused or a write failed.*doctor found a problem; 2 the command line is wrong/s,
      );
    }
    const dir = copyTheme();
    const before = snapshot(dir);
    for (const args of [
      [],
      ['instal', dir],
      ['install'],
      ['install', dir, 'extra'],
      ['install', dir, '--bogus'],
      ['install', dir, '--client-id', 'a b'],
      ['install', dir, '--endpoint', 'http://example.com/x'],
      ['uninstall', dir, '--force'],
      ['doctor', dir, '--dry-run'],
    ]) {
      const wrong = run(...args);
      expect(wrong.status, args.join(' ')).toBe(2);
      expect(wrong.stdout, args.join(' ')).toBe('');
      expect(wrong.stderr, args.join(' ')).toMatch(/^stencil-current-customer: |^usage: /);
    }
    expect(differences(before, snapshot(dir))).toEqual([]);
    writeFileSync(join(dir, 'config.json'), '{');
    for (const command of ['install', 'uninstall', 'doctor'])
      expect(run(command, dir).status).toBe(1);
  }, 120_000);
});
