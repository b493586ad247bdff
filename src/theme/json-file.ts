// A theme's JSON file, loaded once: its bytes, text, value and offset tree, with lookups that raise a
// ThemeError naming the file by themselves, and the edits of a plan turned back into bytes.
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { ThemeError } from './errors.js';
import {
  applyEdits,
  DuplicateKeyError,
  detectStyle,
  type Edit,
  JsonDepthError,
  type JsonStyle,
  JsonTextError,
  type JsonValue,
  type MemberNode,
  member,
  parseJsonText,
  type ValueNode,
} from './json-text.js';
import { readOptional, type ThemePath } from './theme-files.js';

export class JsonFile {
  /** The file, absolute: what every error names. */
  readonly file: string;
  /** The text after a byte order mark, if the file has one (the mark is put back by `encode`). */
  readonly text: string;
  readonly value: JsonValue;
  readonly tree: ValueNode;
  #style: JsonStyle | undefined;

  constructor(
    themeDir: string,
    readonly path: ThemePath,
    readonly bytes: Buffer,
  ) {
    this.file = join(themeDir, path);
    // Decoding would turn bytes that are not UTF-8 into U+FFFD, and an edit would then write those back.
    if (!isUtf8(bytes)) {
      const offset = invalidUtf8Offset(bytes);
      throw this.#error(
        'json_invalid',
        `${this.file}: the byte at offset ${offset} (0x${bytes[offset]?.toString(16).padStart(2, '0')}) is not valid UTF-8; Stencil reads JSON files as UTF-8: save the file as UTF-8`,
      );
    }
    const text = bytes.toString('utf8');
    this.text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    try {
      this.value = JSON.parse(this.text) as JsonValue;
    } catch (error) {
      throw this.#error('json_invalid', `cannot parse ${this.file}: ${messageOf(error)}`, error);
    }
    try {
      this.tree = parseJsonText(this.text);
    } catch (error) {
      if (error instanceof JsonDepthError) {
        throw this.#error(
          'json_too_deep',
          `${this.file}: ${error.message}: a theme's JSON never nests this deep; the installer refuses it rather than risk the stack`,
          error,
        );
      }
      if (!(error instanceof JsonTextError)) throw error;
      throw this.#error('json_invalid', `cannot parse ${this.file}: ${error.message}`, error);
    }
  }

  /** The file's indentation, line ending and colon spacing. */
  get style(): JsonStyle {
    this.#style ??= detectStyle(this.text);
    return this.#style;
  }

  /**
   * The member `key` of an object node, if any. A key the object holds more than once is a json_unexpected
   * ThemeError naming the file and the key: Stencil uses the last one, an edit would find the first.
   */
  member(node: ValueNode | undefined, key: string): MemberNode | undefined {
    try {
      return member(node, key);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      throw this.#error(
        'json_unexpected',
        `${this.file}: ${error.message}; Stencil uses only the last one: keep one and remove the others`,
        error,
      );
    }
  }

  /** `node` when it is an object (or array); else a json_unexpected ThemeError saying what was expected. */
  expect(node: ValueNode | undefined, kind: 'object' | 'array', what: string): ValueNode {
    if (node?.kind === kind) return node;
    throw this.#error(
      'json_unexpected',
      `${this.file}: expected ${what} to be ${kind === 'object' ? 'an object' : 'an array'}`,
    );
  }

  /** The value of a node, parsed from its text. */
  valueOf(node: ValueNode): JsonValue {
    return JSON.parse(this.text.slice(node.start, node.end)) as JsonValue;
  }

  /** The bytes after `edits`, with the byte order mark the file had. */
  encode(edits: readonly Edit[]): Buffer {
    const text = applyEdits(this.text, edits);
    return Buffer.from(this.bytes.subarray(0, 3).equals(BOM) ? `\ufeff${text}` : text, 'utf8');
  }

  #error(
    code: 'json_invalid' | 'json_unexpected' | 'json_too_deep',
    message: string,
    cause?: unknown,
  ): ThemeError {
    return new ThemeError(code, message, this.file, cause === undefined ? undefined : { cause });
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 when every byte does.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    if (length === 0) return i;
    // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Loads `path` of the theme, or null when the theme has no such file. */
export function loadJson(themeDir: string, path: ThemePath): JsonFile | null {
  const bytes = readOptional(join(themeDir, path));
  return bytes === null ? null : new JsonFile(themeDir, path, bytes);
}
