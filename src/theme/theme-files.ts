// Reading a Stencil theme and this package's own files, with ThemeErrors that name the file.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BUILT_FILES, DROP_IN_FILE, PARTIAL_DIR, packageRoot } from '../paths.js';
import { ThemeError } from './errors.js';
import { isInside } from './theme-paths.js';

/** A theme-relative path with forward slashes, as printed and as planned. */
export type ThemePath = string;

export function toThemePath(themeDir: string, absolute: string): ThemePath {
  return relative(themeDir, absolute).split(sep).join('/');
}

/** Resolves and checks the theme folder: it exists and holds `config.json` and `templates/`. */
export function resolveTheme(themeDir: string): string {
  const dir = resolve(themeDir);
  if (!existsSync(dir)) throw new ThemeError('theme_not_found', `no such directory: ${dir}`, dir);
  if (!statSync(dir).isDirectory()) {
    throw new ThemeError('theme_not_found', `not a directory: ${dir}`, dir);
  }
  const config = join(dir, 'config.json');
  if (!existsSync(config)) {
    throw new ThemeError('not_a_theme', `not a Stencil theme: ${config} does not exist`, config);
  }
  const templates = join(dir, 'templates');
  if (!existsSync(templates) || !statSync(templates).isDirectory()) {
    throw new ThemeError(
      'not_a_theme',
      `not a Stencil theme: ${templates} is not a folder`,
      templates,
    );
  }
  return dir;
}

export function readOptional(path: string): Buffer | null {
  return existsSync(path) ? readFileSync(path) : null;
}

/** The files this package installs, read from the package itself. */
export interface PackageFiles {
  /** Theme path → bytes: the partials, the drop-in file and the list add-on (with their source maps when built). */
  files: Map<ThemePath, Buffer>;
  partials: ThemePath[];
  dropIn: ThemePath;
}

export function readPackageFiles(root: string = packageRoot()): PackageFiles {
  const files = new Map<ThemePath, Buffer>();
  const partialDir = join(root, PARTIAL_DIR);
  const partials: ThemePath[] = [];
  if (!existsSync(partialDir)) {
    throw new ThemeError(
      'package_incomplete',
      `the package's partials are missing: ${partialDir}`,
      partialDir,
    );
  }
  for (const name of readdirSync(partialDir).sort()) {
    if (!name.endsWith('.html')) continue;
    const path = `${PARTIAL_DIR}/${name}`;
    partials.push(path);
    files.set(path, readFileSync(join(partialDir, name)));
  }
  for (const file of BUILT_FILES) {
    const built = join(root, file);
    if (!existsSync(built)) {
      throw new ThemeError(
        'package_incomplete',
        `a built file is missing: ${built} (run \`npm run build\` in the package)`,
        built,
      );
    }
    files.set(file, readFileSync(built));
    const map = `${file}.map`;
    if (existsSync(join(root, map))) files.set(map, readFileSync(join(root, map)));
  }
  return { files, partials, dropIn: DROP_IN_FILE };
}

/**
 * Resolves a `--layout` argument to a theme path: tried relative to `templates/layout/`, then `templates/`,
 * then the theme folder (and as given, when absolute); `.html` may be left out.
 */
export function resolveLayout(themeDir: string, layout: string): ThemePath {
  const names = layout.endsWith('.html') ? [layout] : [layout, `${layout}.html`];
  const bases = isAbsolute(layout)
    ? ['']
    : [join(themeDir, 'templates', 'layout'), join(themeDir, 'templates'), themeDir];
  for (const base of bases) {
    for (const name of names) {
      const candidate = base ? join(base, name) : name;
      if (existsSync(candidate) && statSync(candidate).isFile()) {
        const path = toThemePath(themeDir, candidate);
        if (path.startsWith('..') || isAbsolute(path)) {
          throw new ThemeError(
            'layout_not_found',
            `layout ${candidate} is outside the theme ${themeDir}`,
            candidate,
          );
        }
        return path;
      }
    }
  }
  throw new ThemeError(
    'layout_not_found',
    `no such layout: ${layout} (looked in ${join(themeDir, 'templates', 'layout')}, ${join(themeDir, 'templates')} and ${themeDir})`,
    layout,
  );
}

/**
 * Every `.html` template of the theme, as theme paths, each file once. Links are followed: a linked template
 * is read where it leads (a change to it is then checked by resolveTargets, which refuses a link out of the
 * theme), a linked folder only when it leads to a folder inside the theme.
 */
export function listTemplates(themeDir: string): ThemePath[] {
  const root = realpathSync(themeDir);
  const out: ThemePath[] = [];
  const seen = new Set<string>();
  /** `dir` as a theme path (through links), `realDir` where it is. */
  const walk = (dir: ThemePath, realDir: string): void => {
    for (const entry of readdirSync(realDir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      let real = join(realDir, entry.name);
      let kind = entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'other';
      if (entry.isSymbolicLink()) {
        try {
          real = realpathSync(real);
          kind = statSync(real).isDirectory() ? 'folder' : 'file';
        } catch {
          continue; // A link to nothing.
        }
        if (kind === 'folder' && !isInside(root, real)) continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      if (kind === 'folder') walk(path, real);
      else if (kind === 'file' && entry.name.endsWith('.html')) out.push(path);
    }
  };
  const templates = realpathSync(join(root, 'templates'));
  seen.add(templates);
  walk('templates', templates);
  return out.sort();
}
