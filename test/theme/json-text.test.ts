// The text-level JSON editing: appending and removing is an exact inverse, in any formatting (property).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendElement,
  appendMembers,
  applyEdits,
  DuplicateKeyError,
  detectStyle,
  formatValue,
  JsonDepthError,
  type JsonValue,
  MAX_DEPTH,
  member,
  parseJsonText,
  removeChildren,
  replaceValue,
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
          const edited = applyEdits(text, [
            appendMembers(text, parseJsonText(text), entries, detectStyle(text)),
          ]);
          const merged = { ...value, ...Object.fromEntries(entries) };
          expect(JSON.parse(edited)).toEqual(JSON.parse(JSON.stringify(merged)));
          // Only where the text shows its style: `{}` alone reads as a one-line file.
          if (text.includes('\n') || s[0] === 0) expect(edited).toBe(format(merged, s));
          // All the added members, neighbours, removed by edits from one parse.
          const tree = parseJsonText(edited);
          const addedIndexes = tree.members.flatMap((m, i) =>
            NEW_KEYS.includes(m.key) ? [i] : [],
          );
          expect(applyEdits(edited, removeChildren(tree, addedIndexes))).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('appends an element to an array and removes it again', () => {
    fc.assert(
      fc.property(fc.array(json, { maxLength: 4 }), style, json, (value, s, added) => {
        const text = format(value, s);
        const edited = applyEdits(text, [
          appendElement(text, parseJsonText(text), added, detectStyle(text)),
        ]);
        expect(JSON.parse(edited)).toEqual(JSON.parse(JSON.stringify([...value, added])));
        const tree = parseJsonText(edited);
        expect(applyEdits(edited, removeChildren(tree, [tree.elements.length - 1]))).toBe(text);
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

  it('removes any set of children from one parse, one edit per run of neighbours, like removing them one by one', () => {
    fc.assert(
      fc.property(
        fc.array(json, { minLength: 1, maxLength: 7 }),
        style,
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        (value, s, picks) => {
          const text = format(value, s);
          const tree = parseJsonText(text);
          const indexes = value.flatMap((_, i) => (picks[i] ? [i] : []));
          const edits = removeChildren(tree, indexes);
          const runs = indexes.filter((i, k) => indexes[k - 1] !== i - 1).length;
          expect(edits).toHaveLength(indexes.length === value.length ? 1 : runs);
          const kept = value.filter((_, i) => !picks[i]);
          const result = applyEdits(text, edits);
          expect(JSON.parse(result)).toEqual(JSON.parse(JSON.stringify(kept)));
          // The same text as the file's own formatter would write for what is left.
          if (text.includes('\n') || s[0] === 0) {
            expect(result).toBe(kept.length === 0 ? '[]' : format(kept, s));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applies edits from the end, whatever their order, and refuses overlapping ones', () => {
    const text = '{"a": 1, "b": 2}';
    const tree = parseJsonText(text);
    const [a, b] = tree.members;
    const edits = [replaceValue(a?.value as never, '10'), replaceValue(b?.value as never, '"x"')];
    expect(applyEdits(text, edits)).toBe('{"a": 10, "b": "x"}');
    expect(applyEdits(text, [...edits].reverse())).toBe('{"a": 10, "b": "x"}');
    expect(() =>
      applyEdits(text, [
        { offset: 1, length: 5, content: '' },
        { offset: 3, length: 1, content: 'y' },
      ]),
    ).toThrow(RangeError);
  });

  it('formats a value from its structure: a string holding `": ` keeps its spacing in any style', () => {
    const value = { say: '": hi', nested: { list: ['a": b', '":', 1], empty: {} }, none: [] };
    const tight = { indent: '  ', newline: '\n', colonSpace: '' } as const;
    const text = formatValue(value, tight, '');
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toContain('"say":"\\": hi"');
    expect(text).toContain('"a\\": b"');
    const spaced = { indent: '    ', newline: '\r\n', colonSpace: ' ' } as const;
    expect(formatValue(value, spaced, '  ')).toBe(
      JSON.stringify(value, null, 4).replace(/\n/g, '\r\n  '),
    );
    // Inserted into a file without spaces after colons, nothing in the value changes.
    const file = '{\n  "x":1\n}';
    const edited = applyEdits(file, [
      appendMembers(file, parseJsonText(file), [['v', value]], detectStyle(file)),
    ]);
    expect(JSON.parse(edited).v).toEqual(value);
  });

  it(`bounds nesting at MAX_DEPTH (${MAX_DEPTH}) with a JsonDepthError, never a stack overflow`, () => {
    const nested = (depth: number, open: string, close: string, inner = '0'): string =>
      open.repeat(depth) + inner + close.repeat(depth);
    let tree = parseJsonText(nested(MAX_DEPTH, '[', ']'));
    for (let depth = 1; depth < MAX_DEPTH; depth++) tree = tree.elements[0] as typeof tree;
    expect(tree.elements[0]?.kind).toBe('scalar');
    for (const [open, close] of [
      ['[', ']'],
      ['{"k":', '}'],
    ] as const) {
      for (const depth of [MAX_DEPTH + 1, 5_000, 100_000]) {
        const text = nested(depth, open, close);
        expect(() => parseJsonText(text)).toThrow(JsonDepthError);
        const error = (() => {
          try {
            parseJsonText(text);
          } catch (e) {
            return e as JsonDepthError;
          }
        })();
        expect(error?.offset).toBe(MAX_DEPTH * open.length);
        expect(error?.message).toMatch(/nested deeper than 512 levels at offset/);
      }
    }
  });

  it('reads numbers of any length JSON allows as text, offsets exact', () => {
    const numbers = [
      '1'.repeat(5_000),
      `-0.${'9'.repeat(1_000)}e-${'1'.repeat(400)}`,
      `12345678901234567890.5E+${'0'.repeat(600)}7`,
    ];
    for (const number of numbers) {
      const text = `{"a": [${number}, ${number}], "b": ${number}}`;
      const tree = parseJsonText(text);
      const a = member(tree, 'a')?.value;
      expect(a?.elements.map((e) => text.slice(e.start, e.end))).toEqual([number, number]);
      const b = member(tree, 'b')?.value;
      expect(b && text.slice(b.start, b.end)).toBe(number);
      expect(applyEdits(text, removeChildren(tree, [0]))).toBe(`{"b": ${number}}`);
    }
  });

  it('gives each repeated key the line it is on, in nested objects and across line endings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean(), fc.boolean()), {
          maxLength: 12,
        }),
        fc.constantFrom('\n', '\r\n'),
        (keys, nl) => {
          // Each key on its own line; some values are objects holding the same keys again.
          const members = keys.map(
            ([key, nested, blank]) =>
              `${blank ? nl : ''}"${key}": ${nested ? `{${nl}"${key}": 1,${nl}"${key}": 2}` : '0'}`,
          );
          const text = `{${nl}${members.join(`,${nl}`)}${nl}}`;
          const walk = (node: ReturnType<typeof parseJsonText>): void => {
            for (const d of node.duplicates) {
              expect(d.line).toBe(text.slice(0, d.offset).split('\n').length);
              expect(text.slice(d.offset, d.offset + 3)).toBe(`"${d.key}"`);
            }
            for (const m of node.members) walk(m.value);
          };
          walk(parseJsonText(text));
        },
      ),
      { numRuns: 300 },
    );
  });
});
