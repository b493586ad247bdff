// The token of an `Authorization: Bearer <token>` header, read in one pass: no regular expression that could
// backtrack over a long run of spaces.

const isBlank = (char: string | undefined): boolean => char === ' ' || char === '\t';

/**
 * Reads an Authorization header value. Returns the token; `''` for a bare `Bearer` (a Bearer header with no
 * token); `undefined` when the value is not one Bearer token (another scheme, or whitespace inside the token).
 * The scheme is case-insensitive; spaces and tabs may separate it from the token. Linear in the value's length.
 */
export function bearerToken(authorization: string): string | undefined {
  const value = authorization.trim();
  if (value.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  if (value.length === 6) return '';
  let start = 6;
  if (!isBlank(value[start])) return undefined;
  while (isBlank(value[start])) start++;
  const token = value.slice(start);
  return /\s/.test(token) ? undefined : token;
}
