// base64url decoding with the semantics of the WHATWG "forgiving-base64 decode" (what `atob` does), applied to
// the base64url alphabet: ASCII whitespace is ignored, one or two trailing `=` are allowed when the length is a
// multiple of 4, a length of 4n+1 is refused, the unused low bits of the last character are discarded, and `+`
// or `/` are refused. That is exactly how jose decodes JWS segments, so this verifier and jose accept the same
// encodings (the differential test holds them to it). The signature is still compared as bytes, and the
// signing input is the segments as received, so no leniency here can make a forged token pass.

const CANONICAL = /^[A-Za-z0-9_-]*$/;
const WHITESPACE = /[\t\n\f\r ]/g;

const TABLE = new Int8Array(128).fill(-1);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) TABLE[alphabet.charCodeAt(i)] = i;
}

/** Reduces a segment to bare base64url characters, or returns null when it is not valid base64url. */
export function normalizeBase64url(segment: string): string | null {
  let s = segment;
  if (!CANONICAL.test(s)) {
    if (s.includes('+') || s.includes('/')) return null;
    s = s.replace(WHITESPACE, '');
    if (s.length % 4 === 0) {
      if (s.endsWith('==')) s = s.slice(0, -2);
      else if (s.endsWith('=')) s = s.slice(0, -1);
    }
    if (!CANONICAL.test(s)) return null;
  }
  if (s.length % 4 === 1) return null;
  return s;
}

/** Decodes bare base64url characters (as returned by `normalizeBase64url`) to bytes. */
export function decodeNormalized(s: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  let i = 0;
  const full = s.length - (s.length % 4);
  for (; i < full; i += 4) {
    const n =
      ((TABLE[s.charCodeAt(i)] as number) << 18) |
      ((TABLE[s.charCodeAt(i + 1)] as number) << 12) |
      ((TABLE[s.charCodeAt(i + 2)] as number) << 6) |
      (TABLE[s.charCodeAt(i + 3)] as number);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = s.length - full;
  if (rest >= 2) {
    const n =
      ((TABLE[s.charCodeAt(i)] as number) << 18) |
      ((TABLE[s.charCodeAt(i + 1)] as number) << 12) |
      (rest === 3 ? (TABLE[s.charCodeAt(i + 2)] as number) << 6 : 0);
    out[o++] = n >> 16;
    if (rest === 3) out[o++] = (n >> 8) & 255;
  }
  return out;
}

/** Decodes a JWS segment, or returns null when it is not valid base64url. */
export function decodeBase64url(segment: string): Uint8Array<ArrayBuffer> | null {
  const s = normalizeBase64url(segment);
  return s === null ? null : decodeNormalized(s);
}
