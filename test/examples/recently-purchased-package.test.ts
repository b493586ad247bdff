// The example as an app developer gets it: a copy of examples/recently-purchased with the packed package
// installed from its tarball (offline), type-checked with its own tsconfig (checkJs), and `npm start`ed
// against the emulator's store API; a real token posted to it answers the customer's products.
// Needs the build (dist/): run `npm run build` first.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { packageRoot } from '../../src/paths.js';

const run = promisify(execFile);
const root = packageRoot();
const CLIENT_ID = 'recently-purchased-package';
const SECRET = 'recently-purchased-package-secret-0123456789';
const STORE = 'pkg123';

let dir: string;
let emulator: Emulator;
let server: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recently-purchased-'));
  cpSync(join(root, 'examples', 'recently-purchased'), dir, { recursive: true });
  const packed = join(dir, 'packed');
  mkdirSync(packed);
  await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packed], {
    cwd: root,
  });
  const tarball = join(packed, readdirSync(packed)[0] as string);
  await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', tarball],
    { cwd: dir },
  );
  emulator = await startEmulator({
    port: 0,
    backendPort: 0,
    panel: false,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    storeHash: STORE,
  });
}, 120_000);

afterAll(async () => {
  // npm runs the server as its child: end the whole process group the test started.
  if (server?.pid !== undefined) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('type-checks with its own tsconfig against the installed package', async () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(
    process.execPath,
    [tsc, '-p', 'tsconfig.json', '--typeRoots', join(root, 'node_modules', '@types')],
    { cwd: dir },
  ).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
  expect(result.stdout).toBe('');
  expect(result).not.toHaveProperty('failed');
}, 60_000);

it('npm start serves the products of a verified customer, and refuses a forged token', async () => {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: dir,
    env: {
      ...process.env,
      CLIENT_ID,
      CLIENT_SECRET: SECRET,
      STORE_HASH: STORE,
      STORE_API_TOKEN: emulator.storeApiToken,
      STORE_API_BASE: emulator.storeApiUrl,
      ALLOWED_ORIGINS: emulator.storefrontOrigin,
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  server = child;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the example did not start in 15 s')), 15_000);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (found && found[1] !== '0') {
        clearTimeout(timer);
        resolve(found[0]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the example exited (${code})`)));
  });
  const now = Math.floor(Date.now() / 1000);
  const token = (secret: string) =>
    new SignJWT({
      customer: { id: 4927, email: 'jane.doe@example.com', group_id: '6' },
      store_hash: STORE,
      operation: 'current_customer',
      version: 1,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('bc/apps')
      .setSubject(STORE)
      .setAudience(CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(new TextEncoder().encode(secret));
  const post = (jwt: string) =>
    fetch(url, {
      method: 'POST',
      headers: { origin: emulator.storefrontOrigin, 'content-type': 'application/json' },
      body: JSON.stringify({ token: jwt }),
    });
  const before = emulator.stats.storeApi.requests;
  const forged = await post(await token('not-the-secret-0123456789'));
  expect(forged.status).toBe(401);
  expect(emulator.stats.storeApi.requests).toBe(before);
  const answer = await post(await token(SECRET));
  expect(answer.status).toBe(200);
  const { products } = (await answer.json()) as { products: { name: string }[] };
  expect(products[0]?.name).toBe('Tiered Wire Basket');
  expect(emulator.stats.storeApi.requests - before).toBe(6);
}, 60_000);
