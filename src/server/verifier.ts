// The verifier: a Current Customer token in, the verified customer out, or a CurrentCustomerTokenError.

import { binaryToBytes } from './base64url.js';
import { type ClaimRules, type CurrentCustomer, checkClaims } from './claims.js';
import { CurrentCustomerTokenError } from './errors.js';
import { createHmacSha256Verifier, type HmacImplementation } from './hmac.js';
import { checkHeader, decodeSegment, parseJsonObject, splitCompact } from './jws.js';

export interface VerifierOptions {
  /** The app's client id: the token's `aud` must be it. */
  clientId: string;
  /** The app's client secret, which signs the token (HS256). Never logged, never in an error message. */
  clientSecret: string | Uint8Array;
  /** When given, the token's `store_hash` (and `sub`) must be this store, or one of these stores. */
  storeHash?: string | readonly string[];
  /** Allowed clock skew, in seconds, for `exp`, `iat`, `nbf` and the lifetime check. Default 30. */
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
  (token: string): Promise<CurrentCustomer>;
  readonly verify: (token: string) => Promise<CurrentCustomer>;
  /** Which HMAC implementation this verifier runs. */
  readonly implementation: HmacImplementation;
}

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

function configError(message: string): TypeError {
  return new TypeError(`stencil-current-customer/server: ${message}`);
}

function readStoreHashes(storeHash: VerifierOptions['storeHash']): readonly string[] | null {
  if (storeHash === undefined) return null;
  const list = typeof storeHash === 'string' ? [storeHash] : storeHash;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((hash) => typeof hash !== 'string' || hash === '')
  ) {
    throw configError('"storeHash" must be a non-empty string or a non-empty list of them');
  }
  return Object.freeze([...list]);
}

/**
 * Creates a verifier for one app. Configuration errors (a missing client id or secret, a bad tolerance or store
 * list) throw a TypeError here, not at the first request. The key is prepared once, here, for every token.
 */
export function createVerifier(options: VerifierOptions): CurrentCustomerVerifier {
  if (typeof options !== 'object' || options === null) throw configError('options are required');
  const { clientId, clientSecret, clockToleranceSeconds, now = Date.now } = options;
  if (typeof clientId !== 'string' || clientId.trim() === '') {
    throw configError('"clientId" is required (the app\'s client id)');
  }
  let secret: Uint8Array;
  if (typeof clientSecret === 'string') secret = new TextEncoder().encode(clientSecret);
  else if (clientSecret instanceof Uint8Array) secret = clientSecret;
  else throw configError('"clientSecret" is required (the app\'s client secret)');
  if (secret.length === 0)
    throw configError('"clientSecret" is required (the app\'s client secret)');
  const tolerance = clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw configError('"clockToleranceSeconds" must be a finite number of seconds, 0 or more');
  }
  if (typeof now !== 'function') throw configError('"now" must be a function');
  const rules: ClaimRules = {
    clientId,
    storeHashes: readStoreHashes(options.storeHash),
    toleranceSeconds: tolerance,
  };
  const hmac = createHmacSha256Verifier(secret, options.preferNodeCrypto !== false);

  // BigCommerce sends the same header on every token: remember the last one that passed the header checks.
  let lastGoodHeader: string | undefined;

  const finish = (payload: string, valid: boolean): CurrentCustomer => {
    if (!valid)
      throw new CurrentCustomerTokenError('signature_invalid', 'the signature is invalid');
    // Only now, with the signature verified, is the payload parsed.
    return checkClaims(parseJsonObject(payload, 'payload'), rules, Math.floor(now() / 1000));
  };

  // Synchronous all the way when the HMAC is (node:crypto), so a token costs no extra promise turns.
  const run = (token: string): CurrentCustomer | Promise<CurrentCustomer> => {
    const jws = splitCompact(token);
    if (jws.header !== lastGoodHeader) {
      checkHeader(jws.header);
      lastGoodHeader = jws.header;
    }
    // Both segments must be base64url before any HMAC work: the signing input is then plain ASCII.
    const payload = decodeSegment(jws.payload, 'payload');
    const signature = binaryToBytes(decodeSegment(jws.signature, 'signature'));
    const valid = hmac.verify(jws.signingInput, signature);
    if (typeof valid === 'boolean') return finish(payload, valid);
    return valid.then(
      (ok) => finish(payload, ok),
      () => finish(payload, false),
    );
  };

  const verify = (token: string): Promise<CurrentCustomer> => {
    try {
      return Promise.resolve(run(token));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return Object.assign(verify, { verify, implementation: hmac.implementation });
}

/** Verifies one token: the one-shot form of `createVerifier(options)(token)`. */
export function verifyCurrentCustomerToken(
  token: string,
  options: VerifierOptions,
): Promise<CurrentCustomer> {
  return createVerifier(options)(token);
}
