// The verifier: a Current Customer token in, the verified customer out, or a CurrentCustomerTokenError.
//
// Why not jose's jwtVerify: it is what the differential test compares us with, but on Node it verifies HS256 through
// Web Crypto (an async crypto.subtle call per token, about a tenth of the speed of node:crypto's HMAC measured by
// `npm run bench:verify`), and it checks generic JWT claims, not this token's (operation, customer, store). Here the
// steps are jose's (split, decode, header, signature, claims: jws.ts, hmac.ts, claims.ts), the HMAC is node:crypto's
// where the runtime has it, and the store rule runs last, after everything else has passed.

import { binaryToBytes } from './base64url.js';
import { type ClaimRules, checkClaims, storeNotAllowed, type VerifiedCustomer } from './claims.js';
import { ConfigProblems, CurrentCustomerTokenError, configError, describeGiven } from './errors.js';
import { createHmacSha256Verifier, type HmacImplementation } from './hmac.js';
import { checkHeader, decodeSegment, parseJsonObject, splitCompact } from './jws.js';
import { isThenable, type MaybePromise } from './maybe-promise.js';
import { readStoreRule, type StoreRule, type StoreRuleOptions } from './store.js';

/** A client secret: the string from the developer portal, or its bytes. */
export type ClientSecret = string | Uint8Array;

/** The options of every verifier, besides the store rule. */
export interface VerifierKeyOptions {
  /** The app's client id: the token's `aud` must be it. */
  clientId: string;
  /**
   * The app's client secret, which signs the token (HS256). Never logged, never in an error message. Empty or
   * whitespace-only secrets are refused. During a rotation, a list of two: the secret in use first, then the
   * new one (tried in that order), deployed before the new one is switched on in the developer portal; back to
   * one secret once the rotation is done. At most two.
   */
  clientSecret: ClientSecret | readonly ClientSecret[];
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

/**
 * The verifier's options: the key options and the store rule, `storeHash` or `allowAnyStore: true` (one of the
 * two is required by these types, and checked at creation for JavaScript callers).
 */
export type VerifierOptions = VerifierKeyOptions & StoreRuleOptions;

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

/** At most the secret in use and the next one, during a rotation. */
export const MAX_CLIENT_SECRETS = 2;

/** Tab, line feed, vertical tab, form feed, carriage return, space. */
const isAsciiSpace = (byte: number): boolean => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

/** One secret's bytes, or undefined when it is missing, empty or only whitespace (recorded as a problem). */
function readOneSecret(
  secret: unknown,
  where: string,
  problems: ConfigProblems,
): Uint8Array | undefined {
  const required = () =>
    problems.add(
      `${where} is required (the app's client secret, a string or its bytes), and cannot be empty or only ` +
        `whitespace (got ${describeGiven(secret, false)})`,
    );
  if (typeof secret === 'string') {
    return secret.trim() === '' ? required() : new TextEncoder().encode(secret);
  }
  if (!(secret instanceof Uint8Array) || secret.every(isAsciiSpace)) return required();
  return secret;
}

/** The secrets to try, in order: one, or two during a rotation. */
function readSecrets(clientSecret: unknown, problems: ConfigProblems): Uint8Array[] | undefined {
  if (!Array.isArray(clientSecret)) {
    const secret = readOneSecret(clientSecret, '"clientSecret"', problems);
    return secret === undefined ? undefined : [secret];
  }
  if (clientSecret.length === 0 || clientSecret.length > MAX_CLIENT_SECRETS) {
    return problems.add(
      `"clientSecret" as a list holds the secret in use and, during a rotation, the next one: one or two ` +
        `secrets (got ${describeGiven(clientSecret)})`,
    );
  }
  const secrets = clientSecret.map((secret: unknown, index) =>
    readOneSecret(secret, `"clientSecret[${index}]"`, problems),
  );
  return secrets.every((secret) => secret !== undefined) ? secrets : undefined;
}

function readTolerance(clockToleranceSeconds: unknown, problems: ConfigProblems): number {
  const tolerance = clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (
    typeof tolerance !== 'number' ||
    !Number.isFinite(tolerance) ||
    tolerance < 0 ||
    tolerance > MAX_CLOCK_TOLERANCE_SECONDS
  ) {
    problems.add(
      `"clockToleranceSeconds" must be a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS} ` +
        `(got ${describeGiven(clockToleranceSeconds)})`,
    );
  }
  return Number(tolerance);
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
  let pending: boolean;
  try {
    answer = store.lookup(verified.storeHash);
    // Reading `then` runs the app's code too (a getter may throw): inside the same try.
    pending = isThenable(answer);
  } catch (error) {
    return lookupFailed(error);
  }
  if (!pending) return answer === true ? verified : storeNotAllowed();
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

/** The verifier's options, read and checked: what a token check is made from. */
export interface TokenCheckConfig {
  readonly rules: ClaimRules;
  readonly secrets: readonly Uint8Array[];
  readonly now: () => number;
  readonly preferNodeCrypto: boolean;
}

/** Reads the verifier's options, recording every problem; undefined when there is any. */
export function readVerifierOptions(
  options: VerifierOptions,
  problems: ConfigProblems,
): TokenCheckConfig | undefined {
  const { clientId, now = Date.now } = options;
  if (typeof clientId !== 'string' || clientId.trim() === '') {
    problems.add(`"clientId" is required (the app's client id) (got ${describeGiven(clientId)})`);
  }
  const secrets = readSecrets(options.clientSecret, problems);
  const toleranceSeconds = readTolerance(options.clockToleranceSeconds, problems);
  if (typeof now !== 'function') {
    problems.add(`"now" must be a function (got ${describeGiven(now)})`);
  }
  const store = readStoreRule(options.storeHash, options.allowAnyStore, problems);
  if (secrets === undefined || store === undefined) return undefined;
  return {
    rules: { clientId, store, toleranceSeconds },
    secrets,
    now,
    preferNodeCrypto: options.preferNodeCrypto !== false,
  };
}

/** The options as an object, or a TypeError: nothing else can be read from them. */
export function requireOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw configError(`options are required (got ${describeGiven(options)})`);
  }
}

/** A token check from options already read (readVerifierOptions). */
export function tokenCheckFrom(config: TokenCheckConfig): TokenCheck {
  const { rules, now } = config;
  const { store } = rules;
  const hmac = createHmacSha256Verifier(config.secrets, config.preferNodeCrypto);

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

export function createTokenCheck(options: VerifierOptions): TokenCheck {
  requireOptions(options);
  const problems = new ConfigProblems();
  const config = readVerifierOptions(options, problems);
  problems.throwIfAny();
  return tokenCheckFrom(config as TokenCheckConfig);
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
