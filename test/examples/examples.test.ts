// Every framework example in examples/, installed and run as a user would: the package is packed once (npm pack),
// each example is copied to a temporary folder and `npm install`s the tarball and its own dependencies there
// (from npm's cache: the root's devDependencies put express, fastify, hono and @hono/node-server in it), then
// started, and sent real requests with tokens signed by jose: a valid token is answered 200 with the customer
// and the store, a foreign origin 403, a preflight 204. Needs `npm run build`.
//
// Installs run in the background, at most three at a time, while the examples before them are tested; every
// wait is bounded. Deno and Bun come from the pinned devDependencies (test/server/fixtures/runtimes.js); a
// binary that cannot run here is skipped with the reason in the test's name, and is a failure with CI=true.
// Cloudflare Workers: the example is bundled as wrangler would (rollup, worker conditions) and run in workerd
// through miniflare. Next.js: the route handler is type-checked and its exported POST and OPTIONS are called;
// Next itself is not installed.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import nodeResolve from '@rollup/plugin-node-resolve';
import { Miniflare } from 'miniflare';
import { rollup } from 'rollup';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { locate, runtimes } from '../server/fixtures/runtimes.js';
import { CLIENT_ID, CLIENT_SECRET, claims, STORE_HASH, sign } from '../server/helpers.js';

const root = packageRoot();
const run = promisify(execFile);
const IN_CI = process.env.CI === 'true';
const STOREFRONT = `https://store-${STORE_HASH}.mybigcommerce.com`;
const CUSTOM_DOMAIN = 'https://shop.example.com';
const ENV = {
  CLIENT_ID,
  CLIENT_SECRET,
  STORE_HASH,
  ALLOWED_ORIGINS: `${STOREFRONT},${CUSTOM_DOMAIN}`,
  PORT: '0',
};
const PATH = '/api/current-customer';

/** Sends one request to a running example: a real HTTP request, or a dispatch into workerd. */
type Send = (path: string, init: RequestInit) => Promise<Response>;

interface Running {
  send: Send;
  stop(): Promise<void>;
}

let work: string;
let tarball: string;
const ready = deferred();

/** A promise settled from outside: the pack below settles `ready`, which every install waits for. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

beforeAll(async () => {
  try {
    if (!existsSync(join(root, 'dist', 'server.cjs')))
      throw new Error('dist/ is missing: run `npm run build` first');
    work = mkdtempSync(join(tmpdir(), 'scc-examples-'));
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
      { cwd: root, timeout: 60_000 },
    );
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    tarball = join(work, filename);
    ready.resolve();
  } catch (error) {
    ready.reject(error);
    throw error;
  }
}, 90_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** At most three installs at a time: they share two cores with the tests that run meanwhile. */
const slots = { free: 3, waiting: [] as (() => void)[] };
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (slots.free === 0) await new Promise<void>((resolve) => slots.waiting.push(resolve));
  else slots.free -= 1;
  try {
    return await task();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free += 1;
  }
}

const installs = new Map<string, Promise<string>>();
/**
 * The example copied to a fresh folder with the tarball and its dependencies installed, as its README says
 * (`npm install` of the tarball in the example's folder). Started at most once per example, in the background.
 */
function installed(name: string, omitDev = false): Promise<string> {
  let install = installs.get(name);
  if (!install) {
    install = ready.promise.then(() =>
      limited(async () => {
        const dir = join(work, name);
        cpSync(join(root, 'examples', name), dir, { recursive: true });
        const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball];
        // Tools a user runs from the command line (wrangler) are not needed to run the example here.
        if (omitDev) args.push('--omit=dev');
        await run('npm', args, { cwd: dir, timeout: 150_000 });
        return dir;
      }),
    );
    install.catch(() => {});
    installs.set(name, install);
  }
  return install;
}

