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
 * Adds the include just before the last `</body>`: on a line of its own, at the start of the line, when
 * `</body>` starts its line; right before `</body>` otherwise. Returns null when there is no `</body>`.
 *
 * Not indented on purpose: Handlebars drops a standalone line that holds only a partial, but with Stencil's
 * `preventIndent` the line's indentation would still be printed, so an indented include would change a
 * guest's page by a few spaces. At the start of the line, a page for a guest is byte-identical to the page
 * without the integration.
 */
export function addInclude(template: string): string | null {
  const end = bodyEnd(template);
  if (end === -1) return null;
  const lineStart = template.lastIndexOf('\n', end - 1) + 1;
  if (!/^[ \t]*$/.test(template.slice(lineStart, end))) {
    return template.slice(0, end) + INCLUDE + template.slice(end);
  }
  const newline = template.includes('\r\n') ? '\r\n' : '\n';
  return template.slice(0, lineStart) + INCLUDE + newline + template.slice(lineStart);
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
