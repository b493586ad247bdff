// Adding and removing the partial's include in a layout template, as a text splice.

/** The exact include the installer adds. */
export const INCLUDE = '{{> components/current-customer/script}}';

/** Matches any include of the script partial, with or without parameters or whitespace control. */
export const INCLUDE_PATTERN = /\{\{~?>\s*components\/current-customer\/script[\s}~]/;

/** Matches any reference to one of the package's partials. */
export const ANY_REFERENCE_PATTERN = /components\/current-customer\//g;

export function includesPartial(template: string): boolean {
  return INCLUDE_PATTERN.test(template);
}

/** Returns the offset of the last `</body>` (any case), or -1. */
function bodyEnd(template: string): number {
  return template.toLowerCase().lastIndexOf('</body>');
}

export function hasBodyEnd(template: string): boolean {
  return bodyEnd(template) !== -1;
}

/**
 * Adds the include just before the last `</body>`: on its own line, indented like the line before it, when
 * `</body>` starts its line; right before `</body>` otherwise. Returns null when there is no `</body>`.
 */
export function addInclude(template: string): string | null {
  const end = bodyEnd(template);
  if (end === -1) return null;
  const lineStart = template.lastIndexOf('\n', end - 1) + 1;
  const before = template.slice(lineStart, end);
  if (!/^[ \t]*$/.test(before)) return template.slice(0, end) + INCLUDE + template.slice(end);
  const newline = template.includes('\r\n') ? '\r\n' : '\n';
  let indent = `${before}    `;
  const previousLines = template.slice(0, lineStart).split(/\r?\n/);
  for (let i = previousLines.length - 1; i >= 0; i--) {
    const line = previousLines[i] ?? '';
    if (line.trim() === '') continue;
    const lineIndent = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (lineIndent.length > before.length) indent = lineIndent;
    break;
  }
  return template.slice(0, lineStart) + indent + INCLUDE + newline + template.slice(lineStart);
}

/** Removes what addInclude added (the include on its own line, or inline); other text is untouched. */
export function removeInclude(template: string): string {
  const lines = template.split(/(?<=\n)/);
  const kept = lines.filter((line) => line.replace(/\r?\n$/, '').trim() !== INCLUDE);
  return kept.join('').split(INCLUDE).join('');
}

/** How many references to the package's partials a template holds besides the installer's own include. */
export function foreignReferences(template: string): number {
  return (removeInclude(template).match(ANY_REFERENCE_PATTERN) ?? []).length;
}
