import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import {
  CurrentCustomerTokenError,
  createVerifier,
  type VerifierOptions,
  verifyCurrentCustomerToken,
} from '../../src/server/index.js';
import {
  b64url,
  CLIENT_ID,
  CLIENT_SECRET,
  claims,
  handBuilt,
  NOW,
  nowMs,
  STORE_HASH,
  sign,
  signInput,
} from './helpers.js';

const options: VerifierOptions = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  storeHash: STORE_HASH,
  now: nowMs,
};

/** What the verifier returns for the token `sign(claims(overrides))`: the exact customer, store and times. */
function expected(overrides: Record<string, unknown> = {}) {
  const all = claims(overrides);
  return {
    customer: { id: 4927, email: 'john.doe@gmail.com', groupId: '6' },
    storeHash: STORE_HASH,
    applicationId: '6sv16tasdgr2b5hs5dd67g2srvq',
    issuedAt: new Date((all.iat as number) * 1000),
    expiresAt: new Date((all.exp as number) * 1000),
    claims: all,
  };
}

/** Both HMAC implementations must judge every token the same way. */
const implementations = [
  ['node:crypto', true],
  ['Web Crypto', false],
] as const;

async function refusal(
  token: unknown,
  extra: Partial<VerifierOptions> = {},
  preferNodeCrypto = true,
): Promise<CurrentCustomerTokenError> {
  const verify = createVerifier({ ...options, ...extra, preferNodeCrypto } as VerifierOptions);
  try {
    await verify(token as string);
  } catch (error) {
    expect(error).toBeInstanceOf(CurrentCustomerTokenError);
    const tokenError = error as CurrentCustomerTokenError;
    expect(tokenError.message).not.toContain(CLIENT_SECRET);
    if (typeof token === 'string' && token.length > 0)
      expect(tokenError.message).not.toContain(token);
    return tokenError;
  }
  throw new Error('the token was accepted');
}

