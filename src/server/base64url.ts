// base64url decoding with the semantics of the WHATWG "forgiving-base64 decode" (what `atob` does), applied to
// the base64url alphabet: ASCII whitespace is ignored, one or two trailing `=` are allowed when the length is a
// multiple of 4, a length of 4n+1 is refused, the unused low bits of the last character are discarded, and `+`
// or `/` are refused. That is exactly how jose decodes JWS segments, so this verifier and jose accept the same
// encodings (the differential test holds them to it). The signature is still compared as bytes, and the
// signing input is the segments as received, so no leniency here can make a forged token pass.

const DASH = /-/g;
const UNDERSCORE = /_/g;

/**
 * Decodes a segment to a "binary string" (one char per byte, 0-255), or returns null when it is not valid
 * base64url. `atob` implements forgiving-base64 and is in every runtime this package targets (on Node it is
 * several times faster than decoding in JavaScript); base64url only needs `+` and `/` refused before mapping
 * `-` and `_` onto them.
 */
export function decodeBase64urlToBinary(segment: string): string | null {
  if (segment.includes('+') || segment.includes('/')) return null;
  try {
    return atob(segment.replace(DASH, '+').replace(UNDERSCORE, '/'));
  } catch {
    return null;
  }
}

/** A binary string's bytes. */
export function binaryToBytes(binary: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Decodes a JWS segment to bytes, or returns null when it is not valid base64url. */
export function decodeBase64url(segment: string): Uint8Array<ArrayBuffer> | null {
  const binary = decodeBase64urlToBinary(segment);
  return binary === null ? null : binaryToBytes(binary);
}
