// The store rule: which BigCommerce stores' tokens an app accepts. Required, because BigCommerce signs a token
// for any app client id on any store (the client id is public), so a signature alone does not say "our store".
import { configError } from './errors.js';

/** The multi-store app's lookup of its installed stores: true accepts the store, false refuses it. */
export type StoreLookup = (storeHash: string) => boolean | Promise<boolean>;

/** The option `storeHash`: one store hash, a non-empty list of them, or a lookup function. */
export type StoreHashOption = string | readonly string[] | StoreLookup;

/** The store rule, read once at creation. */
export type StoreRule =
  | { readonly kind: 'list'; readonly hashes: ReadonlySet<string> }
  | { readonly kind: 'lookup'; readonly lookup: StoreLookup }
  | { readonly kind: 'any' };

const ANY_STORE: StoreRule = Object.freeze({ kind: 'any' });

/**
 * Reads `storeHash` and `allowAnyStore` into one rule. Exactly one of them must be given: `storeHash`, or
 * `allowAnyStore: true` as the explicit, documented opt-out.
 */
export function readStoreRule(storeHash: unknown, allowAnyStore: unknown): StoreRule {
  if (allowAnyStore !== undefined && typeof allowAnyStore !== 'boolean') {
    throw configError('"allowAnyStore" must be true or false');
  }
  if (storeHash === undefined) {
    if (allowAnyStore === true) return ANY_STORE;
    throw configError(
      '"storeHash" is required: the store hash (or a list of them, or a lookup function) whose tokens this app ' +
        'accepts, because BigCommerce signs a token for any store that uses your client id. To accept every ' +
        'store, set "allowAnyStore: true" instead and key customers by (storeHash, customer.id)',
    );
  }
  if (allowAnyStore === true) {
    throw configError('give either "storeHash" or "allowAnyStore: true", not both');
  }
  if (typeof storeHash === 'function') return { kind: 'lookup', lookup: storeHash as StoreLookup };
  const list = typeof storeHash === 'string' ? [storeHash] : storeHash;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((hash) => typeof hash !== 'string' || hash.trim() === '')
  ) {
    throw configError(
      '"storeHash" must be a store hash, a non-empty list of them, or a function (storeHash) => boolean',
    );
  }
  return { kind: 'list', hashes: new Set<string>(list) };
}
