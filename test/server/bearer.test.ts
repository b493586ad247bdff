import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../src/server/bearer.js';

/** What the header grammar means, written as the regular expression it replaces (fine for short inputs). */
const REFERENCE = /^bearer(?:[ \t]+(\S*))?[ \t]*$/i;
function reference(header: string): string | undefined {
  const match = REFERENCE.exec(header.trim());
  return match ? (match[1] ?? '') : undefined;
}

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER \t  abc', 'abc'],
    ['  Bearer abc  ', 'abc'],
    ['Bearer', ''],
    ['Bearer    ', ''],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    'Basic abc',
    'Bearerabc',
    'Bearer abc def',
    'Bearer abc\u00a0def',
    '',
    'Bear',
    'Bearer\u00a0abc',
  ])('refuses %j as a Bearer header', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });

  it('agrees with the regular expression it replaces on short headers', () => {
    const piece = fc.constantFrom(
      'Bearer',
      'bearer',
      'BeArEr',
      ' ',
      '\t',
      'a',
      '.',
      '\u00a0',
      '\n',
      'x y',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const header = pieces.join('');
        expect(bearerToken(header)).toBe(reference(header));
      }),
      { numRuns: 2000 },
    );
  });
});