describe.each(implementations)('the verifier with %s', (_name, preferNodeCrypto) => {
  const verifier = () => createVerifier({ ...options, preferNodeCrypto });
  const refused = (token: unknown, extra: Partial<VerifierOptions> = {}) =>
    refusal(token, extra, preferNodeCrypto);

  it('runs the implementation it was asked for', () => {
    expect(verifier().implementation).toBe(preferNodeCrypto ? 'node-crypto' : 'web-crypto');
  });

  describe('with two secrets during a rotation', () => {
    const NEXT_SECRET = 'next-client-secret-8c2e61d0b5a4';
    const rotating = (clientSecret: VerifierOptions['clientSecret']) =>
      createVerifier({ ...options, preferNodeCrypto, clientSecret });

    it('accepts a token signed with either secret, given as strings or bytes', async () => {
      const byOld = await sign();
      const byNext = await sign(claims(), NEXT_SECRET);
      for (const secrets of [
        [CLIENT_SECRET, NEXT_SECRET],
        [NEXT_SECRET, CLIENT_SECRET],
        [new TextEncoder().encode(CLIENT_SECRET), NEXT_SECRET],
      ]) {
        const verify = rotating(secrets);
        expect(await verify(byOld)).toEqual(expected());
        expect(await verify(byNext)).toEqual(expected());
      }
      // A list of one is the one secret.
      expect(await rotating([CLIENT_SECRET])(byOld)).toEqual(expected());
      await expect(rotating([CLIENT_SECRET])(byNext)).rejects.toMatchObject({
        code: 'signature_invalid',
      });
    });

    it('refuses a token signed with neither: signature_invalid', async () => {
      const verify = rotating([CLIENT_SECRET, NEXT_SECRET]);
      const error = await verify(await sign(claims(), 'a-third-secret')).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'signature_invalid' });
      expect(String((error as Error).message)).not.toContain(NEXT_SECRET);
    });
  });

  describe('accepts', () => {
    it('a token BigCommerce would issue, and returns the customer, store, app and times', async () => {
      const result = await verifier()(await sign());
      expect(result.customer).toEqual({ id: 4927, email: 'john.doe@gmail.com', groupId: '6' });
      expect(result.storeHash).toBe(STORE_HASH);
      expect(result.applicationId).toBe('6sv16tasdgr2b5hs5dd67g2srvq');
      expect(result.issuedAt).toEqual(new Date((NOW - 5) * 1000));
      expect(result.expiresAt).toEqual(new Date((NOW + 895) * 1000));
      expect(result.claims.operation).toBe('current_customer');
      expect(result.claims.version).toBe(1);
    });

    it('through .verify and the one-shot form', async () => {
      const token = await sign();
      expect((await verifier().verify(token)).customer.id).toBe(4927);
      const once = await verifyCurrentCustomerToken(token, { ...options, preferNodeCrypto });
      expect(once.customer.id).toBe(4927);
    });

    it('a token without typ, with a numeric group id, and with no group', async () => {
      const header = { alg: 'HS256' };
      expect((await verifier()(await sign(claims(), CLIENT_SECRET, header))).customer.id).toBe(
        4927,
      );
      const numeric = claims({ customer: { id: 1, email: 'a@b.c', group_id: 3 } });
      expect((await verifier()(await sign(numeric))).customer.groupId).toBe('3');
      const none = claims({ customer: { id: 1, email: 'a@b.c' } });
      expect((await verifier()(await sign(none))).customer.groupId).toBeNull();
    });

    it('the whole verified result, exactly', async () => {
      expect(await verifier()(await sign())).toEqual(expected());
    });

    it('a token expired less than the tolerance ago, and one just issued in the future within it', async () => {
      const late = { iat: NOW - 920, exp: NOW - 20 };
      expect(await verifier()(await sign(claims(late)))).toEqual(expected(late));
      const early = { iat: NOW + 29, exp: NOW + 929 };
      expect(await verifier()(await sign(claims(early)))).toEqual(expected(early));
    });

    it('a lifetime of exactly 900 s plus the tolerance', async () => {
      const longest = { iat: NOW - 10, exp: NOW + 920 };
      expect(await verifier()(await sign(claims(longest)))).toEqual(expected(longest));
    });

    it('the configured store, as a string or from a list', async () => {
      const token = await sign();
      const one = createVerifier({ ...options, preferNodeCrypto, storeHash: STORE_HASH });
      expect(await one(token)).toEqual(expected());
      const list = createVerifier({ ...options, preferNodeCrypto, storeHash: ['zzz', STORE_HASH] });
      expect(await list(token)).toEqual(expected());
    });

    it('any store with allowAnyStore: true, which still reports the store', async () => {
      const other = { store_hash: 'zzz999', sub: 'zzz999' };
      const any = createVerifier({
        ...options,
        preferNodeCrypto,
        storeHash: undefined,
        allowAnyStore: true,
      });
      expect(await any(await sign(claims(other)))).toEqual({
        ...expected(other),
        storeHash: 'zzz999',
      });
    });

    it('one token in several spellings, each giving the same verified result (why replay caches key on claims)', async () => {
      const token = await sign();
      const [h, p, sig] = token.split('.') as [string, string, string];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      // 32 signature bytes leave 2 unused low bits in the last character: flipping them spells the same bytes.
      const last = alphabet.indexOf(sig.slice(-1));
      const spellings = [
        token,
        `${h}.${p}.${sig.slice(0, -1)}${alphabet[last ^ 1]}`,
        `${h}.${p}.${sig}=`,
        `${h}.${p}.${sig.slice(0, 10)} ${sig.slice(10)}`,
        // Signed anew with whitespace in the JSON: another string, the same claims.
        handBuilt({ alg: 'HS256', typ: 'JWT' }, JSON.stringify(claims(), null, 2)),
      ];
      expect(new Set(spellings).size).toBe(spellings.length);
      const verify = verifier();
      const results = await Promise.all(spellings.map((spelling) => verify(spelling)));
      for (const result of results) expect(result).toEqual(expected());
      // The claims a replay cache keys on are the same in every spelling.
      const keys = results.map((r) => `${r.storeHash}/${r.customer.id}/${r.claims.iat}`);
      expect(new Set(keys)).toEqual(new Set([`${STORE_HASH}/4927/${NOW - 5}`]));
    });

    it('the example token from the BigCommerce docs, with its secret-less signature refused', async () => {
      const docs =
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjdXN0b21lciI6eyJpZCI6NDkyNywiZW1haWwiOiJqb2huLmRvZUBnbWFpbC5jb20iLCJncm91cF9pZCI6IjYifSwiaXNzIjoiYmMvYXBwcyIsInN1YiI6ImFiYzEyMyIsImlhdCI6MTQ4MDgzMTg2MywiZXhwIjoxNDgwODMyNzYzLCJ2ZXJzaW9uIjoxLCJhdWQiOiI2c3YxNnRmeDNqNWdzb3BtNDJzczVkZDY3ZzJzcnZxIiwiYXBwbGljYXRpb25faWQiOiI2c3YxNnRhc2RncjJiNWhzNWRkNjdnMnNydnEiLCJzdG9yZV9oYXNoIjoiYWJjMTIzIiwib3BlcmF0aW9uIjoiY3VycmVudF9jdXN0b21lciJ9.uYTDTJzhDOog7PE1yLNeP6zDNdFMb91fS-NZrJpsts0';
      expect((await refused(docs)).code).toBe('signature_invalid');
      // Re-signed with our secret, its claims pass at its own time.
      const [h, p] = docs.split('.');
      const resigned = signInput(`${h}.${p}`);
      const atIssue = createVerifier({ ...options, preferNodeCrypto, now: () => 1480831900_000 });
      const result = await atIssue(resigned);
      expect(result.customer).toEqual({ id: 4927, email: 'john.doe@gmail.com', groupId: '6' });
    });
  });

  describe('refuses', () => {
    it('no token: token_missing', async () => {
      for (const token of ['', undefined, null, 42]) {
        expect((await refused(token)).code).toBe('token_missing');
      }
    });

    it('garbage: token_malformed', async () => {
      for (const token of ['abc', 'a.b', 'a.b.c.d', '...', 'eyJ.eyJ.sig', '%%%.%%%.%%%']) {
        expect((await refused(token)).code).toBe('token_malformed');
      }
    });

    it('a header or payload that is not a JSON object: token_malformed', async () => {
      expect((await refused(handBuilt('[1]', claims()))).code).toBe('token_malformed');
      expect((await refused(handBuilt('null', claims()))).code).toBe('token_malformed');
      expect((await refused(handBuilt({ alg: 'HS256' }, '"x"'))).code).toBe('token_malformed');
      expect((await refused(handBuilt({ alg: 'HS256' }, '{"a":'))).code).toBe('token_malformed');
      expect((await refused(handBuilt({}, claims()))).code).toBe('token_malformed');
    });

    it('alg none, unsigned: algorithm_not_allowed', async () => {
      const none = handBuilt({ alg: 'none', typ: 'JWT' }, claims(), null);
      expect((await refused(none)).code).toBe('algorithm_not_allowed');
      const noneCase = handBuilt({ alg: 'None' }, claims(), null);
      expect((await refused(noneCase)).code).toBe('algorithm_not_allowed');
    });

    it('HS384 and HS512 tokens signed with the right secret: algorithm_not_allowed', async () => {
      for (const alg of ['HS384', 'HS512']) {
        const token = await sign(claims(), CLIENT_SECRET, { alg });
        expect((await refused(token)).code).toBe('algorithm_not_allowed');
      }
    });

    it('an RS256 token, and one whose public key is passed off as the HMAC secret: algorithm_not_allowed', async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      const rs = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      expect((await refused(rs)).code).toBe('algorithm_not_allowed');
      // The classic confusion: an attacker signs HS256 with a public key. Here it is just a wrong secret.
      const pub = JSON.stringify(await exportJWK(publicKey));
      expect((await refused(await sign(claims(), pub))).code).toBe('signature_invalid');
    });

    it('a wrong secret: signature_invalid', async () => {
      expect((await refused(await sign(claims(), 'another-secret'))).code).toBe(
        'signature_invalid',
      );
    });

    it('a tampered payload: signature_invalid', async () => {
      const [h, , s] = (await sign()).split('.');
      const forged = b64url(JSON.stringify(claims({ customer: { id: 1, email: 'admin@x.y' } })));
      expect((await refused(`${h}.${forged}.${s}`)).code).toBe('signature_invalid');
    });

    it('a truncated or missing signature: signature_invalid', async () => {
      const token = await sign();
      expect((await refused(token.slice(0, -4))).code).toBe('signature_invalid');
      expect((await refused(token.slice(0, token.lastIndexOf('.') + 1))).code).toBe(
        'signature_invalid',
      );
    });

    it('a typ other than JWT: token_malformed', async () => {
      const token = await sign(claims(), CLIENT_SECRET, { alg: 'HS256', typ: 'at+jwt' });
      expect((await refused(token)).code).toBe('token_malformed');
    });

    it('an unknown critical header, or b64 false: token_malformed', async () => {
      const crit = handBuilt({ alg: 'HS256', crit: ['exp'], exp: 1 }, claims());
      expect((await refused(crit)).code).toBe('token_malformed');
      const b64 = handBuilt({ alg: 'HS256', crit: ['b64'], b64: false }, claims());
      expect((await refused(b64)).code).toBe('token_malformed');
    });

    it.each([
      ['iss', { iss: 'bc' }],
      ['iss', { iss: undefined }],
      ['aud', { aud: 'another-client' }],
      ['aud', { aud: undefined }],
      ['aud', { aud: ['another-client'] }],
      ['operation', { operation: 'load' }],
      ['operation', { operation: undefined }],
      ['exp', { exp: undefined }],
      ['exp', { exp: String(NOW + 100) }],
      ['iat', { iat: undefined }],
      ['iat', { iat: null }],
      ['customer', { customer: undefined }],
      ['customer', { customer: 'john' }],
      ['customer.id', { customer: { id: 0, email: 'a@b.c' } }],
      ['customer.id', { customer: { id: -3, email: 'a@b.c' } }],
      ['customer.id', { customer: { id: 1.5, email: 'a@b.c' } }],
      ['customer.id', { customer: { id: '4927', email: 'a@b.c' } }],
      ['customer.email', { customer: { id: 1 } }],
      ['customer.email', { customer: { id: 1, email: 7 } }],
      ['store_hash', { store_hash: undefined }],
    ])('a bad %s claim: claim_invalid', async (claim, overrides) => {
      const error = await refused(await sign(claims(overrides)));
      expect(error.code).toBe('claim_invalid');
      expect(error.claim).toBe(claim);
    });

    it('a token that expired more than the tolerance ago: token_expired', async () => {
      const error = await refused(await sign(claims({ iat: NOW - 940, exp: NOW - 40 })));
      expect(error.code).toBe('token_expired');
      expect((await refused(await sign(claims({ iat: NOW - 930, exp: NOW - 30 })))).code).toBe(
        'token_expired',
      );
    });

    it('a token with no tolerance, expired a second ago: token_expired', async () => {
      const token = await sign(claims({ iat: NOW - 901, exp: NOW - 1 }));
      expect((await refused(token, { clockToleranceSeconds: 0 })).code).toBe('token_expired');
    });

    it('a token issued in the future beyond the tolerance: token_not_yet_valid', async () => {
      const error = await refused(await sign(claims({ iat: NOW + 31, exp: NOW + 931 })));
      expect(error.code).toBe('token_not_yet_valid');
      expect(error.claim).toBe('iat');
    });

    it('a token whose nbf is in the future: token_not_yet_valid', async () => {
      const error = await refused(await sign(claims({ nbf: NOW + 60 })));
      expect(error.code).toBe('token_not_yet_valid');
    });

    it('a lifetime over 900 s plus the tolerance, or not positive: claim_invalid', async () => {
      const long = await refused(await sign(claims({ iat: NOW - 10, exp: NOW + 921 })));
      expect([long.code, long.claim]).toEqual(['claim_invalid', 'exp']);
      const day = await refused(await sign(claims({ iat: NOW, exp: NOW + 86_400 })));
      expect(day.code).toBe('claim_invalid');
      const backwards = await refused(await sign(claims({ iat: NOW + 20, exp: NOW + 10 })));
      expect(backwards.code).toBe('claim_invalid');
      const forever = await refused(
        handBuilt({ alg: 'HS256' }, `${JSON.stringify(claims()).slice(0, -1)},"exp":1e400}`),
      );
      expect(forever.code).toBe('claim_invalid');
    });

    it('another store, or a sub that is not the store: store_not_allowed', async () => {
      const token = await sign();
      expect((await refused(token, { storeHash: 'other' })).code).toBe('store_not_allowed');
      expect((await refused(token, { storeHash: ['x', 'y'] })).code).toBe('store_not_allowed');
      const sub = await sign(claims({ sub: 'other' }));
      expect((await refused(sub, { storeHash: STORE_HASH })).code).toBe('store_not_allowed');
    });

    it("the attack: a token from the attacker's own store for a customer id of ours: store_not_allowed", async () => {
      const attacker = await sign(
        claims({
          store_hash: 'attackertrial',
          sub: 'attackertrial',
          customer: { id: 1, email: 'ceo@victim.com' },
        }),
      );
      const error = await refused(attacker);
      expect([error.code, error.claim]).toEqual(['store_not_allowed', 'store_hash']);
    });
  });

  describe('with a store lookup function', () => {
    const withLookup = (storeHash: (hash: string) => boolean | Promise<boolean>) =>
      createVerifier({ ...options, preferNodeCrypto, storeHash });

    it.each([
      ['synchronous', (hash: string) => hash === STORE_HASH],
      ['asynchronous', async (hash: string) => hash === STORE_HASH],
    ])(
      'accepts a store the %s lookup accepts, asking once with the store hash',
      async (_kind, decide) => {
        const lookup = vi.fn(decide);
        expect(await withLookup(lookup)(await sign())).toEqual(expected());
        expect(lookup.mock.calls).toEqual([[STORE_HASH]]);
      },
    );

    it.each([
      ['false', () => false],
      ['a promise of false', async () => false],
      ['a truthy value that is not true', () => 'yes' as unknown as boolean],
      ['a promise of 1', async () => 1 as unknown as boolean],
    ])('refuses with store_not_allowed when the lookup answers %s', async (_answer, lookup) => {
      const error = await refused(await sign(), { storeHash: lookup });
      expect([error.code, error.claim]).toEqual(['store_not_allowed', 'store_hash']);
    });

    it('is not asked about a token that fails any other check', async () => {
      const lookup = vi.fn(() => true);
      const verify = withLookup(lookup);
      const bad = [
        await sign(claims(), 'wrong-secret'),
        await sign(claims({ iat: NOW - 2000, exp: NOW - 1100 })),
        await sign(claims({ aud: 'another-client' })),
        await sign(claims({ customer: { id: 0, email: 'a@b.c' } })),
        await sign(claims({ sub: 'not-the-store' })),
        'not-a-token',
      ];
      for (const token of bad)
        await expect(verify(token)).rejects.toThrow(CurrentCustomerTokenError);
      expect(lookup).not.toHaveBeenCalled();
    });

    it.each([
      [
        'throws',
        () => {
          throw new Error('database unreachable');
        },
      ],
      ['rejects', () => Promise.reject(new Error('database unreachable'))],
      [
        'answers a value whose then getter throws',
        () =>
          ({
            // biome-ignore lint/suspicious/noThenProperty: a thenable whose then getter throws is the case tested
            get then() {
              throw new Error('database unreachable');
            },
          }) as unknown as boolean,
      ],
    ])(
      'refuses with store_lookup_failed, the error as cause, when the lookup %s',
      async (_how, lookup) => {
        const error = await refused(await sign(), { storeHash: lookup });
        expect([error.code, error.claim]).toEqual(['store_lookup_failed', 'store_hash']);
        expect(error.cause).toEqual(new Error('database unreachable'));
      },
    );
  });
});