/** Starts `command` in `dir` and waits (30 s at most) for the "Listening on <url>" line every example prints. */
function listen(
  dir: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Running> {
  const child = spawn(command, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...ENV, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env },
  });
  let output = '';
  return new Promise<Running>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: ${why}\n${output}`));
    };
    const timer = setTimeout(() => fail('printed no "Listening on" line within 30 s'), 30_000);
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', (code) => fail(`exited with ${code}`));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /Listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const origin = new URL(match[1] as string).origin;
      resolve({
        send: (path, init) =>
          fetch(`${origin}${path}`, { ...init, signal: AbortSignal.timeout(10_000) }),
        stop: () => stopChild(child),
      });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A token BigCommerce would issue now (the examples run on the real clock). */
function freshToken(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(claims({ iat: now - 5, exp: now + 895 }));
}

const post = (send: Send, origin: string, contentType: string, body: string): Promise<Response> =>
  send(PATH, { method: 'POST', headers: { origin, 'content-type': contentType }, body });

/** The three requests every example must answer alike, and the answer to a text/plain body. */
function behavesAsDocumented(start: () => Promise<Running>): void {
  let running: Running | undefined;
  let token: string;
  beforeAll(async () => {
    token = await freshToken();
    running = await start();
  }, 180_000);
  afterAll(async () => {
    await running?.stop();
  });
  const send: Send = (path, init) => {
    if (!running) throw new Error('the example did not start');
    return running.send(path, init);
  };

  it('answers a valid token 200 with the customer and the store', async () => {
    const response = await post(send, STOREFRONT, 'application/json', JSON.stringify({ token }));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    expect(await response.json()).toMatchObject({
      customer: { id: 4927, email: 'john.doe@gmail.com' },
      storeHash: STORE_HASH,
    });
  });

  it('accepts the second storefront origin (a custom domain) too', async () => {
    const response = await post(send, CUSTOM_DOMAIN, 'application/json', JSON.stringify({ token }));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(CUSTOM_DOMAIN);
  });

  it('refuses a foreign origin with 403', async () => {
    const response = await post(
      send,
      'https://attacker.example',
      'application/json',
      JSON.stringify({ token }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the CORS preflight 204', async () => {
    const response = await send(PATH, {
      method: 'OPTIONS',
      headers: {
        origin: STOREFRONT,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('refuses a token signed with another secret with 401', async () => {
    const forged = await sign(
      claims({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 900 }),
      'not-the-secret',
    );
    const response = await post(
      send,
      STOREFRONT,
      'application/json',
      JSON.stringify({ token: forged }),
    );
    expect(response.status).toBe(401);
  });

  it('answers a text/plain body (the token alone) as the handler itself does, never invalid_json', async () => {
    const response = await post(send, STOREFRONT, 'text/plain;charset=UTF-8', token);
    const reference = await referenceAnswer(token);
    expect({ status: response.status, body: await response.text() }).toEqual(reference);
    expect(reference.body).not.toMatch(/invalid_json/);
  });
}

/** What the package's own handler answers a text/plain body (the reference the examples must match). */
async function referenceAnswer(token: string): Promise<{ status: number; body: string }> {
  const { createCurrentCustomerHandler } = (await import(
    pathToFileURL(join(root, 'dist', 'server.js')).href
  )) as typeof import('../../src/server/index.js');
  const handler = createCurrentCustomerHandler({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: STORE_HASH,
    allowedOrigins: [STOREFRONT],
  });
  const response = await handler(
    new Request(`http://127.0.0.1${PATH}`, {
      method: 'POST',
      headers: { origin: STOREFRONT, 'content-type': 'text/plain;charset=UTF-8' },
      body: token,
    }),
  );
  return { status: response.status, body: await response.text() };
}

describe.each([
  ['node-http', 'server.js'],
  ['express4', 'server.js'],
  ['express5', 'server.js'],
  ['fastify', 'server.js'],
  ['hono', 'server.js'],
])('examples/%s', (name, script) => {
  const dir = installed(name);
  behavesAsDocumented(async () => listen(await dir, process.execPath, [script]));

  if (name === 'express4' || name === 'express5') {
    it(`runs the Express major version it asks for (${name.slice(-1)})`, async () => {
      const manifest = JSON.parse(
        readFileSync(join(await dir, 'node_modules', 'express', 'package.json'), 'utf8'),
      ) as { version: string };
      expect(manifest.version.split('.')[0]).toBe(name.slice(-1));
    });
  }
});

