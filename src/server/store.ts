// The store rule: which BigCommerce stores' tokens an app accepts. Required, because BigCommerce signs a token
// for any app client id on any store (the client id is public), so a signature alone does not say "our store".
import { type ConfigProblems, describeGiven } from './errors.js';

/** The multi-store app's lookup of its installed stores: true accepts the store, false refuses it. */
export type StoreLookup = (storeHash: string) => boolean | Promise<boolean>;

/** The option `storeHash`: one store hash, a non-empty list of them, or a lookup function. */
export type StoreHashOption = string | readonly string[] | StoreLookup;

/**
 * The store rule as the types require it: `storeHash`, or `allowAnyStore: true` as the explicit opt-out, never
 * both and never neither.
 */
export type StoreRuleOptions =
  | {
      /**
       * The store whose tokens this app accepts (its store hash, such as `abc123`), a list of them, or, for a
       * multi-store app, a lookup `(storeHash) => boolean | Promise<boolean>` of its installed stores, called
       * only for a token that passed every other check, once per token. Only `true` accepts the store; a lookup
       * that throws or rejects fails the token with `store_lookup_failed` (the handler's 503). Required unless
       * `allowAnyStore` is true, because BigCommerce signs a token for your client id on any store, an attacker's
       * trial store included.
       */
      storeHash: StoreHashOption;
      allowAnyStore?: false;
    }
  | {
      /**
       * Accept a correctly signed token from any store (and give no `storeHash`). Anyone can get such a token
       * for your client id from a store of their own, with any customer id and email: key customers by
       * (storeHash, customer.id), never by id or email alone.
       */
      allowAnyStore: true;
      storeHash?: undefined;
    };

/** The store rule, read once at creation. */
export type StoreRule =
  | { readonly kind: 'list'; readonly hashes: ReadonlySet<string> }
  | { readonly kind: 'lookup'; readonly lookup: StoreLookup }
  | { readonly kind: 'any' };

const ANY_STORE: StoreRule = Object.freeze({ kind: 'any' });

/** BigCommerce's store hashes: lowercase letters and digits (the `abc123` of `store-abc123.mybigcommerce.com`). */
const STORE_HASH_SHAPE = /^[a-z0-9]+$/;

/** The store hash inside a value that holds one in a longer form (`stores/abc123`, a store URL), if any. */
function hashInside(value: string): string | undefined {
  const found = /(?:stores\/|store-)([a-z0-9]+)(?:[/.]|$)/.exec(value.trim());
  return found?.[1];
}

/** What is wrong with one store hash, or undefined when it has BigCommerce's shape. */
function storeHashProblem(value: unknown, where: string): string | undefined {
  if (typeof value === 'string' && STORE_HASH_SHAPE.test(value)) return undefined;
  const inside = typeof value === 'string' ? hashInside(value) : undefined;
  const hint = inside === undefined ? '' : `; did you mean "${inside}"?`;
  return (
    `${where} must be a store hash: lowercase letters and digits, such as "abc123" (the part after ` +
    `"stores/" in the store's API path, or after "store-" in its mybigcommerce.com address), with no ` +
    `prefix, URL or whitespace (got ${describeGiven(value)})${hint}`
  );
}

/**
 * Reads `storeHash` and `allowAnyStore` into one rule. Exactly one of them must be given: `storeHash`, or
 * `allowAnyStore: true` as the explicit, documented opt-out. Problems are recorded; undefined then.
 */
export function readStoreRule(
  storeHash: unknown,
  allowAnyStore: unknown,
  problems: ConfigProblems,
): StoreRule | undefined {
  if (allowAnyStore !== undefined && typeof allowAnyStore !== 'boolean') {
    return problems.add(
      `"allowAnyStore" must be true or false (got ${describeGiven(allowAnyStore)})`,
    );
  }
  if (storeHash === undefined) {
    if (allowAnyStore === true) return ANY_STORE;
    return problems.add(
      '"storeHash" is required: the store hash (or a list of them, or a lookup function) whose tokens this app ' +
        'accepts, because BigCommerce signs a token for any store that uses your client id. To accept every ' +
        'store, set "allowAnyStore: true" instead and key customers by (storeHash, customer.id)',
    );
  }
  if (allowAnyStore === true) {
    return problems.add('give either "storeHash" or "allowAnyStore: true", not both');
  }
  if (typeof storeHash === 'function') return { kind: 'lookup', lookup: storeHash as StoreLookup };
  if (typeof storeHash === 'string') {
    const problem = storeHashProblem(storeHash, '"storeHash"');
    return problem === undefined
      ? { kind: 'list', hashes: new Set([storeHash]) }
      : problems.add(problem);
  }
  if (!Array.isArray(storeHash) || storeHash.length === 0) {
    return problems.add(
      '"storeHash" must be a store hash, a non-empty list of them, or a function (storeHash) => boolean ' +
        `(got ${describeGiven(storeHash)})`,
    );
  }
  const found = storeHash
    .map((hash: unknown, index) => storeHashProblem(hash, `"storeHash[${index}]"`))
    .filter((problem) => problem !== undefined);
  for (const problem of found) problems.add(problem);
  return found.length === 0 ? { kind: 'list', hashes: new Set<string>(storeHash) } : undefined;
}
