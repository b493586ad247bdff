// Reading the docs as the tests need them: the pages, their headings and GitHub's anchors for them, their links,
// and the fenced blocks marked as complete programs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CodeBlock {
  file: string;
  /** The line of the opening fence, 1-based. */
  line: number;
  kind: 'run' | 'typecheck' | 'same-as';
  /** For `same-as`: the file the block must equal, relative to the repository. */
  path?: string;
  lang: string;
  code: string;
}

/** README.md, CHANGELOG.md, every page in docs/ and examples/README.md, relative to the repository. */
export function docFiles(root: string): string[] {
  const pages = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', 'CHANGELOG.md', ...pages, 'examples/README.md'];
}

const MARKER = /^\s*<!-- example: (run|typecheck|same-as (\S+)) -->\s*$/;
const FENCE = /^(\s*)```(\w*)\s*$/;

/** The fenced blocks right after an example marker, their indentation removed. */
export function markedBlocks(root: string, file: string): CodeBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const found: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i] ?? '');
    if (!marker) continue;
    const open = FENCE.exec(lines[i + 1] ?? '');
    if (!open)
      throw new Error(`${file}:${i + 1}: an example marker must be right above a fenced block`);
    const indent = open[1]?.length ?? 0;
    const code: string[] = [];
    let j = i + 2;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j++)
      code.push((lines[j] ?? '').slice(indent));
    if (j === lines.length) throw new Error(`${file}:${i + 2}: the fenced block is not closed`);
    const kind = (marker[1]?.split(' ')[0] ?? 'run') as CodeBlock['kind'];
    found.push({
      file,
      line: i + 2,
      kind,
      ...(marker[2] ? { path: marker[2] } : {}),
      lang: open[2] ?? '',
      code: code.join('\n'),
    });
    i = j;
  }
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The headings outside fenced blocks: level and text. */
export function headings(text: string): { level: number; text: string }[] {
  const found: { level: number; text: string }[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const match = fenced ? null : /^(#{1,6}) (.*)$/.exec(line);
    if (match) found.push({ level: match[1]?.length ?? 0, text: match[2] ?? '' });
  }
  return found;
}

/** Markdown links `[label](target)` outside fenced blocks and inline code. */
export function links(text: string): string[] {
  const found: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) found.push(match[1] as string);
  }
  return found;
}
