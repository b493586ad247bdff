// Differential test: this verifier against jose, on generated and mutated tokens. jose is given the same
// algorithm, issuer, audience, tolerance and required claims; the checks jose does not make (typ, operation,
// customer, lifetime, iat not in the future, store) are applied to what jose returns by an independent reference
// written below. Both must accept or refuse every token alike.
import { createHmac } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { CurrentCustomerTokenError, createVerifier } from '../../src/server/index.js';
import { CLIENT_ID, CLIENT_SECRET, NOW, nowMs, STORE_HASH } from './helpers.js';

const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20_240_923);
const COUNT = 10_000;
const TOLERANCE = 30;
const STORES = [STORE_HASH, 'def456'];

/** A small seeded PRNG, so that a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const chance = (p: number): boolean => random() < p;
/** In a "clean" case every shape is the usual one; only the times vary (so many tokens pass). */
let clean = false;
const usual = (p: number): boolean => clean || chance(p);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64url');
const hmac = (input: string, secret = CLIENT_SECRET): string =>
  createHmac('sha256', secret).update(input).digest('base64url');

/** Near the edges of every time rule, and far from them. */
const OFFSETS = [
  0, -1, 1, -29, -30, -31, 29, 30, 31, -899, -900, -901, -929, -930, -931, -5000, 5000,
];

function genHeader(): Record<string, unknown> | string {
  if (usual(0.75)) return chance(0.5) ? { alg: 'HS256', typ: 'JWT' } : { alg: 'HS256' };
  const header: Record<string, unknown> = {
    alg: pick([
      'HS256',
      'HS256',
      'hs256',
      'HS384',
      'HS512',
      'none',
      'RS256',
      '',
      7,
      null,
      undefined,
    ]),
  };
  if (chance(0.5))
    header.typ = pick(['JWT', 'jwt', 'application/jwt', 'Application/JWT', 'JWS', 'at+jwt', 1, '']);
  if (chance(0.3)) {
    header.crit = pick([['b64'], ['b64', 'b64'], [], ['exp'], [''], 'b64', [1], ['b64', 'zip']]);
    if (chance(0.7)) header.b64 = pick([true, false, 'true', null]);
  }
  if (chance(0.1)) header.kid = 'key-1';
  if (chance(0.05)) return pick(['[]', 'null', '"HS256"', '{"alg":"HS256"', '']);
  return header;
}

function genCustomer(): unknown {
  if (usual(0.85)) {
    const customer: Record<string, unknown> = { id: int(1, 100_000), email: 'shopper@example.com' };
    if (chance(0.8)) customer.group_id = pick(['6', 0, 12, null, '', 1.5, {}, [1]]);
    return customer;
  }
  return pick([
    undefined,
    null,
    'john',
    [],
    { id: 0, email: 'a@b.c' },
    { id: -1, email: 'a@b.c' },
    { id: 1.5, email: 'a@b.c' },
    { id: '12', email: 'a@b.c' },
    { id: 2 ** 53, email: 'a@b.c' },
    { id: 7 },
    { id: 7, email: null },
  ]);
}

