// A loaded JSON file's own lookups name the file in their errors, with no wrapper around the call.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ThemeError } from '../../src/theme/errors.js';
import { invalidUtf8Offset, loadJson } from '../../src/theme/json-file.js';
import { cleanUp, tempDir } from './helpers/fixture.js';

afterEach(cleanUp);

function load(text: string | Buffer) {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), text);
  const file = loadJson(dir, 'config.json');
  if (!file) throw new Error('config.json was just written');
  return { dir, file };
}

const thrown = (fn: () => unknown): ThemeError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ThemeError) return error;
    throw error;
  }
  throw new Error('expected a ThemeError');
};

describe('JsonFile', () => {
  it('raises json_unexpected naming the file and the key for a key held twice', () => {
    const { dir, file } = load('{\n  "settings": {},\n  "settings": {"a": 1}\n}');
    const error = thrown(() => file.member(file.tree, 'settings'));
    expect(error.code).toBe('json_unexpected');
    expect(error.file).toBe(join(dir, 'config.json'));
    expect(error.message).toContain(join(dir, 'config.json'));
    expect(error.message).toMatch(/"settings" appears more than once .*line 3.*keep one/);
  });

  it('raises json_unexpected naming the file when a value is not the kind expected', () => {
    const { dir, file } = load('{"settings": []}');
    const settings = file.member(file.tree, 'settings')?.value;
    const error = thrown(() => file.expect(settings, 'object', '"settings"'));
    expect(error.code).toBe('json_unexpected');
    expect(error.message).toBe(`${join(dir, 'config.json')}: expected "settings" to be an object`);
  });

  it('raises json_invalid naming the file for text that is not JSON', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), '{"a": 1,}');
    const error = thrown(() => loadJson(dir, 'config.json'));
    expect(error.code).toBe('json_invalid');
    expect(error.message).toContain(join(dir, 'config.json'));
  });

  it('keeps a byte order mark out of the text and puts it back when encoding', () => {
    const { file } = load(Buffer.from('\ufeff{"a": 1}\r\n', 'utf8'));
    expect(file.text).toBe('{"a": 1}\r\n');
    const a = file.member(file.tree, 'a')?.value;
    if (!a) throw new Error('no "a"');
    expect(file.encode([{ offset: a.start, length: a.end - a.start, content: '2' }])).toEqual(
      Buffer.from('\ufeff{"a": 2}\r\n', 'utf8'),
    );
    expect(file.encode([])).toEqual(file.bytes);
  });

  it('raises json_too_deep naming the file for a config.json nested 5,000 deep (no stack overflow)', () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), `{"settings": {}, "deep": ${deep}}`);
    const error = thrown(() => loadJson(dir, 'config.json'));
    expect(error.code).toBe('json_too_deep');
    expect(error.file).toBe(join(dir, 'config.json'));
    expect(error.message).toContain(
      `${join(dir, 'config.json')}: objects and arrays nested deeper than 512 levels`,
    );
  });

  it('refuses bytes that are not UTF-8, naming the file and the byte offset, instead of rewriting them', () => {
    const dir = tempDir();
    for (const [bad, offset] of [
      [Buffer.from([0xff]), 9],
      [Buffer.from([0xc3]), 9], // a lead byte without its continuation
      [Buffer.from([0xed, 0xa0, 0x80]), 9], // a surrogate
      [Buffer.from([0xc0, 0xaf]), 9], // an overlong '/'
    ] as const) {
      const bytes = Buffer.concat([Buffer.from('{"a": "é'), bad, Buffer.from('"}')]);
      writeFileSync(join(dir, 'config.json'), bytes);
      const error = thrown(() => loadJson(dir, 'config.json'));
      expect(error.code).toBe('json_invalid');
      expect(error.message).toContain(
        `${join(dir, 'config.json')}: the byte at offset ${offset} (0x${bad[0]?.toString(16)}) is not valid UTF-8`,
      );
    }
  });

  it('finds the first byte that is not UTF-8 where a strict decoder fails', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const decodes = (bytes: Uint8Array): boolean => {
      try {
        fatal.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 0x7f }).map((b) => [b]),
            fc
              .integer({ min: 0x80, max: 0x10ffff })
              .map((cp) => [...Buffer.from(String.fromCodePoint(cp), 'utf8')]),
            fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 3 }),
          ),
          { maxLength: 8 },
        ),
        (pieces) => {
          const bytes = Uint8Array.from(pieces.flat());
          const offset = invalidUtf8Offset(bytes);
          expect(offset === -1).toBe(decodes(bytes));
          if (offset !== -1) {
            expect(decodes(bytes.subarray(0, offset))).toBe(true);
            expect(decodes(bytes.subarray(0, offset + 4))).toBe(false);
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
