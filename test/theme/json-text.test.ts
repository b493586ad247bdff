// The text-level JSON editing: appending and removing is an exact inverse, in any formatting (property).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendElement,
  appendMembers,
  DuplicateKeyError,
  detectStyle,
  type JsonValue,
  member,
  parseJsonText,
  removeChild,
} from '../../src/theme/json-text.js';

const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
const object = fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 5 });
const style = fc.constantFrom<[string | number, boolean]>(
  [2, false],
  [4, false],
  ['\t', false],
  [2, true],
  [0, false],
);
const format = (value: unknown, [indent, crlf]: [string | number, boolean]): string => {
  const text = JSON.stringify(value, null, indent);
  return crlf ? text.replace(/\n/g, '\r\n') : text;
};
const NEW_KEYS = ['\u0000new_a', '\u0000new_b'];

describe('json-text', () => {
  it('appends members like JSON.stringify would, and removing them restores the exact text', () => {
    fc.assert(
      fc.property(
        object,
        style,
        fc.array(json, { minLength: 1, maxLength: 2 }),
        (value, s, added) => {
          const text = format(value, s);
          const entries = added.map((v, i) => [NEW_KEYS[i] ?? '', v] as const);
          let edited = appendMembers(text, parseJsonText(text), entries, detectStyle(text));
          const merged = { ...value, ...Object.fromEntries(entries) };
          expect(JSON.parse(edited)).toEqual(JSON.parse(JSON.stringify(merged)));
          // Only where the text shows its style: `{}` alone reads as a one-line file.
          if (text.includes('\n') || s[0] === 0) expect(edited).toBe(format(merged, s));
          for (const key of NEW_KEYS.slice(0, added.length)) {
            const tree = parseJsonText(edited);
            edited = removeChild(
              edited,
              tree,
              tree.members.findIndex((m) => m.key === key),
            );
          }
          expect(edited).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('appends an element to an array and removes it again', () => {
    fc.assert(
      fc.property(fc.array(json, { maxLength: 4 }), style, json, (value, s, added) => {
        const text = format(value, s);
        const edited = appendElement(text, parseJsonText(text), added, detectStyle(text));
        expect(JSON.parse(edited)).toEqual(JSON.parse(JSON.stringify([...value, added])));
        const tree = parseJsonText(edited);
        expect(removeChild(edited, tree, tree.elements.length - 1)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('records offsets that match the text', () => {
    const text = '{ "a" : [1, {"b": "c\\"}"}], "d": null }';
    const tree = parseJsonText(text);
    expect(tree.members.map((m) => [m.key, text.slice(m.value.start, m.value.end)])).toEqual([
      ['a', '[1, {"b": "c\\"}"}]'],
      ['d', 'null'],
    ]);
  });

  it('member refuses a key its object holds twice (JSON.parse keeps the last), and finds the others', () => {
    const text = '{\n  "settings": {"a": 1},\n  "name": "x",\n  "settings": {"b": 2}\n}';
    const tree = parseJsonText(text);
    expect(member(tree, 'name')?.key).toBe('name');
    expect(() => member(tree, 'settings')).toThrow(DuplicateKeyError);
    expect(() => member(tree, 'settings')).toThrow(/"settings" appears more than once .*line 4/);
    expect(member(parseJsonText('{"a": {"k": 1, "k": 2}}'), 'a')?.value.duplicates).toEqual([
      { key: 'k', offset: 15, line: 1 },
    ]);
  });
});
