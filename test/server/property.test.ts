// Property tests: mutations of valid tokens are never accepted (except an alias that decodes to the very same
// bytes, which jose accepts too), and the verifier never throws anything but CurrentCustomerTokenError.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64url } from '../../src/server/base64url.js';
import { CurrentCustomerTokenError, createVerifier } from '../../src/server/index.js';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../../src/server/verifier.js';
import {
  b64url,
  CLIENT_ID,
  CLIENT_SECRET,
  claims,
  NOW,
  nowMs,
  STORE_HASH,
  sign,
  signInput,
} from './helpers.js';

const verify = createVerifier({
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  storeHash: STORE_HASH,
  now: nowMs,
});
const RUNS = 1500;

/** Accepted or refused with the one error type; anything else fails the property. */
async function outcome(token: string): Promise<'accepted' | 'refused'> {
  try {
    await verify(token);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof CurrentCustomerTokenError)) throw error;
    return 'refused';
  }
}

/** Same three segments once decoded: a different spelling of the very same token. */
function sameBytes(a: string, b: string): boolean {
  const sa = a.split('.');
  const sb = b.split('.');
  if (sa.length !== 3 || sb.length !== 3) return false;
  return sa.every((segment, i) => {
    const x = decodeBase64url(segment);
    const y = decodeBase64url(sb[i] as string);
    return x !== null && y !== null && x.length === y.length && x.every((v, j) => v === y[j]);
  });
}

let tokens: string[] = [];
beforeAll(async () => {
  tokens = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      sign(claims({ customer: { id: i + 1, email: `c${i}@example.com`, group_id: String(i) } })),
    ),
  );
  for (const token of tokens) expect(await outcome(token)).toBe('accepted');
});

const anyToken = () => fc.nat({ max: 19 }).map((i) => tokens[i] as string);

