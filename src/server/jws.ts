// Parsing a compact JWS and checking its protected header, with jose's rules (the differential test holds this
// file to jose's judgement): three segments, base64url, a JSON object header whose `alg` is HS256 (pinned: no
// other algorithm is ever considered), `crit` understood or refused, and `typ`, when present, JWT.
//
// A refusal is returned, not thrown (see TokenCheck in verifier.ts): these are the checks a forged token meets.
import { binaryToBytes, decodeBase64urlToBinary } from './base64url.js';
import { CurrentCustomerTokenError } from './errors.js';

export interface CompactJws {
  header: string;
  payload: string;
  signature: string;
  /** The first two segments and the dot between them, exactly as received. */
  signingInput: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(message: string): CurrentCustomerTokenError {
  return new CurrentCustomerTokenError('token_malformed', message);
}

/** Splits a token into its three segments; refuses with token_missing or token_malformed. */
export function splitCompact(token: unknown): CompactJws | CurrentCustomerTokenError {
  if (typeof token !== 'string' || token === '') {
    return new CurrentCustomerTokenError('token_missing', 'no token was given');
  }
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    return malformed('the token does not have three segments');
  }
  return {
    header: token.slice(0, first),
    payload: token.slice(first + 1, second),
    signature: token.slice(second + 1),
    signingInput: token.slice(0, second),
  };
}

/** Decodes a base64url segment to a binary string (one char per byte); refuses with token_malformed. */
export function decodeSegment(segment: string, what: string): string | CurrentCustomerTokenError {
  const binary = decodeBase64urlToBinary(segment);
  return binary === null ? malformed(`the ${what} is not base64url`) : binary;
}

const NON_ASCII = /[\u0080-\u00ff]/;

/** Parses a binary string of UTF-8 holding a JSON object; refuses with token_malformed. */
export function parseJsonObject(
  binary: string,
  what: string,
): Record<string, unknown> | CurrentCustomerTokenError {
  let value: unknown;
  try {
    // ASCII is its own UTF-8 (the usual case, and the fast one); anything else goes through a strict decoder.
    value = JSON.parse(NON_ASCII.test(binary) ? strictUtf8.decode(binaryToBytes(binary)) : binary);
  } catch {
    return malformed(`the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return malformed(`the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Decodes and checks the protected header: undefined when it passes, else token_malformed or algorithm_not_allowed. */
export function checkHeader(segment: string): CurrentCustomerTokenError | undefined {
  const binary = decodeSegment(segment, 'header');
  if (binary instanceof CurrentCustomerTokenError) return binary;
  const header = parseJsonObject(binary, 'header');
  if (header instanceof CurrentCustomerTokenError) return header;
  const { alg, crit, typ } = header;
  if (crit !== undefined) {
    // jose understands one extension, b64, and JWTs must keep it true (a base64url-encoded payload).
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      crit.some((name) => typeof name !== 'string' || name === '')
    ) {
      return malformed('the "crit" header is invalid');
    }
    for (const name of crit) {
      if (name !== 'b64') return malformed('a critical header is not supported');
    }
    if (header.b64 !== true) return malformed('the payload of a JWT must be base64url-encoded');
  }
  if (typeof alg !== 'string' || alg === '') return malformed('the "alg" header is missing');
  if (alg !== 'HS256') {
    return new CurrentCustomerTokenError(
      'algorithm_not_allowed',
      'the token is not signed with HS256, the only algorithm accepted',
    );
  }
  if (typ !== undefined && (typeof typ !== 'string' || !isJwtType(typ))) {
    return malformed('the "typ" header is not JWT');
  }
  return undefined;
}

function isJwtType(typ: string): boolean {
  const normalized = typ.toLowerCase();
  return normalized === 'jwt' || normalized === 'application/jwt';
}
