// The built command, as a user runs it: `node dist/cli.js dev` (npm test builds dist/ first).
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

const cli = join(packageRoot(), 'dist', 'cli.js');

interface Run {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[]): Run {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first`);
  const child = spawn(process.execPath, [cli, 'dev', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CURRENT_CUSTOMER_CLIENT_SECRET: '' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(r: Run, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(r.stdout())) {
    if (Date.now() > deadline || r.child.exitCode !== null) {
      throw new Error(`no ${pattern} in the output:\n${r.stdout()}\n${r.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('stencil-current-customer dev (built)', () => {
  it('prints the storefront URL first and the backend URL second, serves, and stops on SIGINT', async () => {
    const r = run(['--port', '0', '--backend-port', '0']);
    try {
      await until(r, /press Ctrl-C/);
      const lines = r.stdout().split('\n');
      const storefront = /^storefront:\s+(http:\/\/127\.0\.0\.1:\d+\/)$/.exec(lines[0] ?? '')?.[1];
      const backend = /^app backend:\s+(http:\/\/127\.0\.0\.1:\d+\/\S+)$/.exec(lines[1] ?? '')?.[1];
      expect(storefront).toBeTruthy();
      expect(backend).toBeTruthy();
      expect(r.stdout()).toContain('client secret: random for this run');
      const page = await fetch(storefront as string);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Current Customer');
    } finally {
      r.child.kill('SIGINT');
    }
    expect(await r.exited).toBe(0);
    expect(r.stdout()).toMatch(/stopped\n$/);
  });

  it('stops on SIGTERM too, and prints the secret only with --show-secret', async () => {
    const r = run(['--port', '0', '--backend-port', '0', '--client-secret', 'shown-secret-42']);
    await until(r, /press Ctrl-C/);
    expect(r.stdout()).not.toContain('shown-secret-42');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);

    const shown = run([
      '--port',
      '0',
      '--backend-port',
      '0',
      '--client-secret=shown-secret-42',
      '--show-secret',
    ]);
    await until(shown, /press Ctrl-C/);
    expect(shown.stdout()).toContain('client secret: shown-secret-42');
    shown.child.kill('SIGINT');
    expect(await shown.exited).toBe(0);
  });

  it('exits non-zero with one error line for a --theme that is not a theme', async () => {
    const r = run(['--theme', join(packageRoot(), 'src')]);
    expect(await r.exited).toBe(1);
    expect(r.stderr().trim().split('\n')).toHaveLength(1);
    expect(r.stderr()).toMatch(/^stencil-current-customer dev: --theme: .* is not a Stencil theme/);
  });
});
