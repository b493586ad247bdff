// Edits JSON files as text, so that everything the edit does not touch stays byte for byte: key order,
// indentation, line endings, escapes and the trailing newline. A small parser records where every value and
// object member starts and ends; an edit is data (offset, length, content) worked out from one parse, and
// applyEdits applies all of a file's edits at once, from the end.

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface ValueNode {
  kind: 'object' | 'array' | 'scalar';
  start: number;
  /** Offset just past the value. */
  end: number;
  members: MemberNode[];
  elements: ValueNode[];
  /** Keys an object holds more than once (JSON.parse and Stencil keep the last); `member` refuses them. */
  duplicates: DuplicateKey[];
}

export interface DuplicateKey {
  key: string;
  /** Offset of the repeated key's opening quote, and its line (1-based). */
  offset: number;
  line: number;
}

export interface MemberNode {
  key: string;
  /** Offset of the key's opening quote. */
  start: number;
  /** Offset just past the key's closing quote. */
  keyEnd: number;
  value: ValueNode;
}

/** Thrown by parseJsonText with the offset of the problem; callers name the file. */
export class JsonTextError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'JsonTextError';
  }
}

/**
 * Thrown by `member` for a key that its object holds more than once: the first is what an edit would find,
 * the last is what JSON.parse and Stencil use, so neither is safe to read or edit. Callers name the file.
 */
export class DuplicateKeyError extends JsonTextError {
  constructor(
    readonly key: string,
    offset: number,
    readonly line: number,
  ) {
    super(
      `${JSON.stringify(key)} appears more than once in one object (again on line ${line})`,
      offset,
    );
    this.name = 'DuplicateKeyError';
  }
}

/** A node with no children unless given. */
function node(
  kind: ValueNode['kind'],
  start: number,
  end: number,
  children: Partial<ValueNode> = {},
): ValueNode {
  return { kind, start, end, members: [], elements: [], duplicates: [], ...children };
}

/**
 * How deep parseJsonText nests objects and arrays before it refuses the text with a JsonDepthError. Far beyond
 * any theme's JSON (Cornerstone's deepest is 5), and far below where a recursive walk of the value (the
 * parser's, or JSON.stringify's, about 5,000 levels in Node 20) would overflow the stack.
 */
export const MAX_DEPTH = 512;

/** Thrown by parseJsonText for a value nested deeper than MAX_DEPTH, at the offset where it gets too deep. */
export class JsonDepthError extends JsonTextError {
  constructor(offset: number) {
    super(`objects and arrays nested deeper than ${MAX_DEPTH} levels at offset ${offset}`, offset);
    this.name = 'JsonDepthError';
  }
}

/** A JSON literal or number at a position (sticky): any length, as JSON allows; kept as text, never converted. */
const SCALAR = /true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses `text` (strict JSON; validate with JSON.parse first for the standard error messages) into a tree of
 * offsets. Nesting is bounded by MAX_DEPTH, so no input can exhaust the stack.
 */
