import { decodeJwt } from 'jose';
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

/** The longest lifetime (`exp - iat`, seconds) a token may claim. */
export const MAX_LIFETIME = 3600;

/** The token in a storefront response body: the trimmed text, or the `token` field of a JSON body. Unchecked. */
export const readToken = (body: string): unknown => {
  let token: unknown = body.trim();
  try {
    token = JSON.parse(token as string).token;
  } catch {}
  return token;
};

/**
 * Decodes a token with jose's `decodeJwt` and checks its shape: a string of three non-empty
 * base64url parts, numeric `iat` and `exp`, `0 < exp - iat <= 3600`, and a `customer.id` (present
 * and not empty). Throws `token_malformed`.
 */
export const decodeToken = (jwt: unknown): CurrentCustomerClaims => {
  let claims: Record<string, unknown> | undefined;
  try {
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jwt as string)) claims = decodeJwt(jwt as string);
  } catch {}
  const { iat, exp, customer } = claims ?? {};
  const id = (customer as { id?: unknown } | null | undefined)?.id;
  const lifetime = typeof iat === 'number' && typeof exp === 'number' ? exp - iat : 0;
  if (lifetime > 0 && lifetime <= MAX_LIFETIME && id != null && id !== '')
    return claims as CurrentCustomerClaims;
  throw new CurrentCustomerError('token_malformed');
};
