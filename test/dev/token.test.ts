// The emulator's tokens, signed with node:crypto, checked against jose (the independent reference, a dev
// dependency only): jose verifies them, and signs the same claims to the same bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEMO_CUSTOMERS, recentlyPurchased } from '../../src/dev/customers.js';
import { signCustomerToken, type TokenSettings, tokenClaims } from '../../src/dev/token.js';
import { packageRoot } from '../../src/paths.js';

const settings: TokenSettings = {
  clientId: 'client-abc',
  clientSecret: 'a-secret-of-some-length',
  storeHash: 'abc123',
  applicationId: 'app-xyz',
  ttl: 900,
};
const customer = DEMO_CUSTOMERS[0] as (typeof DEMO_CUSTOMERS)[number];

describe('emulator token', () => {
  it("is HS256 with BigCommerce's claims, signed with the client secret", async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = signCustomerToken(customer, settings, now);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(settings.clientSecret), {
      algorithms: ['HS256'],
      issuer: 'bc/apps',
      audience: settings.clientId,
      requiredClaims: ['iat', 'exp'],
    });
    expect(payload).toEqual({
      customer: {
        id: customer.id,
        email: customer.email,
        group_id: String(customer.customer_group_id),
      },
      iss: 'bc/apps',
      sub: 'abc123',
      iat: now,
      exp: now + 900,
      version: 1,
      aud: 'client-abc',
      application_id: 'app-xyz',
      store_hash: 'abc123',
      operation: 'current_customer',
    });
  });

  it('honours the configured lifetime', async () => {
    const jwt = signCustomerToken(customer, { ...settings, ttl: 20 }, 1_000_000);
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(settings.clientSecret), {
      currentDate: new Date(1_000_010_000),
    });
    expect(payload.exp).toBe(1_000_020);
  });

  it('does not verify with another secret', async () => {
    const jwt = signCustomerToken(customer, settings);
    await expect(
      jwtVerify(jwt, new TextEncoder().encode('another-secret-entirely')),
    ).rejects.toThrow(/signature/);
  });

  it('is byte for byte what jose signs, and jose verifies it, for any secret, customer and lifetime', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }),
        fc.record({
          id: fc.integer({ min: 1, max: 2 ** 31 }),
          email: fc.string({ maxLength: 40, unit: 'grapheme' }),
          customer_group_id: fc.integer({ min: 0, max: 1000 }),
        }),
        fc.integer({ min: 1, max: 900 }),
        async (clientSecret, someone, ttl) => {
          const mine = { ...settings, clientSecret, ttl };
          const now = Math.floor(Date.now() / 1000);
          const jwt = signCustomerToken(someone, mine, now);
          const key = new TextEncoder().encode(clientSecret);
          const reference = await new SignJWT({ ...tokenClaims(someone, mine, now) })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
            .sign(key);
          expect(jwt).toBe(reference);
          // Verified at the second it was signed: a 1-second lifetime may end before this line runs.
          const { payload } = await jwtVerify(jwt, key, {
            algorithms: ['HS256'],
            currentDate: new Date(now * 1000),
          });
          expect(payload.customer).toEqual({
            id: someone.id,
            email: someone.email,
            group_id: String(someone.customer_group_id),
          });
        },
      ),
      { numRuns: 200, seed: 20261207 },
    );
  });

  it('no file the package ships imports jose (the dev command signs with node:crypto)', () => {
    const root = packageRoot();
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? files(join(dir, entry.name))
          : /\.(ts|js)$/.test(entry.name)
            ? [join(dir, entry.name)]
            : [],
      );
    const importers = [...files(join(root, 'src')), ...files(join(root, 'dist'))].filter((file) =>
      /from\s*['"]jose['"]|import\(\s*['"]jose['"]\s*\)/.test(readFileSync(file, 'utf8')),
    );
    expect(importers).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('gives each customer the same demo purchases every time', () => {
    expect(recentlyPurchased(4927)).toEqual(recentlyPurchased(4927));
    expect(recentlyPurchased(4927)).toHaveLength(3);
    expect(recentlyPurchased(4927)).not.toEqual(recentlyPurchased(5012));
  });
});
