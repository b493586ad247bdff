// The verifier: a Current Customer token in, the verified customer out, or a CurrentCustomerTokenError.
//
// Why not jose's jwtVerify: it is what the differential test compares us with, but on Node it verifies HS256 through
// Web Crypto (an async crypto.subtle call per token, about a tenth of the speed of node:crypto's HMAC measured by
// `npm run bench:verify`), and it checks generic JWT claims, not this token's (operation, customer, store). Here the
// steps are jose's (split, decode, header, signature, claims: jws.ts, hmac.ts, claims.ts), the HMAC is node:crypto's
// where the runtime has it, and the store rule runs last, after everything else has passed.

import { binaryToBytes } from './base64url.js';
import { type ClaimRules, checkClaims, storeNotAllowed, type VerifiedCustomer } from './claims.js';
import { CurrentCustomerTokenError, configError } from './errors.js';
import { createHmacSha256Verifier, type HmacImplementation } from './hmac.js';
import { checkHeader, decodeSegment, parseJsonObject, splitCompact } from './jws.js';
import { isThenable, type MaybePromise } from './maybe-promise.js';
import { readStoreRule, type StoreHashOption, type StoreRule } from './store.js';

export interface VerifierOptions {
  /** The app's client id: the token's `aud` must be it. */
  clientId: string;
  /**
   * The app's client secret, which signs the token (HS256). Never logged, never in an error message. Empty or
   * whitespace-only secrets are refused.
   */
  clientSecret: string | Uint8Array;
  /**
   * Required unless `allowAnyStore` is true, because BigCommerce signs a token for your client id on any store,
   * an attacker's trial store included. The token's `store_hash` (and `sub`) must be this store, or one of these
   * stores; or, for a multi-store app, a lookup `(storeHash) => boolean | Promise<boolean>` of its installed
   * stores, called only for a token that passed every other check, once per token. Only `true` accepts the
   * store; a lookup that throws or rejects fails the token with `store_lookup_failed` (the handler's 503).
   */
  storeHash?: StoreHashOption;
  /**
   * Accept a correctly signed token from any store (and give no `storeHash`). Anyone can get such a token for
   * your client id from a store of their own, with any customer id and email: key customers by
   * (storeHash, customer.id), never by id or email alone.
   */
  allowAnyStore?: boolean;
  /**
   * Allowed clock skew, in seconds, for `exp`, `iat`, `nbf` and the lifetime check. Default 30, at most 300.
   */
  clockToleranceSeconds?: number;
  /** The current time in milliseconds since the epoch. Default `Date.now`. For tests. */
  now?: () => number;
  /**
   * Use `node:crypto` for the HMAC when the runtime has it (much faster on Node than Web Crypto). Default true.
   * False forces Web Crypto, as on an edge runtime.
   */
  preferNodeCrypto?: boolean;
}

/** Verifies one token. Also reachable as `.verify`. */
export interface CurrentCustomerVerifier {
  (token: string): Promise<VerifiedCustomer>;
  readonly verify: (token: string) => Promise<VerifiedCustomer>;
  /** Which HMAC implementation this verifier runs. */
  readonly implementation: HmacImplementation;
}

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** A larger tolerance would also stretch the lifetime limit far beyond BigCommerce's 15 minutes. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

const SECRET_REQUIRED =
  '"clientSecret" is required (the app\'s client secret), and cannot be empty or only whitespace';

/** Tab, line feed, vertical tab, form feed, carriage return, space. */
const isAsciiSpace = (byte: number): boolean => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

function readSecret(clientSecret: unknown): Uint8Array {
  if (typeof clientSecret === 'string') {
    if (clientSecret.trim() === '') throw configError(SECRET_REQUIRED);
    return new TextEncoder().encode(clientSecret);
  }
  if (!(clientSecret instanceof Uint8Array) || clientSecret.every(isAsciiSpace)) {
    throw configError(SECRET_REQUIRED);
  }
  return clientSecret;
}

function readTolerance(clockToleranceSeconds: unknown): number {
  const tolerance = clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (
    typeof tolerance !== 'number' ||
    !Number.isFinite(tolerance) ||
    tolerance < 0 ||
    tolerance > MAX_CLOCK_TOLERANCE_SECONDS
  ) {
    throw configError(
      `"clockToleranceSeconds" must be a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`,
    );
  }
  return tolerance;
}

function lookupFailed(cause: unknown): CurrentCustomerTokenError {
  return new CurrentCustomerTokenError(
    'store_lookup_failed',
    'the store lookup failed, so the token could not be checked',
    'store_hash',
    { cause },
  );
}

/** What a token check gives: the verified customer, or the refusal (returned, not thrown). */
export type TokenVerdict = VerifiedCustomer | CurrentCustomerTokenError;