function genClaims(): Record<string, unknown> {
  const iat = NOW + (chance(0.6) ? pick(OFFSETS) : int(-3000, 3000));
  const lifetime = usual(0.6) ? 900 : pick([930, 931, 929, 1, 0, -1, 60, 3600, 86_400]);
  const claims: Record<string, unknown> = {
    customer: genCustomer(),
    iss: usual(0.9) ? 'bc/apps' : pick(['bc', 'bc/apps ', 'BC/APPS', undefined, null, ['bc/apps']]),
    sub: usual(0.9) ? STORE_HASH : pick(['def456', 'other', undefined, 5]),
    iat: usual(0.93) ? iat : pick([undefined, null, String(iat), iat + 0.5, -1]),
    exp: usual(0.93) ? iat + lifetime : pick([undefined, null, String(iat + 900), iat + 899.5]),
    version: 1,
    aud: usual(0.88)
      ? CLIENT_ID
      : pick([
          undefined,
          'other',
          [CLIENT_ID],
          ['x', CLIENT_ID],
          ['x'],
          [],
          5,
          null,
          `${CLIENT_ID} `,
        ]),
    application_id: usual(0.95) ? 'app-1' : pick([undefined, 7, null]),
    store_hash: usual(0.9) ? STORE_HASH : pick(['def456', 'zzz', '', undefined, 5]),
    operation: usual(0.9) ? 'current_customer' : pick(['load', undefined, 'Current_Customer']),
  };
  if (!clean && chance(0.1)) {
    const nbf = pick<number | string>([-100, 0, 29, 30, 31, 100, '0']);
    claims.nbf = typeof nbf === 'string' ? nbf : NOW + nbf;
  }
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  return claims;
}

/** Payload text: usually JSON.stringify, sometimes odd but parseable, sometimes broken. */
function payloadText(claims: Record<string, unknown>): string | Uint8Array {
  const json = JSON.stringify(claims);
  if (usual(0.9)) return json;
  return pick<() => string | Uint8Array>([
    () => `${json.slice(0, -1)},"exp":1e400}`,
    () => `${json.slice(0, -1)},"iat":-1e400}`,
    () => `${json.slice(0, -1)},"aud":"${CLIENT_ID}"}`,
    () => `${json.slice(0, -1)},"exp":"soon"}`,
    () => `\ufeff${json}`,
    () => ` ${json} `,
    () => `[${json}]`,
    () => json.slice(0, -1),
    () => 'null',
    () => '',
    () => new Uint8Array([...Buffer.from(json.slice(0, -1)), 0xff, 0x7d]),
    () => `${json.slice(0, -1)},"note":"caf\u00e9 \ud83d\ude00"}`,
  ])();
}

/** Encodes a segment canonically, or in a way some decoders accept and others might not. */
function encodeSegment(text: string | Uint8Array): string {
  const canonical = b64(text);
  if (usual(0.9)) return canonical;
  return pick<() => string>([
    () => `${canonical}${'='.repeat((4 - (canonical.length % 4)) % 4)}`,
    () => `${canonical}=`,
    () => `${canonical}==`,
    () => `${canonical.slice(0, 4)} ${canonical.slice(4)}`,
    () => `${canonical.slice(0, 8)}\n${canonical.slice(8)}`,
    () => Buffer.from(text).toString('base64'),
    () => canonical.replace(/-/g, '+'),
    () => `${canonical}A`,
    () => canonical.slice(0, -1),
    () => `${canonical.slice(0, 5)}%${canonical.slice(6)}`,
  ])();
}

