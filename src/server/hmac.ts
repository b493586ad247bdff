// HMAC-SHA256 signature check, portable: Web Crypto everywhere, and Node's `node:crypto` where the runtime
// offers it, because Web Crypto's HMAC costs a promise round trip through a thread pool on Node and is an order
// of magnitude slower there (see bench/verify.js). `node:crypto` is reached through `process.getBuiltinModule`
// (Node 20.16+, Bun, Deno), never through an import, so bundling this file for an edge runtime pulls in nothing
// Node-only; where it is absent the Web Crypto path runs.

import { configError } from './errors.js';

/** A `node:crypto` KeyObject, opaque here. */
interface NodeKeyObject {
  readonly type: string;
}

/** The part of `node:crypto` this module uses. */
interface NodeCryptoSubset {
  createSecretKey(key: Uint8Array): NodeKeyObject;
  createHmac(
    algorithm: 'sha256',
    key: NodeKeyObject,
  ): { update(data: string): { digest(): Uint8Array } };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

export type HmacImplementation = 'node-crypto' | 'web-crypto';

/** Checks an HS256 signature over a signing input made of ASCII characters. */
export interface HmacSha256Verifier {
  readonly implementation: HmacImplementation;
  verify(signingInput: string, signature: Uint8Array<ArrayBuffer>): boolean | Promise<boolean>;
}

const SIGNATURE_BYTES = 32;

function loadNodeCrypto(): NodeCryptoSubset | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  try {
    const mod = proc.getBuiltinModule('node:crypto') as Partial<NodeCryptoSubset> | undefined;
    if (
      typeof mod?.createHmac === 'function' &&
      typeof mod.createSecretKey === 'function' &&
      typeof mod.timingSafeEqual === 'function'
    ) {
      return mod as NodeCryptoSubset;
    }
  } catch {
    // A runtime that exposes getBuiltinModule but not node:crypto: use Web Crypto.
  }
  return undefined;
}

function nodeVerifier(
  nodeCrypto: NodeCryptoSubset,
  secrets: readonly Uint8Array[],
): HmacSha256Verifier {
  // KeyObjects, made once: createHmac takes one about 20% faster than raw bytes, and each holds its own copy.
  const keys = secrets.map((secret) => nodeCrypto.createSecretKey(secret));
  const matches = (key: NodeKeyObject, signingInput: string, signature: Uint8Array): boolean => {
    // The signing input is ASCII (both segments passed base64url decoding first).
    const expected = nodeCrypto.createHmac('sha256', key).update(signingInput).digest();
    return nodeCrypto.timingSafeEqual(expected, signature);
  };
  const [current, next] = keys as [NodeKeyObject, NodeKeyObject | undefined];
  return {
    implementation: 'node-crypto',
    verify(signingInput, signature) {
      // The length of a signature is public (32 bytes for HS256); only the contents are compared in constant time.
      if (signature.length !== SIGNATURE_BYTES) return false;
      // During a rotation, the second secret is tried only when the first does not match.
      return (
        matches(current, signingInput, signature) ||
        (next !== undefined && matches(next, signingInput, signature))
      );
    },
  };
}

function webCryptoVerifier(secrets: readonly Uint8Array[]): HmacSha256Verifier {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw configError('needs Web Crypto (globalThis.crypto.subtle) or node:crypto');
  }
  // Imported once per verifier, on first use (importKey is asynchronous), then reused for every token.
  let keys: Promise<CryptoKey[]> | undefined;
  const raws = secrets.map((secret) => secret.slice());
  const encoder = new TextEncoder();
  const importKeys = (): Promise<CryptoKey[]> =>
    Promise.all(
      raws.map((raw) =>
        subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']),
      ),
    );
  return {
    implementation: 'web-crypto',
    async verify(signingInput, signature) {
      keys ??= importKeys();
      if (signature.length !== SIGNATURE_BYTES) return false;
      const data = encoder.encode(signingInput);
      // In order: the second secret only when the first does not match. subtle.verify compares in constant time.
      for (const key of await keys) {
        if (await subtle.verify('HMAC', key, signature, data)) return true;
      }
      return false;
    },
  };
}

/**
 * Creates the signature checker for one secret, or two during a rotation (tried in order). With
 * `preferNodeCrypto` (the default), `node:crypto` is used when the runtime provides it; otherwise, or when it is
 * false, Web Crypto.
 */
export function createHmacSha256Verifier(
  secrets: readonly Uint8Array[],
  preferNodeCrypto = true,
): HmacSha256Verifier {
  const nodeCrypto = preferNodeCrypto ? loadNodeCrypto() : undefined;
  return nodeCrypto ? nodeVerifier(nodeCrypto, secrets) : webCryptoVerifier(secrets);
}
