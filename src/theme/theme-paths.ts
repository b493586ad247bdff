// Where the installer's writes and deletions land. Themes come from anywhere, so every path a plan changes is
// resolved through its symbolic links, one component at a time, and refused when a link leads out of the
// theme folder: before anything is written. And the temporary files the writes go through, which carry a
// recognisable name so that the next run can find and remove what a killed run left.
import { lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ThemeError } from './errors.js';
import type { ThemePath } from './theme-files.js';

/** True when `path` (absolute, links resolved) is `root` or inside it. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The theme folder with its own links resolved: what every target is checked against. */
export function realTheme(themeDir: string): string {
  return realpathSync(themeDir);
}

/**
 * Where changing the theme path `path` lands: an absolute path with every link on the way resolved. A link
 * inside the theme is followed, so a file reached through one is edited where it is and the link stays a
 * link; deleting a file that is itself a link removes the link, never its target. A link that leads out of
 * the theme (or to nothing) is a `path_outside_theme` ThemeError naming the link. Parts that do not exist
 * yet are created inside the last folder that does.
 */
export function resolveTarget(
  themeDir: string,
  path: ThemePath,
  action: 'write' | 'delete',
  root: string = realTheme(themeDir),
): string {
  const parts = path.split('/');
  let current = root;
  for (const [index, part] of parts.entries()) {
    const next = join(current, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      return join(current, ...parts.slice(index));
    }
    if (!isLink) {
      current = next;
      continue;
    }
    const real = linkTarget(themeDir, root, path, next);
    if (action === 'delete' && index === parts.length - 1) return next;
    current = real;
  }
  return current;
}

/** Where the link `link` leads, when that is inside the theme; else a ThemeError naming it. */
function linkTarget(themeDir: string, root: string, path: ThemePath, link: string): string {
  const shown = isInside(root, link) ? join(themeDir, relative(root, link)) : link;
  let real: string | undefined;
  try {
    real = realpathSync(link);
  } catch {
    // A link to nothing: where it would lead cannot be checked.
  }
  if (real !== undefined && isInside(root, real)) return real;
  const to = real ?? readlinkSync(link);
  throw new ThemeError(
    'path_outside_theme',
    `${shown} is a symbolic link to ${to}, ${real === undefined ? 'which does not exist' : `outside the theme ${themeDir}`}: ${path} would be changed through it, so nothing was written; replace the link with the folder or file itself`,
    shown,
  );
}

/**
 * The targets of every path a plan changes, in order, checked: each inside the theme, and no two the same
 * file (two links to one file would make two edits of one text, the second undoing the first).
 */
export function resolveTargets(
  themeDir: string,
  changes: readonly { path: ThemePath; after: Buffer | null }[],
): string[] {
  const root = realTheme(themeDir);
  const seen = new Map<string, ThemePath>();
  return changes.map(({ path, after }) => {
    const target = resolveTarget(themeDir, path, after === null ? 'delete' : 'write', root);
    const other = seen.get(target);
    if (other !== undefined) {
      throw new ThemeError(
        'path_aliased',
        `${join(themeDir, other)} and ${join(themeDir, path)} are the same file ${target} (through a symbolic link): both would be changed, so nothing was written; replace the link with a copy`,
        join(themeDir, path),
      );
    }
    seen.set(target, path);
    return target;
  });
}

/** The recognisable part of a temporary file's name: `<file>.current-customer-<8 hex digits>.tmp`. */
export const TEMP_FILE = /\.current-customer-[0-9a-f]{8}\.tmp$/;

/** The temporary file a write of `target` goes through, beside it. */
export function tempFileFor(target: string, random: string): string {
  return `${target}.current-customer-${random}.tmp`;
}

/**
 * Every temporary file a killed install or uninstall left in the theme (regular files named as `tempFileFor`
 * names them), as theme paths. Links are not followed, `node_modules` and dot-folders are skipped.
 */
export function findLeftovers(themeDir: string): ThemePath[] {
  const out: ThemePath[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      } else if (entry.isFile() && TEMP_FILE.test(entry.name)) out.push(prefix + entry.name);
    }
  };
  walk(realTheme(themeDir), '');
  return out.sort();
}