/** Non-canonical spellings of the same signature bytes, or other signatures. */
function signatureVariant(signature: string): string {
  if (chance(0.85)) return signature;
  const last = signature.slice(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const index = alphabet.indexOf(last);
  return pick<() => string>([
    // The low 2 bits of the 43rd character are unused: a different string, the same bytes.
    () => `${signature.slice(0, -1)}${alphabet[(index & ~3) | int(0, 3)]}`,
    () => `${signature}=`,
    () => `${signature}==`,
    () => ` ${signature}`,
    () => `${signature.slice(0, 10)}\t${signature.slice(10)}`,
    () => signature.replace(/_/g, '/'),
    () => signature.slice(0, -2),
    () => `${signature}AA`,
    () => '',
    () => b64(Buffer.from(signature, 'base64url').subarray(0, 31)),
  ])();
}

/** Mutations after signing: none, or something an attacker might try. */
function mutate(token: string, other: string): string {
  if (usual(0.7)) return token;
  const [h = '', p = '', s = ''] = token.split('.');
  const [oh = '', op = '', os = ''] = other.split('.');
  return pick<() => string>([
    () => {
      const i = int(0, token.length - 1);
      const c = token.charCodeAt(i) ^ (1 << int(0, 6));
      return token.slice(0, i) + String.fromCharCode(c) + token.slice(i + 1);
    },
    () => `${h}.${op}.${s}`,
    () => `${oh}.${p}.${s}`,
    () => `${h}.${p}.${os}`,
    () => `${p}.${h}.${s}`,
    () => `${h}.${p}`,
    () => `${token}.`,
    () => `${h}..${s}`,
    () => token.slice(0, int(0, token.length)),
    () => `${h}.${p}.${hmac(`${h}.${p}`, 'wrong-secret')}`,
    () => `${b64('{"alg":"none"}')}.${p}.`,
    () => {
      // Re-encode the other token's payload with a changed customer, keeping this token's signature.
      let decoded: Record<string, unknown> = {};
      try {
        decoded = JSON.parse(Buffer.from(op, 'base64url').toString());
      } catch {}
      return `${h}.${b64(JSON.stringify({ ...decoded, customer: { id: 1, email: 'x' } }))}.${s}`;
    },
  ])();
}

interface Case {
  token: string;
  stores: readonly string[] | undefined;
}

function generate(count: number): Case[] {
  const cases: Case[] = [];
  let previous = '';
  for (let i = 0; i < count; i++) {
    clean = chance(0.3);
    const header = genHeader();
    const headerText =
      typeof header === 'string'
        ? header
        : JSON.stringify(
            Object.fromEntries(Object.entries(header).filter(([, v]) => v !== undefined)),
          );
    const input = `${encodeSegment(headerText)}.${encodeSegment(payloadText(genClaims()))}`;
    const signature = signatureVariant(hmac(input, usual(0.97) ? CLIENT_SECRET : 'not-the-secret'));
    const token = mutate(`${input}.${signature}`, previous || `${input}.${signature}`);
    previous = `${input}.${signature}`;
    cases.push({ token, stores: chance(0.5) ? STORES : undefined });
  }
  return cases;
}

/** The checks jose does not make, written independently of src/server. */
function extraChecks(
  payload: Record<string, unknown>,
  header: Record<string, unknown>,
  stores: readonly string[] | undefined,
): boolean {
  const { typ } = header;
  if (typ !== undefined) {
    if (typeof typ !== 'string') return false;
    const normalized = typ.includes('/') ? typ.toLowerCase() : `application/${typ.toLowerCase()}`;
    if (normalized !== 'application/jwt') return false;
  }
  if (payload.operation !== 'current_customer') return false;
  const customer = payload.customer as Record<string, unknown> | null;
  if (typeof customer !== 'object' || customer === null || Array.isArray(customer)) return false;
  const id = customer.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) return false;
  if (typeof customer.email !== 'string') return false;
  const group = customer.group_id;
  if (
    !(
      group == null ||
      typeof group === 'string' ||
      (typeof group === 'number' && Number.isSafeInteger(group))
    )
  ) {
    return false;
  }
  const iat = payload.iat as number;
  const exp = payload.exp as number;
  if (iat > NOW + TOLERANCE) return false;
  if (!(exp - iat >= 1 && exp - iat <= 900 + TOLERANCE)) return false;
  const store = payload.store_hash;
  if (typeof store !== 'string' || store.length === 0) return false;
  if (stores && (!stores.includes(store) || payload.sub !== store)) return false;
  if (payload.application_id !== undefined && typeof payload.application_id !== 'string')
    return false;
  return true;
}

async function joseJudges(
  key: CryptoKey,
  { token, stores }: Case,
): Promise<Record<string, unknown> | null> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: 'bc/apps',
      audience: CLIENT_ID,
      clockTolerance: TOLERANCE,
      requiredClaims: ['exp', 'iat'],
      currentDate: new Date(NOW * 1000),
    });
    return extraChecks(payload, protectedHeader as Record<string, unknown>, stores)
      ? payload
      : null;
  } catch {
    return null;
  }
}

