// A loaded JSON file's own lookups name the file in their errors, with no wrapper around the call.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ThemeError } from '../../src/theme/errors.js';
import { loadJson } from '../../src/theme/json-file.js';
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
});
