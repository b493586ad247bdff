import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurrentCustomerError } from '../../src/client/index.js';
import { decodeToken, MAX_LIFETIME, readToken } from '../../src/client/token.js';
import { DOCS_TOKEN, makeJwt } from './helpers.js';

describe('decodeToken', () => {
  it('decodes the example token from the BigCommerce documentation', () => {
    const claims = decodeToken(DOCS_TOKEN);
    expect(claims.customer).toEqual({ id: 4927, email: 'john.doe@gmail.com', group_id: '6' });
    expect(claims.store_hash).toBe('abc123');
    expect(claims.sub).toBe('abc123');
    expect(claims.operation).toBe('current_customer');
    expect(claims.iss).toBe('bc/apps');
    expect(claims.exp - claims.iat).toBe(900);
  });

  it.each([
    ['two parts', 'eyJhbGciOiJIUzI1NiJ9.eyJmb28iOjF9'],
    ['an empty signature', `${DOCS_TOKEN.slice(0, DOCS_TOKEN.lastIndexOf('.'))}.`],
    ['padding', `${DOCS_TOKEN}=`],
    ['a payload that is not JSON', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln'],
    ['no exp', makeJwt({ iat: 1, customer: { id: 1 } })],
    ['a string exp', makeJwt({ iat: 1, exp: '901', customer: { id: 1 } })],
    ['exp before iat', makeJwt({ iat: 900, exp: 1, customer: { id: 1 } })],
    ['exp equal to iat', makeJwt({ iat: 900, exp: 900, customer: { id: 1 } })],
    ['a lifetime over an hour', makeJwt({ iat: 0, exp: 3601, customer: { id: 1 } })],
    ['no customer', makeJwt({ iat: 0, exp: 900 })],
    ['no customer id', makeJwt({ iat: 0, exp: 900, customer: { email: 'x@example.com' } })],
    ['an empty customer id', makeJwt({ iat: 0, exp: 900, customer: { id: '' } })],
    [
      'a JSON array payload',
      `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('[1]').toString('base64url')}.c2ln`,
    ],
  ])('refuses a token with %s', (_name, token) => {
    expect(() => decodeToken(token)).toThrow(CurrentCustomerError);
    expect(() => decodeToken(token)).toThrow(expect.objectContaining({ code: 'token_malformed' }));
  });

  it('accepts a lifetime of exactly an hour and a string customer id', () => {
    expect(decodeToken(makeJwt({ iat: 0, exp: 3600, customer: { id: '7' } })).customer.id).toBe(
      '7',
    );
  });

  /** The rule, written independently of the implementation. */
  const wellFormed = (claims: Record<string, unknown>) => {
    const { iat, exp, customer } = claims;
    const id = (customer as { id?: unknown } | null)?.id;
    return (
      typeof iat === 'number' &&
      typeof exp === 'number' &&
      exp > iat &&
      exp - iat <= MAX_LIFETIME &&
      id !== undefined &&
      id !== null &&
      id !== ''
    );
  };

  const claimsArbitrary = fc.record(
    {
      iat: fc.oneof(fc.integer({ min: 0, max: 2e9 }), fc.string(), fc.constant(null)),
      exp: fc.oneof(fc.integer({ min: -10, max: 2e9 }), fc.string(), fc.constant(null)),
      customer: fc.oneof(
        fc.record(
          { id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), email: fc.emailAddress() },
          { requiredKeys: [] },
        ),
        fc.constant(null),
        fc.string(),
      ),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  it('never throws anything but token_malformed, and accepts exactly the well-formed claims', () => {
    fc.assert(
      fc.property(
        claimsArbitrary,
        fc.boolean(),
        fc.integer({ min: -1, max: 3601 }),
        (raw, nearExp, life) => {
          const claims: Record<string, unknown> = { ...raw };
          // Make the lifetime boundaries likely.
          if (nearExp && typeof claims.iat === 'number') claims.exp = claims.iat + life;
          let decoded: unknown;
          try {
            decoded = decodeToken(makeJwt(claims));
          } catch (error) {
            expect(error).toBeInstanceOf(CurrentCustomerError);
            expect((error as CurrentCustomerError).code).toBe('token_malformed');
          }
          expect(decoded !== undefined).toBe(wellFormed(claims));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws anything but token_malformed for arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .array(fc.stringMatching(/^[\w-]{0,12}$/), { minLength: 1, maxLength: 5 })
            .map((parts) => parts.join('.')),
        ),
        (text) => {
          try {
            decodeToken(text);
            throw new Error(`accepted ${text}`);
          } catch (error) {
            expect((error as CurrentCustomerError).code).toBe('token_malformed');
          }
        },
      ),
    );
  });
});

describe('readToken', () => {
  it('trims a plain body and unwraps a JSON {token} body', () => {
    expect(readToken('  a.b.c\n')).toBe('a.b.c');
    expect(readToken(' {"token":"a.b.c"} ')).toBe('a.b.c');
    expect(readToken('{"jwt":"a.b.c"}')).toBeUndefined();
    expect(() => decodeToken(readToken('{"token":5}'))).toThrow(
      expect.objectContaining({ code: 'token_malformed' }),
    );
  });
});