describe('differential: this verifier and jose judge every token alike', () => {
  const cases = generate(COUNT);

  it.each([
    ['node:crypto', true, COUNT],
    ['Web Crypto', false, 2_500],
  ] as const)(
    `on ${COUNT} generated and mutated tokens (seed ${SEED}), with %s`,
    async (_name, preferNodeCrypto, n) => {
      const key = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(CLIENT_SECRET),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      const base = {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        now: nowMs,
        preferNodeCrypto,
      };
      const anyStore = createVerifier({ ...base, allowAnyStore: true });
      // A store case goes, in turn, to a verifier with the list and to one with a lookup of that list.
      const someStores = [
        createVerifier({ ...base, storeHash: STORES }),
        createVerifier({ ...base, storeHash: async (hash) => STORES.includes(hash) }),
      ];
      let accepted = 0;
      const disagreements: string[] = [];
      for (const [index, testCase] of cases.slice(0, n).entries()) {
        const expected = await joseJudges(key, testCase);
        let actual: Awaited<ReturnType<typeof anyStore>> | null = null;
        const verify = testCase.stores ? (someStores[index % 2] ?? anyStore) : anyStore;
        try {
          actual = await verify(testCase.token);
        } catch (error) {
          if (!(error instanceof CurrentCustomerTokenError)) {
            disagreements.push(`threw ${String(error)} for ${testCase.token}`);
          }
        }
        if ((expected === null) !== (actual === null)) {
          disagreements.push(
            `jose ${expected ? 'accepts' : 'refuses'}, this verifier ${actual ? 'accepts' : 'refuses'}: ${testCase.token} (stores: ${testCase.stores ?? 'any'})`,
          );
        } else if (expected && actual) {
          accepted++;
          expect(actual.claims).toEqual(expected);
        }
      }
      expect(disagreements.slice(0, 10)).toEqual([]);
      // The corpus must exercise both outcomes in earnest.
      expect(accepted).toBeGreaterThan(n * 0.1);
      expect(n - accepted).toBeGreaterThan(n * 0.3);
    },
  );
});

describe('encodings at the edge of base64url, judged alike by both (fixed examples)', () => {
  const header = b64('{"alg":"HS256","typ":"JWT"}');
  const payload = b64(
    JSON.stringify({
      customer: { id: 9, email: 'e@x.y' },
      iss: 'bc/apps',
      sub: STORE_HASH,
      iat: NOW,
      exp: NOW + 900,
      aud: CLIENT_ID,
      store_hash: STORE_HASH,
      operation: 'current_customer',
    }),
  );
  const signature = hmac(`${header}.${payload}`);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const lastValue = alphabet.indexOf(signature.slice(-1));
  const alias = `${signature.slice(0, -1)}${alphabet[lastValue ^ 1]}`;
  const cases: [string, string][] = [
    ['canonical', `${header}.${payload}.${signature}`],
    ['signature with unused low bits set', `${header}.${payload}.${alias}`],
    ['padded signature', `${header}.${payload}.${signature}=`],
    [
      'signature with a space',
      `${header}.${payload}.${signature.slice(0, 3)} ${signature.slice(3)}`,
    ],
    [
      'standard-alphabet signature',
      `${header}.${payload}.${signature.replace(/_/g, '/').replace(/-/g, '+')}`,
    ],
    ['padded header, signed so', `${header}=.${payload}.${hmac(`${header}=.${payload}`)}`],
    ['signature padded to a wrong length', `${header}.${payload}.${signature}==`],
  ];
  it.each(cases)('%s', async (_name, token) => {
    const key = new TextEncoder().encode(CLIENT_SECRET);
    const joseAccepts = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      currentDate: new Date(NOW * 1000),
    }).then(
      () => true,
      () => false,
    );
    const verify = createVerifier({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      storeHash: STORE_HASH,
      now: nowMs,
    });
    const accepts = await verify(token).then(
      () => true,
      () => false,
    );
    expect(accepts).toBe(joseAccepts);
  });
});