describe('configuration', () => {
  const key = { clientId: 'c', clientSecret: 's', storeHash: 'abc' };
  it.each([
    [{ clientId: '', clientSecret: 's', storeHash: 'abc' }, /"clientId" is required/],
    [{ clientSecret: 's', storeHash: 'abc' }, /"clientId" is required/],
    [{ ...key, clientSecret: '' }, /"clientSecret" is required/],
    [{ ...key, clientSecret: ' \t\r\n ' }, /"clientSecret" .*only whitespace/],
    [{ ...key, clientSecret: new Uint8Array(0) }, /"clientSecret" is required/],
    [{ ...key, clientSecret: new Uint8Array([9, 32, 10]) }, /"clientSecret" .*only whitespace/],
    [{ clientId: 'c', storeHash: 'abc' }, /"clientSecret" is required/],
    [{ ...key, clockToleranceSeconds: -1 }, /"clockToleranceSeconds" .* 0 to 300/],
    [{ ...key, clockToleranceSeconds: Number.NaN }, /"clockToleranceSeconds"/],
    [{ ...key, clockToleranceSeconds: 301 }, /"clockToleranceSeconds" .* 0 to 300/],
    [{ ...key, clockToleranceSeconds: 86_400 }, /"clockToleranceSeconds"/],
    [{ ...key, storeHash: [] }, /"storeHash" must be/],
    [{ ...key, storeHash: '' }, /"storeHash" must be/],
    [{ ...key, storeHash: ['abc', ' '] }, /"storeHash\[1\]" must be a store hash/],
    [{ ...key, storeHash: 42 }, /"storeHash" must be/],
    [{ clientId: 'c', clientSecret: 's' }, /"storeHash" is required.*"allowAnyStore: true"/],
    [{ ...key, storeHash: undefined, allowAnyStore: false }, /"storeHash" is required/],
    [{ ...key, allowAnyStore: true }, /either "storeHash" or "allowAnyStore: true", not both/],
    [{ ...key, storeHash: () => true, allowAnyStore: true }, /not both/],
    [{ ...key, storeHash: undefined, allowAnyStore: 'yes' }, /"allowAnyStore" must be/],
    [{ ...key, now: 5 }, /"now" must be a function/],
  ])('throws a TypeError at creation for %o', (bad, message) => {
    const create = () => createVerifier(bad as unknown as VerifierOptions);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(message);
    expect(create).toThrow(/^stencil-current-customer\/server: /);
  });

  it.each([
    ['stores/abc123', /did you mean "abc123"\?/],
    ['https://store-abc123.mybigcommerce.com', /did you mean "abc123"\?/],
    ['https://api.bigcommerce.com/stores/abc123/v3/', /did you mean "abc123"\?/],
    [' abc123', /\(got the string " abc123"\)$/],
    ['abc123\n', /\(got the string "abc123\\n"\)$/],
    ['ABC123', /\(got the string "ABC123"\)$/],
  ])('refuses the store hash %j, saying what a store hash looks like', (storeHash, hint) => {
    const create = () => createVerifier({ ...key, storeHash });
    expect(create).toThrow(TypeError);
    expect(create).toThrow(
      /^stencil-current-customer\/server: "storeHash" must be a store hash: lowercase letters and digits, such as "abc123"/,
    );
    expect(create).toThrow(hint);
    // In a list too, naming the entry.
    expect(() => createVerifier({ ...key, storeHash: ['abc123', storeHash] })).toThrow(
      /"storeHash\[1\]" must be a store hash/,
    );
  });

  it('reports every problem at once, in one TypeError naming each option and what was given', () => {
    const secret = 'super-secret-value';
    let thrown: unknown;
    try {
      createVerifier({
        clientId: 42,
        clientSecret: [secret, 'next-secret', 'a-third-secret'],
        storeHash: 'stores/abc123',
        clockToleranceSeconds: '30',
        now: 'today',
      } as unknown as VerifierOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    const lines = String((thrown as Error).message).split('\n');
    expect(lines[0]).toBe('stencil-current-customer/server: 5 configuration problems:');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}- "clientId" is required .*\(got the number 42\)$/),
      expect.stringMatching(
        /^ {2}- "clientSecret" as a list .*one or two secrets \(got a list of 3\)$/,
      ),
      expect.stringMatching(/^ {2}- "clockToleranceSeconds" must be .*\(got the string "30"\)$/),
      expect.stringMatching(/^ {2}- "now" must be a function \(got the string "today"\)$/),
      expect.stringMatching(/^ {2}- "storeHash" must be a store hash: .*did you mean "abc123"\?$/),
    ]);
    expect(String((thrown as Error).message)).not.toContain(secret);
  });

  it.each([
    [[], /"clientSecret" as a list .*\(got a list of 0\)/],
    [['a', 'b', 'c'], /at most|one or two secrets \(got a list of 3\)/],
    [['super-secret-value', ' '], /"clientSecret\[1\]" is required .*\(got a string\)/],
    [[42], /"clientSecret\[0\]" is required .*\(got a number\)/],
  ])('refuses the secret list %j: one or two secrets, none blank', (clientSecret, message) => {
    const create = () => createVerifier({ ...key, clientSecret } as unknown as VerifierOptions);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(message);
    expect(create).not.toThrow(/super-secret-value/);
  });

  it('throws the same for the one-shot form, synchronously', () => {
    const noStoreRule = { clientId: 'c', clientSecret: 's' } as VerifierOptions;
    expect(() => verifyCurrentCustomerToken('a.b.c', noStoreRule)).toThrow(
      /"storeHash" is required/,
    );
  });

  it('accepts a tolerance of exactly 300 s, and a secret with spaces inside', () => {
    const verify = createVerifier({
      ...key,
      clientSecret: ' s e c r e t ',
      clockToleranceSeconds: 300,
    });
    expect(typeof verify).toBe('function');
  });

  it('never puts the secret in a configuration error', () => {
    const secret = 'super-secret-value';
    const cases: Record<string, unknown>[] = [
      { clientId: '', clientSecret: secret, storeHash: 'abc' },
      { clientId: 'c', clientSecret: secret },
      { clientId: 'c', clientSecret: secret, storeHash: 'abc', clockToleranceSeconds: 900 },
      { clientId: 'c', clientSecret: secret, storeHash: 'abc', allowAnyStore: true },
    ];
    expect.assertions(cases.length * 2);
    for (const bad of cases) {
      let thrown: unknown;
      try {
        createVerifier(bad as unknown as VerifierOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect(`${String(thrown)} ${JSON.stringify(thrown)}`).not.toContain(secret);
    }
  });

  it('keeps its own copy of a byte secret', async () => {
    const bytes = new TextEncoder().encode(CLIENT_SECRET);
    const verify = createVerifier({ ...options, clientSecret: bytes });
    bytes.fill(0);
    expect((await verify(await sign())).customer.id).toBe(4927);
  });
});

describe('refusals are cheap', () => {
  it('a refusal captures no stack (a verdict, not a fault) and leaves Error.stackTraceLimit as it was', async () => {
    const before = Error.stackTraceLimit;
    const error = await refusal(await sign(claims(), 'another-secret-0123456789abcdef'));
    expect(error.code).toBe('signature_invalid');
    expect(error.stack).toBe('CurrentCustomerTokenError: the signature is invalid');
    expect(Error.stackTraceLimit).toBe(before);
    // Errors of the program keep their stacks.
    expect(new Error('x').stack).toMatch(/\n\s+at /);
  });
});
