import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEMO_CUSTOMERS, recentlyPurchased } from '../../src/dev/customers.js';
import { signCustomerToken, type TokenSettings } from '../../src/dev/token.js';

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
    const jwt = await signCustomerToken(customer, settings, now);
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
    const jwt = await signCustomerToken(customer, { ...settings, ttl: 20 }, 1_000_000);
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(settings.clientSecret), {
      currentDate: new Date(1_000_010_000),
    });
    expect(payload.exp).toBe(1_000_020);
  });

  it('does not verify with another secret', async () => {
    const jwt = await signCustomerToken(customer, settings);
    await expect(
      jwtVerify(jwt, new TextEncoder().encode('another-secret-entirely')),
    ).rejects.toThrow(/signature/);
  });

  it('gives each customer the same demo purchases every time', () => {
    expect(recentlyPurchased(4927)).toEqual(recentlyPurchased(4927));
    expect(recentlyPurchased(4927)).toHaveLength(3);
    expect(recentlyPurchased(4927)).not.toEqual(recentlyPurchased(5012));
  });
});
