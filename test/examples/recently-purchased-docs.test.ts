// docs/recently-purchased.md's Cornerstone snippet is the demo theme's component, byte for byte, and its
// texts are the demo theme's: the snippet the Chromium tests run is the one the docs hand out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

const root = packageRoot();
const doc = readFileSync(join(root, 'docs', 'recently-purchased.md'), 'utf8');
const theme = join(root, 'src', 'dev', 'demo-theme');

/** A fenced block of the page, found by the HTML comment just above it. */
function block(marker: string): string {
  const found = new RegExp(`<!-- ${marker} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(
    doc,
  )?.[1];
  if (found === undefined) throw new Error(`docs/recently-purchased.md has no block ${marker}`);
  return found;
}

it('the Cornerstone snippet is the demo theme component', () => {
  const component = readFileSync(
    join(theme, 'templates', 'components', 'recently-purchased', 'list.html'),
    'utf8',
  );
  expect(block('snippet:recently-purchased-list')).toBe(component.trimEnd());
});

it("the snippet's texts are the demo theme's", () => {
  const lang = JSON.parse(readFileSync(join(theme, 'lang', 'en.json'), 'utf8'));
  expect(JSON.parse(block('snippet:recently-purchased-lang'))).toEqual({
    recently_purchased: lang.recently_purchased,
  });
});

it('has a Mermaid sequence diagram from the shopper to the store API and back', () => {
  const diagram = /```mermaid\n([\s\S]*?)\n```/.exec(doc)?.[1] ?? '';
  expect(diagram).toMatch(/^sequenceDiagram/);
  for (const actor of ['Shopper', 'Storefront', 'Module', 'Backend', 'API']) {
    expect(diagram).toContain(
      `participant ${actor}`.replace('participant Shopper', 'actor Shopper'),
    );
  }
});
