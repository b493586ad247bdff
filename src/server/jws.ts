// Parsing a compact JWS and checking its protected header, with jose's rules (the differential test holds this
// file to jose's judgement): three segments, base64url, a JSON object header whose `alg` is HS256 (pinned: no
// other algorithm is ever considered), `crit` understood or refused, and `typ`, when present, JWT.
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

/** Splits a token into its three segments, or throws token_missing / token_malformed. */
export function splitCompact(token: unknown): CompactJws {
  if (typeof token !== 'string' || token === '') {
    throw new CurrentCustomerTokenError('token_missing', 'no token was given');
  }
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw malformed('the token does not have three segments');
  }
  return {
    header: token.slice(0, first),
    payload: token.slice(first + 1, second),
    signature: token.slice(second + 1),
    signingInput: token.slice(0, second),
  };
}

/** Decodes a base64url segment to a binary string (one char per byte), or throws token_malformed. */
export function decodeSegment(segment: string, what: string): string {
  const binary = decodeBase64urlToBinary(segment);
  if (binary === null) throw malformed(`the ${what} is not base64url`);
  return binary;
}

const NON_ASCII = /[\u0080-\u00ff]/;

/** Parses a binary string of UTF-8 holding a JSON object, or throws token_malformed. */
export function parseJsonObject(binary: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    // ASCII is its own UTF-8 (the usual case, and the fast one); anything else goes through a strict decoder.
    value = JSON.parse(NON_ASCII.test(binary) ? strictUtf8.decode(binaryToBytes(binary)) : binary);
  } catch {
    throw malformed(`the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Decodes and checks the protected header. Throws token_malformed or algorithm_not_allowed. */
export function checkHeader(segment: string): void {
  const header = parseJsonObject(decodeSegment(segment, 'header'), 'header');
  const { alg, crit, typ } = header;
  if (crit !== undefined) {
    // jose understands one extension, b64, and JWTs must keep it true (a base64url-encoded payload).
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      crit.some((name) => typeof name !== 'string' || name === '')
    ) {
      throw malformed('the "crit" header is invalid');
    }
    for (const name of crit) {
      if (name !== 'b64') throw malformed('a critical header is not supported');
    }
    if (header.b64 !== true) throw malformed('the payload of a JWT must be base64url-encoded');
  }
  if (typeof alg !== 'string' || alg === '') throw malformed('the "alg" header is missing');
  if (alg !== 'HS256') {
    throw new CurrentCustomerTokenError(
      'algorithm_not_allowed',
      'the token is not signed with HS256, the only algorithm accepted',
    );
  }
  if (typ !== undefined && (typeof typ !== 'string' || !isJwtType(typ))) {
    throw malformed('the "typ" header is not JWT');
  }
}

function isJwtType(typ: string): boolean {
  const normalized = typ.toLowerCase();
  return normalized === 'jwt' || normalized === 'application/jwt';
}
