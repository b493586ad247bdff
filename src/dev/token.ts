// The token a BigCommerce storefront serves at /customer/current.jwt: HS256, signed with the app's client
// secret, with the claims BigCommerce documents. HS256 is one HMAC-SHA-256 over `header.payload`, so
// node:crypto signs it; jose stays out of the package and checks these tokens in the tests.
import { createHmac } from 'node:crypto';

export interface DemoCustomer {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  name: string;
  phone: string;
  customer_group_id: number;
  customer_group_name: string;
  store_credit: { value: number; currency: string; formatted: string };
}

export interface TokenSettings {
  clientId: string;
  clientSecret: string;
  storeHash: string;
  applicationId: string;
  /** Lifetime in seconds. */
  ttl: number;
}

/** The claims of a Current Customer JWT, as BigCommerce issues them. */
export interface CurrentCustomerClaims {
  customer: { id: number; email: string; group_id: string };
  iss: 'bc/apps';
  sub: string;
  iat: number;
  exp: number;
  version: 1;
  aud: string;
  application_id: string;
  store_hash: string;
  operation: 'current_customer';
}

export function tokenClaims(
  customer: Pick<DemoCustomer, 'id' | 'email' | 'customer_group_id'>,
  settings: TokenSettings,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): CurrentCustomerClaims {
  return {
    customer: {
      id: customer.id,
      email: customer.email,
      // BigCommerce sends the group id as a string ("6" in its sample token).
      group_id: String(customer.customer_group_id),
    },
    iss: 'bc/apps',
    sub: settings.storeHash,
    iat: nowSeconds,
    exp: nowSeconds + settings.ttl,
    version: 1,
    aud: settings.clientId,
    application_id: settings.applicationId,
    store_hash: settings.storeHash,
    operation: 'current_customer',
  };
}

/** The protected header BigCommerce sends. */
const HEADER = { alg: 'HS256', typ: 'JWT' } as const;

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** Signs a customer's token; returns the compact JWT. */
export function signCustomerToken(
  customer: Pick<DemoCustomer, 'id' | 'email' | 'customer_group_id'>,
  settings: TokenSettings,
  nowSeconds?: number,
): string {
  const claims = tokenClaims(customer, settings, nowSeconds);
  const input = `${base64url(JSON.stringify(HEADER))}.${base64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', settings.clientSecret).update(input).digest('base64url');
  return `${input}.${signature}`;
}
