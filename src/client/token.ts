import { CurrentCustomerError } from './errors.js';

/** The claims of a BigCommerce Current Customer JWT, decoded (not verified: only the backend can verify). */
export interface CurrentCustomerClaims {
  customer: { id: number | string; email?: string; group_id?: string; [key: string]: unknown };
  iat: number;
  exp: number;
  iss?: string;
  sub?: string;
  aud?: string | string[];
  version?: number;
  application_id?: string;
  store_hash?: string;
  operation?: string;
  [claim: string]: unknown;
}

/**
 * The storefront's Current Customer token for an app: the URL the client asks, which the early start's token
 * request must match (early.ts).
 */
export const tokenUrl = (appClientId: string) =>
  `/customer/current.jwt?app_client_id=${appClientId}`;

/**
 * The longest lifetime (`exp - iat`, seconds) a token may claim here: a shape check only. The server
 * decides the real limit when it verifies the token.
 */
export const MAX_LIFETIME = 3600;

/** The token in a storefront response body: the trimmed text, or the `token` field of a JSON body. Unchecked. */
export const readToken = (body: string): unknown => {
  let token: unknown = body.trim();
  // Parse only what looks like JSON: a raw token would make JSON.parse throw, and a first exception
  // costs milliseconds of main-thread time in a browser (bench:page measured it).
  if ((token as string)[0] === '{')
    try {
      token = JSON.parse(token as string).token;
    } catch {}
  return token;
};

/**
 * One base64url part of a token as JSON (web standards only: `atob` takes base64 without its
 * padding; invalid UTF-8 throws). Throws on anything else.
 */
const decodePart = (part: string): unknown => {
  const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
};

/**
 * Decodes a token's payload and checks its shape: a string of three non-empty base64url parts, a
 * JSON object payload with numeric `iat` and `exp`, `0 < exp - iat <= 3600`, and a `customer.id`
 * (present and not empty). Throws `token_malformed`. Nothing is verified: only the backend can.
 */
export const decodeToken = (jwt: unknown): CurrentCustomerClaims => {
  // One try around all of it: decoding errors and odd claims alike end in token_malformed.
  try {
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jwt as string)) {
      const claims = decodePart((jwt as string).split('.')[1] as string) as Record<string, unknown>;
      const { iat, exp, customer } = claims;
      const lifetime = (exp as number) - (iat as number);
      const id = (customer as { id?: unknown } | null | undefined)?.id;
      if (
        typeof iat === 'number' &&
        typeof exp === 'number' &&
        lifetime > 0 &&
        lifetime <= MAX_LIFETIME &&
        (id ?? '') !== ''
      )
        return claims as CurrentCustomerClaims;
    }
  } catch {}
  throw new CurrentCustomerError('token_malformed');
};
