// Adding and removing the partial's include in a layout template, as a text splice. Comments do not count:
// a `</body>` or an include inside `{{!-- … --}}`, `{{! … }}` or `<!-- … -->` is not where the page ends or
// what it renders.

/** The exact include the installer adds. */
export const INCLUDE = '{{> components/current-customer/script}}';

/** Matches any include of the script partial, with or without parameters or whitespace control. */
export const INCLUDE_PATTERN = /\{\{~?>\s*components\/current-customer\/script[\s}~]/;

/** Matches any reference to one of the package's partials. */
export const ANY_REFERENCE_PATTERN = /components\/current-customer\//g;

/**
 * Handlebars comments, `{{!-- … --}}` (which may hold `}}`) and `{{! … }}`, with or without `~`. Handlebars
 * reads them before any HTML: a `<!--` inside one is not an HTML comment. An unterminated one runs to the end.
 */
const HANDLEBARS_COMMENT = /\{\{~?!--[\s\S]*?(?:--~?\}\}|$)|\{\{~?![\s\S]*?(?:\}\}|$)/g;

/** HTML comments; an unterminated one runs to the end, as in a browser. */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;

/** `text` with every match of `pattern` blanked out: same length and offsets, line breaks kept. */
function blank(text: string, pattern: RegExp): string {
  return text.replace(pattern, (span) => span.replace(/[^\r\n]/g, ' '));
}

/** The template as Handlebars reads it: its Handlebars comments blanked out (offsets unchanged). */
export function withoutHandlebarsComments(template: string): string {
  return blank(template, HANDLEBARS_COMMENT);
}

/**
 * The template as markup: its Handlebars comments and then its HTML comments blanked out (offsets
 * unchanged). A partial included inside an HTML comment still renders, but only into the comment.
 */
export function withoutComments(template: string): string {
  return blank(withoutHandlebarsComments(template), HTML_COMMENT);
}

/** True when the template includes the script partial outside comments. */
export function includesPartial(template: string): boolean {
  return INCLUDE_PATTERN.test(withoutComments(template));
}

/** The offsets of every `</body>` (any case) outside comments. */
export function bodyEnds(template: string): number[] {
  return [...withoutComments(template).matchAll(/<\/body>/gi)].map((match) => match.index);
}

export function hasBodyEnd(template: string): boolean {
  return bodyEnds(template).length > 0;
}

/**
 * Adds the include just before the `</body>`: on a line of its own, at the start of the line, when `</body>`
 * starts its line; right before `</body>` otherwise. Returns null unless there is exactly one `</body>`
 * outside comments (check bodyEnds for which case it is).
 *
 * Not indented on purpose: Handlebars drops a standalone line that holds only a partial, but with Stencil's
 * `preventIndent` the line's indentation would still be printed, so an indented include would change a
 * guest's page by a few spaces. At the start of the line, a page for a guest is byte-identical to the page
 * without the integration.
 */
export function addInclude(template: string): string | null {
  const ends = bodyEnds(template);
  const end = ends[0];
  if (end === undefined || ends.length !== 1) return null;
  const lineStart = template.lastIndexOf('\n', end - 1) + 1;
  if (!/^[ \t]*$/.test(template.slice(lineStart, end))) {
    return template.slice(0, end) + INCLUDE + template.slice(end);
  }
  const newline = template.includes('\r\n') ? '\r\n' : '\n';
  return template.slice(0, lineStart) + INCLUDE + newline + template.slice(lineStart);
}

/**
 * Removes what addInclude added (the include on its own line, or inline) outside comments; other text,
 * comments included, is untouched.
 */
export function removeInclude(template: string): string {
  const visible = withoutComments(template);
  let offset = 0;
  const kept = template.split(/(?<=\n)/).filter((line) => {
    const seen = visible.slice(offset, offset + line.length);
    offset += line.length;
    return seen !== line || line.replace(/\r?\n$/, '').trim() !== INCLUDE;
  });
  const text = kept.join('');
  const markup = withoutComments(text);
  let out = '';
  let last = 0;
  for (let at = markup.indexOf(INCLUDE); at !== -1; at = markup.indexOf(INCLUDE, last)) {
    out += text.slice(last, at);
    last = at + INCLUDE.length;
  }
  return out + text.slice(last);
}

/**
 * How many references to the package's partials a template holds besides the installer's own include,
 * Handlebars comments aside. References in HTML comments count: Handlebars still renders those partials.
 */
export function foreignReferences(template: string): number {
  return (withoutHandlebarsComments(removeInclude(template)).match(ANY_REFERENCE_PATTERN) ?? [])
    .length;
}
