// The benchmarks' app and the Current Customer tokens they verify: HS256 signed with node:crypto, shaped as
// BigCommerce issues them.
import { createHmac } from 'node:crypto';

export const CLIENT_ID = 'bench-client-id';
export const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef';
export const STORE_HASH = 'abc123';

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

/** A token valid for 15 minutes from now, for `customer`, signed with `secret`. */
export function signToken(customer, secret = CLIENT_SECRET) {
  const now = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(
    JSON.stringify({
      customer,
      iss: 'bc/apps',
      sub: STORE_HASH,
      iat: now,
      exp: now + 900,
      version: 1,
      aud: CLIENT_ID,
      application_id: 'bench-app',
      store_hash: STORE_HASH,
      operation: 'current_customer',
    }),
  ).toString('base64url');
  const input = `${HEADER}.${payload}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
