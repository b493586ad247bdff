// Templates: install includes the script partial before the `</body>` of each layout; uninstall removes that
// include from every template, and refuses while a template uses the partials in a way install did not add.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARTIAL_DIR } from '../paths.js';
import { ThemeError } from './errors.js';
import {
  addInclude,
  bodyEnds,
  foreignReferences,
  includesPartial,
  removeInclude,
} from './layout.js';
import { change, type FileChange, readTheme } from './plan.js';
import { listTemplates, type ThemePath } from './theme-files.js';

export const BASE_LAYOUT: ThemePath = 'templates/layout/base.html';

/**
 * A template as text, and back, byte for byte whatever its encoding: latin1 maps each byte to one character.
 * Every pattern in layout.ts is ASCII and no byte of a multi-byte UTF-8 character is, so the splices are the
 * same as on the decoded text, and bytes that are not valid UTF-8 are kept as they were instead of becoming
 * U+FFFD.
 */
export const templateText = (bytes: Buffer): string => bytes.toString('latin1');
const templateBytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Plans one layout for install. */
export function planLayoutInstall(themeDir: string, path: ThemePath): FileChange | null {
  const file = join(themeDir, path);
  const bytes = readTheme(themeDir, path);
  if (bytes === null) throw new ThemeError('layout_not_found', `no such layout: ${file}`, file);
  const template = templateText(bytes);
  if (includesPartial(template)) return null;
  const ends = bodyEnds(template).length;
  if (ends === 0) {
    throw new ThemeError(
      'layout_no_body_end',
      `${file} has no </body> outside comments: cannot place the current-customer partial`,
      file,
    );
  }
  const patched = addInclude(template);
  if (patched === null) {
    throw new ThemeError(
      'layout_many_body_ends',
      `${file} has ${ends} </body> outside comments: cannot tell where to place the current-customer partial; leave one (or comment out the others)`,
      file,
    );
  }
  return change(path, bytes, templateBytes(patched), [
    'include {{> components/current-customer/script}} before </body>',
  ]);
}

/** Plans every template of the theme (but the package's own partials) for uninstall. */
export function planTemplatesUninstall(themeDir: string): FileChange[] {
  const out: FileChange[] = [];
  for (const path of listTemplates(themeDir)) {
    if (path.startsWith(`${PARTIAL_DIR}/`)) continue;
    const file = join(themeDir, path);
    const bytes = readFileSync(file);
    const template = templateText(bytes);
    if (foreignReferences(template) > 0) {
      throw new ThemeError(
        'partial_in_use',
        `${file} uses components/current-customer/ beyond the include that install added; remove that first`,
        file,
      );
    }
    const c = change(path, bytes, templateBytes(removeInclude(template)), [
      'remove {{> components/current-customer/script}}',
    ]);
    if (c) out.push(c);
  }
  return out;
}
