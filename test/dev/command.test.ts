// The built command, as a user runs it: `node dist/cli.js dev` (npm test builds dist/ first).
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
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

function run(args: string[], env: Record<string, string> = {}, script = cli): Run {
  if (!existsSync(script)) throw new Error(`${script} is missing: run 'npm run build' first`);
  const child = spawn(process.execPath, [script, 'dev', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CURRENT_CUSTOMER_CLIENT_SECRET: '', ...env },
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
        ALLOWED_ORIGINS: new URL(storefront).origin,
      });
      // The line after the exports shows the options those names go to, as the examples spell them.
      expect(lines).toContain(
        "# createCurrentCustomerHandler({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, storeHash: STORE_HASH, allowedOrigins: ALLOWED_ORIGINS.split(',') })",
      );

      // The package's own handler, configured from exactly what was printed.
      const handler = createCurrentCustomerHandler({
        clientId: env.CLIENT_ID as string,
        clientSecret: env.CLIENT_SECRET as string,
        storeHash: env.STORE_HASH as string,
        allowedOrigins: [env.ALLOWED_ORIGINS as string],
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
          headers: { 'content-type': 'application/json', origin: env.ALLOWED_ORIGINS as string },
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
      /^# CLIENT_SECRET is random for this run: set CURRENT_CUSTOMER_CLIENT_SECRET/m,
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

  it('--client-secret warns to prefer the environment variable, which it names; the variable does not warn', async () => {
    const flag = run(['--port', '0', '--backend-port', '0', '--client-secret', 'flag-secret-42']);
    try {
      await until(flag, /press Ctrl-C/);
    } finally {
      flag.child.kill('SIGINT');
    }
    expect(await flag.exited).toBe(0);
    expect(flag.stderr()).toContain(
      'warning: --client-secret is visible to every user of this machine (ps, /proc/<pid>/cmdline): set CURRENT_CUSTOMER_CLIENT_SECRET in the environment instead\n',
    );

    const variable = run(['--port', '0', '--backend-port', '0', '--show-secret'], {
      CURRENT_CUSTOMER_CLIENT_SECRET: 'env-secret-42',
    });
    try {
      await until(variable, /press Ctrl-C/);
    } finally {
      variable.child.kill('SIGINT');
    }
    expect(await variable.exited).toBe(0);
    expect(variable.stdout()).toContain('client secret: env-secret-42');
    expect(variable.stderr()).not.toContain('warning');
  });

  it('--endpoint: a backend that answers without CORS is reported before the first page, with the origin to allow', async () => {
    const seen: string[] = [];
    const bare = createServer((req, res) => {
      seen.push(`${req.method} ${req.headers.origin} ${req.headers['content-type'] ?? '-'}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/api`;
    const r = run(['--port', '0', '--endpoint', endpoint]);
    try {
      await until(r, /press Ctrl-C/);
      const origin = /^export ALLOWED_ORIGINS=(\S+)$/m.exec(r.stdout())?.[1] as string;
      expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // One preflight and one text/plain POST, both from the storefront's origin.
      expect(seen).toEqual([`OPTIONS ${origin} -`, `POST ${origin} text/plain;charset=UTF-8`]);
      expect(r.stderr()).toContain(
        `warning: your backend at ${endpoint}: the answer to the CORS preflight carries no Access-Control-Allow-Origin for ${origin}: add '${origin}' to allowedOrigins\n`,
      );
      expect(r.stderr()).toContain(
        `warning: your backend at ${endpoint}: the answer to a POST carries no Access-Control-Allow-Origin for ${origin}: add '${origin}' to allowedOrigins (without it the page cannot read the answer and the module reports 'network')\n`,
      );
      expect(r.stderr()).toContain(
        `warning: your backend at ${endpoint}: answered 200 to a POST whose body is not a token: is this the endpoint made with createCurrentCustomerHandler?\n`,
      );
    } finally {
      r.child.kill('SIGINT');
      bare.closeAllConnections();
      bare.close();
    }
    expect(await r.exited).toBe(0);
  });

  it('installed without @bigcommerce/stencil-paper-handlebars (and with no other package): one line with the command to run', async () => {
    // The package's published files, alone: nothing in node_modules above them.
    const root = packageRoot();
    const dir = mkdtempSync(join(tmpdir(), 'no-peer-'));
    try {
      for (const entry of ['package.json', 'dist', 'src', 'templates', 'assets/current-customer']) {
        cpSync(join(root, entry), join(dir, entry), { recursive: true });
      }
      const r = run(['--port', '0', '--backend-port', '0'], {}, join(dir, 'dist', 'cli.js'));
      expect(await r.exited).toBe(1);
      expect(r.stderr()).toBe(
        "stencil-current-customer dev: the dev command needs @bigcommerce/stencil-paper-handlebars: run 'npm install --save-dev @bigcommerce/stencil-paper-handlebars'\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2, as --help says, with one error line for a wrong command line', async () => {
    for (const args of [['--port', 'abc'], ['--no-such-option']]) {
      const r = run(args);
      expect(await r.exited).toBe(2);
      expect(r.stderr().trim().split('\n')).toHaveLength(1);
      expect(r.stderr()).toMatch(/^stencil-current-customer dev: /);
    }
    const help = run(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/2 the command line is wrong/);
  });

  it('exits non-zero with one error line for a --theme that is not a theme', async () => {
    const r = run(['--theme', join(packageRoot(), 'src')]);
    expect(await r.exited).toBe(1);
    expect(r.stderr().trim().split('\n')).toHaveLength(1);
    expect(r.stderr()).toMatch(/^stencil-current-customer dev: --theme: .* is not a Stencil theme/);
  });
});