export function parseJsonText(text: string): ValueNode {
  let pos = 0;
  // The line of an offset, counted on from the last offset asked about: keys are met in file order, so the
  // whole file is scanned once however many keys repeat.
  let lineOffset = 0;
  let line = 1;
  const lineOf = (offset: number): number => {
    for (let at = text.indexOf('\n', lineOffset); at !== -1 && at < offset; ) {
      line++;
      at = text.indexOf('\n', at + 1);
    }
    lineOffset = offset;
    return line;
  };
  const fail = (what: string): never => {
    throw new JsonTextError(`${what} at offset ${pos}`, pos);
  };
  const skip = (): void => {
    while (pos < text.length && ' \t\r\n'.includes(text.charAt(pos))) pos++;
  };
  const readString = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length) {
      const c = text.charAt(pos);
      if (c === '\\') pos += 2;
      else if (c === '"') {
        pos++;
        return JSON.parse(text.slice(start, pos)) as string;
      } else pos++;
    }
    return fail('unterminated string');
  };
  const value = (depth: number): ValueNode => {
    skip();
    const start = pos;
    const c = text.charAt(pos);
    if ((c === '{' || c === '[') && depth >= MAX_DEPTH) throw new JsonDepthError(pos);
    if (c === '{') {
      pos++;
      const members: MemberNode[] = [];
      const duplicates: DuplicateKey[] = [];
      const seen = new Set<string>();
      const repeated = new Set<string>();
      skip();
      if (text.charAt(pos) === '}') {
        pos++;
        return node('object', start, pos);
      }
      for (;;) {
        skip();
        if (text.charAt(pos) !== '"') fail('expected a key');
        const keyStart = pos;
        const key = readString();
        const keyEnd = pos;
        if (seen.has(key) && !repeated.has(key)) {
          repeated.add(key);
          duplicates.push({ key, offset: keyStart, line: lineOf(keyStart) });
        }
        seen.add(key);
        skip();
        if (text.charAt(pos) !== ':') fail('expected ":"');
        pos++;
        members.push({ key, start: keyStart, keyEnd, value: value(depth + 1) });
        skip();
        const next = text.charAt(pos);
        pos++;
        if (next === '}') return node('object', start, pos, { members, duplicates });
        if (next !== ',') fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const elements: ValueNode[] = [];
      skip();
      if (text.charAt(pos) === ']') {
        pos++;
        return node('array', start, pos);
      }
      for (;;) {
        elements.push(value(depth + 1));
        skip();
        const next = text.charAt(pos);
        pos++;
        if (next === ']') return node('array', start, pos, { elements });
        if (next !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') {
      readString();
      return node('scalar', start, pos);
    }
    SCALAR.lastIndex = pos;
    const match = SCALAR.exec(text);
    if (!match) return fail('unexpected character');
    pos += match[0].length;
    return node('scalar', start, pos);
  };
  const root = value(0);
  skip();
  if (pos !== text.length) fail('unexpected text after the JSON value');
  return root;
}

/** The formatting conventions of a JSON file, detected from its text. */
export interface JsonStyle {
  /** One level of indentation ('' for a file on one line). */
  indent: string;
  newline: '\n' | '\r\n';
  /** What follows the colon of a member: ' ' or ''. */
  colonSpace: string;
}

export function detectStyle(text: string): JsonStyle {
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const indentMatch = /\n([ \t]+)\S/.exec(text);
  return {
    indent: indentMatch?.[1] ?? '',
    newline,
    colonSpace: colonSpace(text, parseJsonText(text)),
  };
}

/** What follows the colon of the first member in the file (' ' when there is none to go by). */
function colonSpace(text: string, node: ValueNode): string {
  const first = node.members[0];
  if (first) {
    const gap = text.slice(first.keyEnd, first.value.start);
    return gap.endsWith(' ') ? ' ' : '';
  }
  for (const element of node.elements) {
    if (element.kind === 'scalar') continue;
    const found = colonSpace(text, element);
    if (element.members.length > 0 || found !== ' ') return found;
  }
  return ' ';
}

/** The whitespace at the start of the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/**
 * `value` as JSON in the file's style, its continuation lines indented by `baseIndent`. Written from the value's
 * structure, never by rewriting serialized text, so no string value can be changed by the formatting.
 */
export function formatValue(value: JsonValue, style: JsonStyle, baseIndent: string): string {
  if (style.indent === '') return JSON.stringify(value);
  const write = (v: JsonValue, indent: string): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const inner = indent + style.indent;
    const items = Array.isArray(v)
      ? v.map((element) => write(element, inner))
      : Object.entries(v).map(
          ([key, element]) => `${JSON.stringify(key)}:${style.colonSpace}${write(element, inner)}`,
        );
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    if (items.length === 0) return open + close;
    const sep = style.newline + inner;
    return `${open}${sep}${items.join(`,${sep}`)}${style.newline}${indent}${close}`;
  };
  return write(value, baseIndent);
}

/** One change to a text: replace `length` characters at `offset` with `content` (jsonc-parser's shape). */
export interface Edit {
  offset: number;
  length: number;
  content: string;
}

/**
 * Applies edits worked out from one parse of `text`, from the end so that no edit moves another's offsets.
 * Throws a RangeError when two edits overlap (a planning mistake, never the file's).
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.offset - a.offset);
  let out = text;
  let limit = text.length;
  for (const edit of sorted) {
    if (edit.offset < 0 || edit.offset + edit.length > limit) {
      throw new RangeError(`overlapping or out-of-range edit at offset ${edit.offset}`);
    }
    out = out.slice(0, edit.offset) + edit.content + out.slice(edit.offset + edit.length);
    limit = edit.offset;
  }
  return out;
}

/** Replaces the text of a value. */
export function replaceValue(node: ValueNode, content: string): Edit {
  return { offset: node.start, length: node.end - node.start, content };
}

/** The indentation of the children of `container`, and of its closing bracket. */
function childIndent(
  text: string,
  container: ValueNode,
  style: JsonStyle,
): { child: string; close: string } {
  const close = lineIndent(text, container.start);
  const first =
    container.kind === 'object' ? container.members[0]?.start : container.elements[0]?.start;
  if (first !== undefined && text.lastIndexOf('\n', first) > container.start) {
    return { child: lineIndent(text, first), close };
  }
  return { child: close + style.indent, close };
}

/** Inserts pieces of JSON text (members `"k": v` or elements) at the end of an object or array. */
function appendChildren(
  text: string,
  container: ValueNode,
  pieces: (indent: string) => string[],
  style: JsonStyle,
): Edit {
  const { child, close } = childIndent(text, container, style);
  const multiline = style.indent !== '';
  const sep = multiline ? style.newline + child : '';
  const items = pieces(child);
  const last =
    container.kind === 'object' ? container.members.at(-1)?.value : container.elements.at(-1);
  if (last) {
    return { offset: last.end, length: 0, content: items.map((item) => `,${sep}${item}`).join('') };
  }
  const inner = multiline ? sep + items.join(`,${sep}`) + style.newline + close : items.join(',');
  // Between the brackets of an empty container, replacing whatever whitespace was there.
  return {
    offset: container.start + 1,
    length: container.end - container.start - 2,
    content: inner,
  };
}

/** Adds members at the end of the object `object`, each value formatted in the file's style. */
export function appendMembers(
  text: string,
  object: ValueNode,
  entries: readonly (readonly [string, JsonValue])[],
  style: JsonStyle,
): Edit {
  return appendChildren(
    text,
    object,
    (indent) =>
      entries.map(
        ([key, value]) =>
          `${JSON.stringify(key)}:${style.indent === '' ? '' : style.colonSpace}${formatValue(value, style, indent)}`,
      ),
    style,
  );
}

/** Adds one element at the end of the array `array`. */
export function appendElement(
  text: string,
  array: ValueNode,
  value: JsonValue,
  style: JsonStyle,
): Edit {
  return appendChildren(text, array, (indent) => [formatValue(value, style, indent)], style);
}

/**
 * Removes the children at `indexes` of an object or array with the separators that join them to their
 * neighbours, the exact inverse of appendChildren: one edit per run of neighbouring children, so that the
 * edits never overlap; a container emptied of all its children becomes `{}` or `[]`.
 */
export function removeChildren(container: ValueNode, indexes: readonly number[]): Edit[] {
  const children =
    container.kind === 'object'
      ? container.members.map((m) => ({ start: m.start, end: m.value.end }))
      : container.elements.map((e) => ({ start: e.start, end: e.end }));
  const remove = [...new Set(indexes)].sort((a, b) => a - b);
  for (const index of remove) {
    if (!children[index]) throw new RangeError(`no child ${index}`);
  }
  if (remove.length === 0) return [];
  if (remove.length === children.length) {
    return [
      { offset: container.start + 1, length: container.end - container.start - 2, content: '' },
    ];
  }
  const edits: Edit[] = [];
  for (let i = 0; i < remove.length; ) {
    const first = remove[i] as number;
    let last = first;
    while (remove[i + 1] === last + 1) last = remove[++i] as number;
    i++;
    const previous = children[first - 1];
    const lastChild = children[last] as { end: number };
    // After the previous child's end through the run's last child: the separator before the run goes.
    // A run at the start has no previous child: it goes up to the next child's start instead.
    const from = previous ? previous.end : (children[first] as { start: number }).start;
    const to = previous ? lastChild.end : (children[last + 1] as { start: number }).start;
    edits.push({ offset: from, length: to - from, content: '' });
  }
  return edits;
}

/**
 * The member `key` of an object node, if any. Throws a DuplicateKeyError when the object holds `key` more
 * than once, so that no caller reads or edits a member other than the one Stencil uses.
 */
export function member(node: ValueNode | undefined, key: string): MemberNode | undefined {
  if (node?.kind !== 'object') return undefined;
  const duplicate = node.duplicates.find((d) => d.key === key);
  if (duplicate) throw new DuplicateKeyError(key, duplicate.offset, duplicate.line);
  return node.members.find((m) => m.key === key);
}
