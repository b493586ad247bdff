// The claim checks of a BigCommerce Current Customer token, run only after its signature has been verified.
import { CurrentCustomerTokenError } from './errors.js';
import type { StoreRule } from './store.js';

/** The claims BigCommerce puts in a Current Customer token. Unknown claims are kept, typed `unknown`. */
export interface VerifiedClaims {
  customer: { id: number; email: string; group_id?: string | number | null };
  iss: 'bc/apps';
  sub?: string;
  aud: string | string[];
  iat: number;
  exp: number;
  nbf?: number;
  version?: number;
  application_id?: string;
  store_hash: string;
  operation: 'current_customer';
  [claim: string]: unknown;
}

/**
 * A verified token's customer, store and times. A customer is identified by the pair (`storeHash`,
 * `customer.id`): ids and emails repeat across stores.
 */
export interface VerifiedCustomer {
  customer: {
    /** The customer's id in the store, a positive integer. */
    id: number;
    email: string;
    /** The customer group, as a string (BigCommerce sends it as a string), or null when there is none. */
    groupId: string | null;
  };
  storeHash: string;
  applicationId: string | null;
  issuedAt: Date;
  expiresAt: Date;
  /** Every claim of the token, as signed. */
  claims: VerifiedClaims;
}

/** BigCommerce issues 15-minute tokens: a longer lifetime is not one of theirs. */
export const MAX_LIFETIME_SECONDS = 900;

export interface ClaimRules {
  clientId: string;
  /** Which stores are accepted. A lookup function is not called here: the verifier calls it after these checks. */
  store: StoreRule;
  toleranceSeconds: number;
}

const ISSUER = 'bc/apps';
const OPERATION = 'current_customer';
const REQUIRED = ['iss', 'aud', 'exp', 'iat'] as const;

function invalid(claim: string, message: string): CurrentCustomerTokenError {
  return new CurrentCustomerTokenError('claim_invalid', message, claim);
}

/** The refusal of a token from a store the app's store rule does not accept. */
export function storeNotAllowed(): CurrentCustomerTokenError {
  return new CurrentCustomerTokenError(
    'store_not_allowed',
    'the token was issued for a store this app does not accept',
    'store_hash',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the claims of a token whose signature is valid, at `nowSeconds` (whole seconds since the epoch),
 * and returns what the app needs, or the refusal for the first rule that fails (returned, not thrown: a token
 * from an attacker's own store reaches these checks, and a return is dear in a request handler; see verifier.ts).
 */
export function checkClaims(
  claims: Record<string, unknown>,
  rules: ClaimRules,
  nowSeconds: number,
): VerifiedCustomer | CurrentCustomerTokenError {
  for (const name of REQUIRED) {
    if (!Object.hasOwn(claims, name)) return invalid(name, `the "${name}" claim is missing`);
  }
  if (claims.iss !== ISSUER) return invalid('iss', `the "iss" claim is not "${ISSUER}"`);
  const aud = claims.aud;
  const audienceMatches =
    typeof aud === 'string'
      ? aud === rules.clientId
      : Array.isArray(aud) && aud.includes(rules.clientId);
  if (!audienceMatches) return invalid('aud', 'the "aud" claim is not this app\'s client id');

  const { iat, exp, nbf } = claims;
  if (typeof iat !== 'number') return invalid('iat', 'the "iat" claim is not a number');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') return invalid('nbf', 'the "nbf" claim is not a number');
    if (nbf > nowSeconds + rules.toleranceSeconds) {
      return new CurrentCustomerTokenError(
        'token_not_yet_valid',
        'the token is not valid yet',
        'nbf',
      );
    }
  }
  if (typeof exp !== 'number') return invalid('exp', 'the "exp" claim is not a number');
  if (exp <= nowSeconds - rules.toleranceSeconds) {
    return new CurrentCustomerTokenError('token_expired', 'the token has expired', 'exp');
  }
  if (iat > nowSeconds + rules.toleranceSeconds) {
    return new CurrentCustomerTokenError(
      'token_not_yet_valid',
      'the token was issued in the future',
      'iat',
    );
  }
  const lifetime = exp - iat;
  // Written so that NaN (from non-finite claims) fails too.
  if (!(lifetime >= 1 && lifetime <= MAX_LIFETIME_SECONDS + rules.toleranceSeconds)) {
    return invalid(
      'exp',
      `the token's lifetime (exp - iat) is not between 1 and ${MAX_LIFETIME_SECONDS} seconds`,
    );
  }

  if (claims.operation !== OPERATION) {
    return invalid('operation', `the "operation" claim is not "${OPERATION}"`);
  }
  const customer = claims.customer;
  if (!isRecord(customer)) return invalid('customer', 'the "customer" claim is not an object');
  const { id, email, group_id: groupId } = customer;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    return invalid('customer.id', 'the customer id is not a positive integer');
  }
  if (typeof email !== 'string')
    return invalid('customer.email', 'the customer email is not a string');
  if (
    groupId !== undefined &&
    groupId !== null &&
    typeof groupId !== 'string' &&
    !(typeof groupId === 'number' && Number.isSafeInteger(groupId))
  ) {
    return invalid('customer.group_id', 'the customer group id is not a string or an integer');
  }

  const storeHash = claims.store_hash;
  if (typeof storeHash !== 'string' || storeHash === '') {
    return invalid('store_hash', 'the "store_hash" claim is not a non-empty string');
  }
  if (rules.store.kind !== 'any') {
    // BigCommerce sets `sub` to the store hash too; a token where they differ is not one of its tokens.
    if (claims.sub !== storeHash) return storeNotAllowed();
    if (rules.store.kind === 'list' && !rules.store.hashes.has(storeHash)) return storeNotAllowed();
  }
  const applicationId = claims.application_id;
  if (applicationId !== undefined && typeof applicationId !== 'string') {
    return invalid('application_id', 'the "application_id" claim is not a string');
  }

  return {
    customer: {
      id,
      email,
      groupId: groupId === undefined || groupId === null ? null : String(groupId),
    },
    storeHash,
    applicationId: applicationId ?? null,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
    claims: claims as VerifiedClaims,
  };
}
