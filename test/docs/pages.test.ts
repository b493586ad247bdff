// The docs as a reader finds them: a README short enough to read in minutes that starts with the two set-up
// commands, one page per audience with a table of contents that matches its headings, and no link to a file or
// an anchor that is not there.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { anchorOf, docFiles, headings, links } from './markdown.js';

const root = packageRoot();
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** Links that point at a missing file or a missing anchor, as `file: target`. */
function brokenLinks(
  file: string,
  text: string,
  readTarget: (path: string) => string | null,
): string[] {
  const broken: string[] = [];
  for (const target of links(text)) {
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [path = '', anchor] = target.split('#');
    const resolved = path ? normalize(join(dirname(file), path)) : file;
    const content = readTarget(resolved);
    if (content === null) {
      broken.push(`${file}: ${target}`);
      continue;
    }
    if (anchor && !headings(content).some((heading) => anchorOf(heading.text) === anchor))
      broken.push(`${file}: ${target}`);
  }
  return broken;
}

const fromDisk = (path: string): string | null => {
  const full = join(root, path);
  if (!existsSync(full)) return null;
  return path.endsWith('.md') ? readFileSync(full, 'utf8') : '';
};

describe('README.md', () => {
  const readme = read('README.md');

  it('starts with the two set-up commands', () => {
    const block = /^# .*\n\n```sh\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
    expect(block.split('\n').map((line) => line.split('#')[0]?.trim())).toEqual([
      'npm ci && npm start',
      'npm ci && npm test',
    ]);
  });

  it('is at most 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('has a 5-minute path for each audience and links every docs page', () => {
    const titles = headings(readme).map((heading) => heading.text);
    expect(titles).toEqual(
      expect.arrayContaining(['5 minutes: theme developer', '5 minutes: app developer']),
    );
    for (const page of docFiles(root).filter((file) => file.startsWith('docs/')))
      expect(readme, page).toContain(`](${page})`);
  });
});

describe.each(docFiles(root).filter((file) => file.startsWith('docs/')))('%s', (file) => {
  const text = read(file);

  it('opens with a title and a table of contents that lists its sections', () => {
    const all = headings(text);
    expect(all[0]?.level).toBe(1);
    const contents = /^## Contents\n\n((?:\s*- \[.*\]\(#.*\)\n)+)/m.exec(text)?.[1] ?? '';
    const listed = [...contents.matchAll(/\(#([^)]+)\)/g)].map((match) => match[1]);
    const sections = all
      .filter((heading) => heading.level === 2 && heading.text !== 'Contents')
      .map((heading) => anchorOf(heading.text));
    expect(sections.length).toBeGreaterThan(0);
    for (const section of sections) expect(listed, `${file} lists #${section}`).toContain(section);
  });
});

describe('links', () => {
  it.each(docFiles(root))('%s links only to files and anchors that exist', (file) => {
    expect(brokenLinks(file, read(file), fromDisk)).toEqual([]);
  });

  it('the check finds a missing anchor and a missing file', () => {
    const text = '[a](docs/backend.md#no-such-section) [b](docs/nowhere.md) [c](#install)';
    expect(brokenLinks('README.md', text, fromDisk)).toEqual([
      'README.md: docs/backend.md#no-such-section',
      'README.md: docs/nowhere.md',
    ]);
  });
});

describe('CHANGELOG.md', () => {
  const changelog = read('CHANGELOG.md');

  it('is in Keep a Changelog form, breaking changes first', () => {
    expect(changelog).toMatch(/^# Changelog\n/);
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    const unreleased = changelog.split(/^## /m)[1] ?? '';
    expect(unreleased.indexOf('BREAKING')).toBeGreaterThan(-1);
    expect(unreleased.indexOf('BREAKING')).toBeLessThan(unreleased.indexOf('### Added'));
  });

  it('names the renames, the store rule, the text/plain default and how to keep JSON bodies', () => {
    for (const words of [
      'VerifiedCustomer',
      'VerifiedClaims',
      'storeHash',
      'allowAnyStore',
      'text/plain',
      "body: 'json'",
      'body="json"',
      'onRefusal',
      'require(',
    ])
      expect(changelog, words).toContain(words);
  });
});