describe('examples/cloudflare-workers (workerd through miniflare)', () => {
  const dir = installed('cloudflare-workers', true);
  behavesAsDocumented(async () => {
    // What wrangler does: bundle the worker and its imports for the workerd conditions.
    const bundle = await rollup({
      input: join(await dir, 'src', 'index.js'),
      plugins: [nodeResolve({ exportConditions: ['workerd', 'worker', 'browser', 'import'] })],
    });
    const { output } = await bundle.generate({ format: 'es' });
    await bundle.close();
    const [chunk] = output;
    expect(chunk.imports).toEqual([]);
    const { PORT: _, ...bindings } = ENV;
    const mf = new Miniflare({
      modules: true,
      script: chunk.code,
      compatibilityDate: '2024-09-23',
      bindings,
    });
    await mf.ready;
    return {
      send: async (path, init) =>
        (await mf.dispatchFetch(
          `https://current-customer.example.workers.dev${path}`,
          init as never,
        )) as unknown as Response,
      stop: () => mf.dispose(),
    };
  });
});

describe('examples/nextjs (the route handler, without Next)', () => {
  // Next is not installed: the route file and its tsconfig go into a project that has the tarball alone.
  const dir = ready.promise.then(() =>
    limited(async () => {
      const project = join(work, 'nextjs');
      mkdirSync(project);
      cpSync(join(root, 'examples', 'nextjs', 'app'), join(project, 'app'), { recursive: true });
      cpSync(join(root, 'examples', 'nextjs', 'tsconfig.json'), join(project, 'tsconfig.json'));
      writeFileSync(join(project, 'package.json'), '{"private":true}\n');
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
        cwd: project,
        timeout: 150_000,
      });
      return project;
    }),
  );
  dir.catch(() => {});
  const route = async (): Promise<string> =>
    join(await dir, 'app', 'api', 'current-customer', 'route.ts');

  it('type-checks with the example tsconfig (moduleResolution bundler, strict)', async () => {
    const project = await dir;
    const config = ts.readConfigFile(join(project, 'tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, project);
    const program = ts.createProgram([await route()], {
      ...parsed.options,
      // @types/node comes with Next in a real project; here it is the root's.
      typeRoots: [join(root, 'node_modules', '@types')],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 60_000);

  let handlers: {
    POST: (request: Request) => Promise<Response>;
    OPTIONS: (request: Request) => Promise<Response>;
  };
  behavesAsDocumented(async () => {
    // What Next's compiler does to the route: TypeScript to an ES module, loaded with the app's environment.
    const file = await route();
    const compiled = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const output = file.replace(/\.ts$/, '.mjs');
    writeFileSync(output, compiled);
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    try {
      handlers = await import(pathToFileURL(output).href);
    } finally {
      for (const key of Object.keys(ENV)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    return {
      send: (path, init) => {
        const request = new Request(`https://app.example.com${path}`, init);
        return request.method === 'OPTIONS' ? handlers.OPTIONS(request) : handlers.POST(request);
      },
      stop: async () => {},
    };
  });
});

describe.each(runtimes().map((runtime) => [runtime.name, runtime] as const))(
  'examples/%s',
  (_name, runtime) => {
    const found = locate(runtime);
    if ('reason' in found) {
      it.skipIf(!IN_CI)(`skipped: ${found.reason}`, () => {
        throw new Error(found.reason);
      });
      return;
    }
    const dir = installed(runtime.name);
    behavesAsDocumented(async () =>
      runtime.name === 'deno'
        ? listen(await dir, found.binary, [
            'run',
            '--allow-net=127.0.0.1',
            '--allow-env',
            '--allow-read',
            'main.ts',
          ])
        : listen(await dir, found.binary, ['server.ts']),
    );
  },
);
