// The handler in Cloudflare's real Workers runtime (workerd, through miniflare): the fixture worker is bundled
// from source with rollup for a browser/worker target, then posted a valid and an invalid token.
import nodeResolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { Miniflare } from 'miniflare';
import { rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET, claims, STORE_HASH, sign } from './helpers.js';

const STOREFRONT = 'https://store.example.com';

async function bundleWorker(): Promise<{ code: string; imports: string[] }> {
  const warnings: string[] = [];
  const bundle = await rollup({
    input: new URL('./fixtures/worker.ts', import.meta.url).pathname,
    onwarn: (warning) => {
      warnings.push(String(warning.message));
    },
    plugins: [
      typescript({
        tsconfig: false,
        include: ['src/server/**/*.ts', 'test/server/fixtures/*.ts'],
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM'],
          strict: true,
          skipLibCheck: true,
          types: [],
          declaration: false,
          sourceMap: false,
        },
        noEmitOnError: true,
      }),
      nodeResolve({ browser: true, exportConditions: ['worker', 'browser'] }),
    ],
  });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  const [chunk] = output;
  expect(warnings).toEqual([]);
  return { code: chunk.code, imports: [...chunk.imports, ...chunk.dynamicImports] };
}

describe('the handler in the Workers runtime', () => {
  let mf: Miniflare;
  let mfCompat: Miniflare;
  let imports: string[] = [];
  let code = '';

  beforeAll(async () => {
    ({ code, imports } = await bundleWorker());
    const bindings = { CLIENT_ID, CLIENT_SECRET, STORE_HASH, STOREFRONT };
    mf = new Miniflare({ modules: true, script: code, compatibilityDate: '2024-09-23', bindings });
    mfCompat = new Miniflare({
      modules: true,
      script: code,
      compatibilityDate: '2024-09-23',
      compatibilityFlags: ['nodejs_compat'],
      bindings,
    });
    await Promise.all([mf.ready, mfCompat.ready]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([mf?.dispose(), mfCompat?.dispose()]);
  });

  it('bundles with no Node-only import', () => {
    expect(imports).toEqual([]);
    expect(code).not.toMatch(/from\s+['"]node:|require\(|import\(['"]node:/);
  });

  it('runs the Web Crypto path where node:crypto is absent, node:crypto where offered', async () => {
    const response = await mf.dispatchFetch('https://app.example.com/implementation');
    expect(await response.text()).toBe('web-crypto');
    const compat = await mfCompat.dispatchFetch('https://app.example.com/implementation');
    // With nodejs_compat, workerd offers process.getBuiltinModule('node:crypto'): the same code takes it.
    expect(await compat.text()).toBe('node-crypto');
  });

  it.each([
    ['without Node compatibility', () => mf],
    ['with nodejs_compat', () => mfCompat],
  ])(
    'answers a valid token with 200 and the customer, an invalid one with 401, %s',
    async (_name, get) => {
      const worker = get();
      const post = (token: string) =>
        worker.dispatchFetch('https://app.example.com/api/current-customer', {
          method: 'POST',
          headers: { origin: STOREFRONT, 'content-type': 'application/json' },
          body: JSON.stringify({ token }),
        });
      const now = Math.floor(Date.now() / 1000);
      const valid = await post(await sign(claims({ iat: now, exp: now + 900 })));
      expect(valid.status).toBe(200);
      expect(valid.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
      expect(await valid.json()).toEqual({
        customer: { id: 4927, email: 'john.doe@gmail.com', groupId: '6' },
        storeHash: 'abc123',
        runtime: 'workerd',
      });

      const forged = await post(await sign(claims({ iat: now, exp: now + 900 }), 'not-the-secret'));
      expect(forged.status).toBe(401);
      expect(await forged.json()).toEqual({ error: 'signature_invalid' });

      const expired = await post(await sign(claims({ iat: now - 2000, exp: now - 1100 })));
      expect(expired.status).toBe(401);
      expect(await expired.json()).toEqual({ error: 'token_expired' });

      const otherStore = claims({ iat: now, exp: now + 900, store_hash: 'zzz999', sub: 'zzz999' });
      const foreign = await post(await sign(otherStore));
      expect(foreign.status).toBe(401);
      expect(await foreign.json()).toEqual({ error: 'store_not_allowed' });

      const preflight = await worker.dispatchFetch('https://app.example.com/api/current-customer', {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(403);
    },
  );
});