describe('mutated tokens are refused, with CurrentCustomerTokenError only', () => {
  it('flipped bits anywhere in the token', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyToken(),
        fc.nat(),
        fc.integer({ min: 0, max: 15 }),
        async (token, at, bit) => {
          const i = at % token.length;
          const mutated =
            token.slice(0, i) +
            String.fromCharCode(token.charCodeAt(i) ^ (1 << bit)) +
            token.slice(i + 1);
          const result = await outcome(mutated);
          return result === 'refused' || sameBytes(mutated, token);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('swapped, repeated or borrowed segments', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyToken(),
        anyToken(),
        fc.tuple(fc.nat({ max: 5 }), fc.nat({ max: 5 }), fc.nat({ max: 5 })),
        async (a, b, [x, y, z]) => {
          const parts = [...a.split('.'), ...b.split('.')];
          const mutated = [parts[x], parts[y], parts[z]].join('.');
          const result = await outcome(mutated);
          // Only a token's own three segments in order (a, or b) may pass.
          return result === 'refused' || mutated === a || mutated === b;
        },
      ),
      { numRuns: RUNS },
    );
  });

  /** Each claim: usually a value that passes, sometimes one that must not. */
  const claimChange = fc.record(
    {
      customer: fc.record({
        id: fc.oneof(
          { arbitrary: fc.integer({ min: 1 }), weight: 4 },
          fc.constantFrom(0, -1, 1.5, '7', Number.MAX_SAFE_INTEGER + 2),
        ),
        email: fc.oneof({ arbitrary: fc.emailAddress(), weight: 4 }, fc.constantFrom(null, 5)),
      }),
      aud: fc.oneof(
        { arbitrary: fc.constant(CLIENT_ID), weight: 3 },
        fc.constant([CLIENT_ID, 'another-app']),
        fc.constant(CLIENT_ID.toUpperCase()),
        fc.string(),
      ),
      iss: fc.oneof({ arbitrary: fc.constant('bc/apps'), weight: 4 }, fc.constantFrom('bc', '')),
      exp: fc.oneof(
        { arbitrary: fc.integer({ min: NOW + 1, max: NOW + 800 }), weight: 3 },
        fc.integer({ min: NOW - 100, max: NOW + 2000 }),
      ),
      iat: fc.oneof(
        { arbitrary: fc.integer({ min: NOW - 100, max: NOW }), weight: 3 },
        fc.integer({ min: NOW - 1000, max: NOW + 100 }),
      ),
      store_hash: fc.oneof(
        { arbitrary: fc.constant(STORE_HASH), weight: 4 },
        fc.string({ minLength: 1 }),
      ),
      sub: fc.oneof({ arbitrary: fc.constant(STORE_HASH), weight: 4 }, fc.string()),
      operation: fc.oneof(
        { arbitrary: fc.constant('current_customer'), weight: 4 },
        fc.constantFrom('load', 'Current_Customer'),
      ),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  /** The claims that break a rule, by the name the verifier reports (its error's `claim`). */
  function failingClaims(c: Record<string, unknown>): string[] {
    const tolerance = DEFAULT_CLOCK_TOLERANCE_SECONDS;
    const failing: string[] = [];
    if (c.iss !== 'bc/apps') failing.push('iss');
    if (!(c.aud === CLIENT_ID || (Array.isArray(c.aud) && c.aud.includes(CLIENT_ID)))) {
      failing.push('aud');
    }
    const exp = c.exp as number;
    const iat = c.iat as number;
    if (exp <= NOW - tolerance) failing.push('exp');
    if (iat > NOW + tolerance) failing.push('iat');
    if (!(exp - iat >= 1 && exp - iat <= 900 + tolerance)) failing.push('exp');
    if (c.operation !== 'current_customer') failing.push('operation');
    const customer = c.customer as { id: unknown; email: unknown };
    if (!(Number.isSafeInteger(customer.id) && (customer.id as number) > 0)) {
      failing.push('customer.id');
    }
    if (typeof customer.email !== 'string') failing.push('customer.email');
    if (c.store_hash !== STORE_HASH || c.sub !== STORE_HASH) failing.push('store_hash');
    return failing;
  }

  it('payloads re-encoded with changed claims, re-signed: accepted exactly when every claim rule holds', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(anyToken(), claimChange, async (token, change) => {
        const [h, p] = token.split('.') as [string, string];
        const original = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<
          string,
          unknown
        >;
        const changed = { ...original, ...change };
        // Signed with the app's secret: the signature passes, so only the claim checks can refuse it.
        const resigned = signInput(`${h}.${b64url(JSON.stringify(changed))}`);
        const failing = failingClaims(changed);
        try {
          const result = await verify(resigned);
          expect(failing).toEqual([]);
          expect(result.customer.id).toBe((changed.customer as { id: number }).id);
          expect(result.storeHash).toBe(STORE_HASH);
          accepted++;
        } catch (error) {
          if (!(error instanceof CurrentCustomerTokenError)) throw error;
          expect(error.code).not.toBe('signature_invalid');
          expect(failing).toContain(error.claim);
          refused++;
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes were tried many times.
    expect(accepted).toBeGreaterThan(RUNS / 20);
    expect(refused).toBeGreaterThan(RUNS / 4);
  });

  it('payloads re-encoded with changed claims, keeping the old signature', async () => {
    await fc.assert(
      fc.asyncProperty(anyToken(), claimChange, fc.boolean(), async (token, change, padded) => {
        const [h, p, s] = token.split('.') as [string, string, string];
        const original = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<
          string,
          unknown
        >;
        const changed = { ...original, ...change };
        let payload = b64url(JSON.stringify(changed));
        if (padded) payload += '='.repeat((4 - (payload.length % 4)) % 4);
        const mutated = `${h}.${payload}.${s}`;
        const result = await outcome(mutated);
        return result === 'refused' || payload === p;
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary strings and near-tokens', async () => {
    const nearToken = fc
      .tuple(fc.base64String(), fc.base64String(), fc.base64String())
      .map((parts) => parts.join('.'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), nearToken),
        async (text) => {
          return (await outcome(text)) === 'refused';
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('non-string input of any kind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (value) => {
        if (typeof value === 'string') return true;
        return (await outcome(value as string)) === 'refused';
      }),
      { numRuns: 300 },
    );
  });
});
