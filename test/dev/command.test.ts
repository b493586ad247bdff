// The built command, as a user runs it: `node dist/cli.js dev` (npm test builds dist/ first).
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { createCurrentCustomerHandler } from '../../src/server/index.js';
import { logIn } from './helpers.js';

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

  it('--endpoint: prints the environment your backend needs, which then verifies the tokens', async () => {
    const endpoint = 'http://127.0.0.1:8799/current-customer';
    const r = run(['--port', '0', '--endpoint', endpoint, '--client-secret', 'pasted-secret-42']);
    let env: Record<string, string>;
    let storefront: string;
    try {
      await until(r, /press Ctrl-C/);
      const lines = r.stdout().split('\n');
      storefront = /^storefront:\s+(\S+)$/.exec(lines[0] ?? '')?.[1] as string;
      expect(lines[1]).toBe(`app backend: ${endpoint}`);
      expect(r.stdout()).toContain('the demo backend is not started');
      env = Object.fromEntries(
        lines.flatMap((line) => {
          const m = /^export (\w+)=(.*)$/.exec(line);
          return m ? [[m[1] as string, m[2] as string]] : [];
        }),
      );
      expect(env).toEqual({
        CLIENT_ID: 'stencil-current-customer-dev',
        CLIENT_SECRET: 'pasted-secret-42',
        STORE_HASH: 'dev123',
        STOREFRONT_ORIGIN: new URL(storefront).origin,
      });

      // The package's own handler, configured from exactly what was printed.
      const handler = createCurrentCustomerHandler({
        clientId: env.CLIENT_ID as string,
        clientSecret: env.CLIENT_SECRET as string,
        storeHash: env.STORE_HASH as string,
        allowedOrigins: [env.STOREFRONT_ORIGIN as string],
      });
      const cookie = await logIn(storefront, 5012);
      const jwt = await (
        await fetch(new URL(`/customer/current.jwt?app_client_id=${env.CLIENT_ID}`, storefront), {
          headers: { cookie },
        })
      ).text();
      const answer = await handler(
        new Request(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: env.STOREFRONT_ORIGIN as string },
          body: JSON.stringify({ token: jwt }),
        }),
      );
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { customer: { id: number } }).customer.id).toBe(5012);
      const page = await fetch(storefront, { headers: { cookie } });
      expect(page.headers.get('content-security-policy')).toContain(
        "connect-src 'self' http://127.0.0.1:8799;",
      );
    } finally {
      r.child.kill('SIGINT');
    }
    expect(await r.exited).toBe(0);
    // Tokens are never printed.
    expect(r.stdout()).not.toMatch(/eyJ[\w-]+\./);
  });

  it('--endpoint with a random secret: printed with --show-secret only', async () => {
    const hidden = run(['--port', '0', '--endpoint', 'http://127.0.0.1:8799/x']);
    await until(hidden, /press Ctrl-C/);
    expect(hidden.stdout()).not.toMatch(/^export CLIENT_SECRET=/m);
    expect(hidden.stdout()).toMatch(
      /^# CLIENT_SECRET is random for this run: pass --client-secret/m,
    );
    hidden.child.kill('SIGINT');
    expect(await hidden.exited).toBe(0);

    const shown = run(['--port', '0', '--endpoint', 'http://127.0.0.1:8799/x', '--show-secret']);
    await until(shown, /press Ctrl-C/);
    expect(shown.stdout()).toMatch(/^export CLIENT_SECRET=[\w-]{40,}$/m);
    shown.child.kill('SIGINT');
    expect(await shown.exited).toBe(0);
  });

  it('--endpoint: the printed lines paste into a shell as they are, whatever the secret holds', async () => {
    const secret = `it's a "secret" $HOME \\ \`x\``;
    const r = run([
      '--port',
      '0',
      '--endpoint',
      'http://127.0.0.1:8799/x',
      '--client-secret',
      secret,
    ]);
    try {
      await until(r, /press Ctrl-C/);
    } finally {
      r.child.kill('SIGINT');
    }
    expect(await r.exited).toBe(0);
    const exports = r
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('export '));
    expect(exports).toHaveLength(4);
    const shell = spawnSync(
      'sh',
      ['-c', `${exports.join('\n')}\nprintf '%s' "$CLIENT_SECRET"; printf '|%s' "$STORE_HASH"`],
      { encoding: 'utf8', env: {} },
    );
    expect(shell.stdout).toBe(`${secret}|dev123`);
  });

  it('exits non-zero with one error line for a --theme that is not a theme', async () => {
    const r = run(['--theme', join(packageRoot(), 'src')]);
    expect(await r.exited).toBe(1);
    expect(r.stderr().trim().split('\n')).toHaveLength(1);
    expect(r.stderr()).toMatch(/^stencil-current-customer dev: --theme: .* is not a Stencil theme/);
  });
});
