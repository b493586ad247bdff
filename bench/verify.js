// Verifications per second on one core, side by side, a fresh token for every verification:
// this package's verifier (built, dist/server.js), jose with a pre-imported CryptoKey, jose with a raw secret per
// call, jsonwebtoken, fast-jwt (sync, no cache), and the floor: one HMAC-SHA256 over the signing input, a
// timingSafeEqual and a JSON.parse of the payload. This verifier runs with its store rule as a `storeHash` string
// and as an async lookup function (a multi-store app's check of its installed stores, here an in-memory Set).
// Also this verifier forced onto Web Crypto (the edge path).
// Run with `npm run bench:verify`. Options: POOL=20000 ROUNDS=9 BUDGET_MS=1000.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createVerifier } from '../dist/server.js';
import { CLIENT_ID, CLIENT_SECRET, STORE_HASH, signToken } from './tokens.js';

const POOL = Number(process.env.POOL ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
/** A round of a slow contender stops after this long, so the whole run stays short. */
const BUDGET_MS = Number(process.env.BUDGET_MS ?? 1000);

const secretBytes = new TextEncoder().encode(CLIENT_SECRET);
// The floor gets the fastest key form node:crypto has (a KeyObject, made once), as this verifier does.
const secretKeyObject = createSecretKey(secretBytes);

function makePool(size) {
  return Array.from({ length: size }, (_, i) =>
    signToken({ id: i + 1, email: `customer${i}@example.com`, group_id: String(i % 7) }),
  );
}

function floor(token) {
  const dot = token.lastIndexOf('.');
  const expected = createHmac('sha256', secretKeyObject).update(token.slice(0, dot)).digest();
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new Error('bad signature');
  }
  const payload = token.slice(token.indexOf('.') + 1, dot);
  return JSON.parse(Buffer.from(payload, 'base64url').toString());
}

async function contenders() {
  const ours = createVerifier({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: STORE_HASH,
  });
  const installedStores = new Set([STORE_HASH]);
  const oursLookup = createVerifier({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: async (storeHash) => installedStores.has(storeHash),
  });
  const oursWeb = createVerifier({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: STORE_HASH,
    preferNodeCrypto: false,
  });
  const key = await crypto.subtle.importKey(
    'raw',
    secretBytes,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const joseOptions = {
    algorithms: ['HS256'],
    issuer: 'bc/apps',
    audience: CLIENT_ID,
    clockTolerance: 30,
    requiredClaims: ['exp', 'iat'],
  };
  const fastJwt = createFastJwtVerifier({
    key: CLIENT_SECRET,
    algorithms: ['HS256'],
    allowedIss: 'bc/apps',
    allowedAud: CLIENT_ID,
    clockTolerance: 30_000,
    cache: false,
  });
  const jwtOptions = {
    algorithms: ['HS256'],
    issuer: 'bc/apps',
    audience: CLIENT_ID,
    clockTolerance: 30,
  };
  return [
    ['floor (createHmac + timingSafeEqual + JSON.parse)', floor, false],
    [`this verifier (${ours.implementation}), storeHash string`, ours, true],
    ['fast-jwt createVerifier (sync, no cache)', fastJwt, false],
    [`this verifier (${oursLookup.implementation}), async store lookup`, oursLookup, true],
    // With a string secret (as its README shows) jsonwebtoken first tries the string as a PEM public key,
    // which throws and costs most of the call; with a KeyObject it skips that.
    [
      'jsonwebtoken verify, string secret',
      (token) => jsonwebtoken.verify(token, CLIENT_SECRET, jwtOptions),
      false,
    ],
    [
      'jsonwebtoken verify, KeyObject secret',
      (token) => jsonwebtoken.verify(token, secretKeyObject, jwtOptions),
      false,
    ],
    ['jose jwtVerify, pre-imported CryptoKey', (token) => jwtVerify(token, key, joseOptions), true],
    [
      'jose jwtVerify, raw secret per call',
      (token) => jwtVerify(token, secretBytes, joseOptions),
      true,
    ],
    [`this verifier (${oursWeb.implementation}, the edge path)`, oursWeb, true],
  ];
}

async function round(fn, isAsync, tokens) {
  const start = performance.now();
  const deadline = start + BUDGET_MS;
  let done = 0;
  for (const token of tokens) {
    const result = isAsync ? await fn(token) : fn(token);
    if (result === undefined || result === null) throw new Error('no result');
    done++;
    // Check the clock every 256 tokens, so the check costs nothing.
    if ((done & 255) === 0 && performance.now() > deadline) break;
  }
  return done / ((performance.now() - start) / 1000);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const tokens = makePool(POOL);
const list = await contenders();
for (const [, fn, isAsync] of list) await round(fn, isAsync, tokens.slice(0, 2000)); // warm-up
// Round-robin, so that a noisy neighbour on the machine hits every contender alike.
const samples = new Map(list.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn, isAsync] of list) samples.get(name).push(await round(fn, isAsync, tokens));
}
const rates = new Map([...samples].map(([name, values]) => [name, median(values)]));

const floorRate = rates.get(list[0][0]);
console.log(
  `Node ${process.version}, ${POOL} distinct tokens, median of ${ROUNDS} rounds (each at most ${BUDGET_MS} ms)\n`,
);
const width = Math.max(...list.map(([name]) => name.length));
for (const [name] of list) {
  const rate = rates.get(name);
  console.log(
    `${name.padEnd(width)}  ${Math.round(rate).toLocaleString('en-US').padStart(9)} /s  ${(rate / floorRate).toFixed(2)} x floor`,
  );
}
const fastJwtRate = rates.get(list[2][0]);
console.log('');
for (const [label, index] of [
  ['a storeHash string', 1],
  ['an async store lookup', 3],
]) {
  const oursRate = rates.get(list[index][0]);
  const goal = oursRate >= fastJwtRate && oursRate >= 0.5 * floorRate;
  console.log(
    `goal with ${label} (>= fast-jwt and >= 0.5 x floor): ${goal ? 'met' : 'NOT met'} ` +
      `(${(oursRate / fastJwtRate).toFixed(2)} x fast-jwt, ${(oursRate / floorRate).toFixed(2)} x floor)`,
  );
}