/** Asks the app's lookup about a token that passed every other check. Synchronous when the lookup is. */
function checkStoreLookup(
  store: StoreRule,
  verified: VerifiedCustomer,
): MaybePromise<TokenVerdict> {
  if (store.kind !== 'lookup') return verified;
  let answer: unknown;
  try {
    answer = store.lookup(verified.storeHash);
  } catch (error) {
    return lookupFailed(error);
  }
  if (!isThenable(answer)) return answer === true ? verified : storeNotAllowed();
  return Promise.resolve(answer).then(
    (allowed) => (allowed === true ? verified : storeNotAllowed()),
    (error: unknown) => lookupFailed(error),
  );
}

/**
 * The verification itself, for the verifier and the request handler: synchronous when the HMAC and the store rule
 * are (node:crypto and a string or list of stores), so a token costs no promise turns. A refusal is returned, not
 * thrown, at every step (form, header, signature, claims, store): in a Node request handler a throw cost about
 * 16 µs (measured under load on Node 20, npm run bench:load), more than verifying the token, and a refused token,
 * forged or from an attacker's own store, must not cost more to serve than a valid one. (A header that is not JSON
 * still makes JSON.parse throw, inside parseJsonObject.) Reads and checks the options now.
 */
export interface TokenCheck {
  check(token: string): MaybePromise<TokenVerdict>;
  readonly implementation: HmacImplementation;
}

export function createTokenCheck(options: VerifierOptions): TokenCheck {
  if (typeof options !== 'object' || options === null) throw configError('options are required');
  const { clientId, now = Date.now } = options;
  if (typeof clientId !== 'string' || clientId.trim() === '') {
    throw configError('"clientId" is required (the app\'s client id)');
  }
  const secret = readSecret(options.clientSecret);
  const toleranceSeconds = readTolerance(options.clockToleranceSeconds);
  if (typeof now !== 'function') throw configError('"now" must be a function');
  const store = readStoreRule(options.storeHash, options.allowAnyStore);
  const rules: ClaimRules = { clientId, store, toleranceSeconds };
  const hmac = createHmacSha256Verifier(secret, options.preferNodeCrypto !== false);

  // BigCommerce sends the same header on every token: remember the last one that passed the header checks.
  let lastGoodHeader: string | undefined;

  const finish = (payload: string, valid: boolean): MaybePromise<TokenVerdict> => {
    if (!valid)
      return new CurrentCustomerTokenError('signature_invalid', 'the signature is invalid');
    // Only now, with the signature verified, is the payload parsed; the app's lookup runs last.
    const claims = parseJsonObject(payload, 'payload');
    if (claims instanceof CurrentCustomerTokenError) return claims;
    const verified = checkClaims(claims, rules, Math.floor(now() / 1000));
    if (verified instanceof CurrentCustomerTokenError) return verified;
    return checkStoreLookup(store, verified);
  };

  const run = (token: string): MaybePromise<TokenVerdict> => {
    const jws = splitCompact(token);
    if (jws instanceof CurrentCustomerTokenError) return jws;
    if (jws.header !== lastGoodHeader) {
      const refused = checkHeader(jws.header);
      if (refused) return refused;
      lastGoodHeader = jws.header;
    }
    // Both segments must be base64url before any HMAC work: the signing input is then plain ASCII.
    const payload = decodeSegment(jws.payload, 'payload');
    if (payload instanceof CurrentCustomerTokenError) return payload;
    const signature = decodeSegment(jws.signature, 'signature');
    if (signature instanceof CurrentCustomerTokenError) return signature;
    const valid = hmac.verify(jws.signingInput, binaryToBytes(signature));
    if (typeof valid === 'boolean') return finish(payload, valid);
    return valid.then(
      (ok) => finish(payload, ok),
      () => finish(payload, false),
    );
  };

  return { check: run, implementation: hmac.implementation };
}

/**
 * Creates a verifier for one app. Configuration errors (a missing client id or secret, a bad tolerance, a
 * missing or bad store rule) throw a TypeError here, not at the first request. The key is prepared once, here,
 * for every token.
 */
export function createVerifier(options: VerifierOptions): CurrentCustomerVerifier {
  const { check, implementation } = createTokenCheck(options);
  // The public verifier rejects with the refusal.
  const settle = (verdict: TokenVerdict): Promise<VerifiedCustomer> =>
    verdict instanceof CurrentCustomerTokenError
      ? Promise.reject(verdict)
      : Promise.resolve(verdict);
  const verify = (token: string): Promise<VerifiedCustomer> => {
    try {
      const verdict = check(token);
      return isThenable(verdict) ? verdict.then(settle) : settle(verdict);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return Object.assign(verify, { verify, implementation });
}

/** Verifies one token: the one-shot form of `createVerifier(options)(token)`. */
export function verifyCurrentCustomerToken(
  token: string,
  options: VerifierOptions,
): Promise<VerifiedCustomer> {
  return createVerifier(options)(token);
}
