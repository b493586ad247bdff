// Edits JSON files as text, so that everything the edit does not touch stays byte for byte: key order,
// indentation, line endings, escapes and the trailing newline. A small parser records where every value and
// object member starts and ends; edits are splices of new text at those offsets.

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

/**
 * Parses `text` (strict JSON; validate with JSON.parse first for the standard error messages) into a tree of
 * offsets.
 */
export function parseJsonText(text: string): ValueNode {
  let pos = 0;
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
  const value = (): ValueNode => {
    skip();
    const start = pos;
    const c = text.charAt(pos);
    if (c === '{') {
      pos++;
      const members: MemberNode[] = [];
      const duplicates: DuplicateKey[] = [];
      const seen = new Set<string>();
      skip();
      if (text.charAt(pos) === '}') {
        pos++;
        return { kind: 'object', start, end: pos, members, elements: [], duplicates };
      }
      for (;;) {
        skip();
        if (text.charAt(pos) !== '"') fail('expected a key');
        const keyStart = pos;
        const key = readString();
        const keyEnd = pos;
        if (seen.has(key)) {
          const line = text.slice(0, keyStart).split('\n').length;
          if (!duplicates.some((d) => d.key === key))
            duplicates.push({ key, offset: keyStart, line });
        }
        seen.add(key);
        skip();
        if (text.charAt(pos) !== ':') fail('expected ":"');
        pos++;
        members.push({ key, start: keyStart, keyEnd, value: value() });
        skip();
        const next = text.charAt(pos);
        pos++;
        if (next === '}')
          return { kind: 'object', start, end: pos, members, elements: [], duplicates };
        if (next !== ',') fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const elements: ValueNode[] = [];
      skip();
      if (text.charAt(pos) === ']') {
        pos++;
        return { kind: 'array', start, end: pos, members: [], elements, duplicates: [] };
      }
      for (;;) {
        elements.push(value());
        skip();
        const next = text.charAt(pos);
        pos++;
        if (next === ']')
          return { kind: 'array', start, end: pos, members: [], elements, duplicates: [] };
        if (next !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') {
      readString();
      return { kind: 'scalar', start, end: pos, members: [], elements: [], duplicates: [] };
    }
    const match = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(pos, pos + 400),
    );
    if (!match) return fail('unexpected character');
    pos += match[0].length;
    return { kind: 'scalar', start, end: pos, members: [], elements: [], duplicates: [] };
  };
  const root = value();
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

/** `value` as JSON in the file's style, its continuation lines indented by `baseIndent`. */
export function formatValue(value: JsonValue, style: JsonStyle, baseIndent: string): string {
  if (style.indent === '') return JSON.stringify(value);
  const text = JSON.stringify(value, null, style.indent).replace(/": /g, `":${style.colonSpace}`);
  return text.split('\n').join(style.newline + baseIndent);
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
): string {
  if (pieces.length === 0) return text;
  const { child, close } = childIndent(text, container, style);
  const multiline = style.indent !== '';
  const sep = multiline ? style.newline + child : '';
  const items = pieces(child);
  const last =
    container.kind === 'object' ? container.members.at(-1)?.value : container.elements.at(-1);
  if (last) {
    const insert = items.map((item) => `,${sep}${item}`).join('');
    return text.slice(0, last.end) + insert + text.slice(last.end);
  }
  const inner = multiline ? sep + items.join(`,${sep}`) + style.newline + close : items.join(',');
  return text.slice(0, container.start + 1) + inner + text.slice(container.end - 1);
}

/** Adds members at the end of the object `object`, each value formatted in the file's style. */
export function appendMembers(
  text: string,
  object: ValueNode,
  entries: readonly (readonly [string, JsonValue])[],
  style: JsonStyle,
): string {
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
): string {
  return appendChildren(text, array, (indent) => [formatValue(value, style, indent)], style);
}

/**
 * Removes child `index` of an object or array with the separator that joins it to its neighbour, the exact
 * inverse of appendChildren: an emptied container becomes `{}` or `[]`.
 */
export function removeChild(text: string, container: ValueNode, index: number): string {
  const children =
    container.kind === 'object'
      ? container.members.map((m) => ({ start: m.start, end: m.value.end }))
      : container.elements.map((e) => ({ start: e.start, end: e.end }));
  const child = children[index];
  if (!child) throw new RangeError(`no child ${index}`);
  if (children.length === 1) {
    return text.slice(0, container.start + 1) + text.slice(container.end - 1);
  }
  const previous = children[index - 1];
  if (previous) return text.slice(0, previous.end) + text.slice(child.end);
  const next = children[index + 1];
  if (!next) throw new RangeError(`no neighbour for child ${index}`);
  return text.slice(0, child.start) + text.slice(next.start);
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
