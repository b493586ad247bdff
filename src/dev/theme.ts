// Loads a Stencil theme from disk: its config.json settings, its templates (front matter stripped, keyed as
// Stencil keys them: `layout/base`, `pages/home`, ...) and its English language file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { DROP_IN_FILE, PARTIAL_DIR, packageRoot } from '../paths.js';
import { DevError } from './errors.js';

export interface Theme {
  /** Absolute path of the theme's folder. */
  dir: string;
  name: string;
  /** The Handlebars version its config.json asks for. */
  engine: 'v3' | 'v4';
  /** `settings` from config.json: the render context's `theme_settings`. */
  settings: Record<string, unknown>;
  /** Template sources keyed by path under `templates/` without `.html`. */
  templates: Record<string, string>;
  /** `lang/en.json`, flattened to dotted keys. */
  translations: Record<string, string>;
  /** Folders served under `/assets/`, first match wins: the theme's own `assets/` only, as on a store. */
  assetDirs: string[];
  /** Files and folders whose change reloads the theme on the next page load. */
  watch: string[];
  /** Things worth telling the developer (e.g. the partial is not installed). */
  warnings: string[];
}

/** The partial that themes include: `{{> components/current-customer/script}}`. */
export const SCRIPT_PARTIAL = 'components/current-customer/script';

const FRONT_MATTER = /^---\r?\n[\s\S]*?\r?\n---\r?\n?/;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function htmlFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...htmlFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.html')) files.push(path);
  }
  return files;
}

/** Reads every `.html` under `templatesDir`, keyed like Stencil (`pages/home`), front matter removed. */
export function readTemplates(templatesDir: string): Record<string, string> {
  const templates: Record<string, string> = {};
  for (const file of htmlFiles(templatesDir)) {
    const key = relative(templatesDir, file).slice(0, -'.html'.length).split(sep).join('/');
    templates[key] = readFileSync(file, 'utf8').replace(FRONT_MATTER, '');
  }
  return templates;
}

function flatten(value: unknown, prefix: string, into: Record<string, string>): void {
  if (typeof value === 'string') {
    into[prefix] = value;
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      flatten(child, prefix ? `${prefix}.${key}` : key, into);
    }
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DevError(
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Loads the theme in `dir`; throws a `DevError` naming what is missing when it is not a Stencil theme. */
export function loadTheme(dir: string): Theme {
  const root = resolve(dir);
  if (!existsSync(root)) throw new DevError(`--theme: no such folder: ${root}`);
  if (!isDirectory(root)) throw new DevError(`--theme: not a folder: ${root}`);
  const configFile = join(root, 'config.json');
  const templatesDir = join(root, 'templates');
  if (!existsSync(configFile) || !isDirectory(templatesDir)) {
    throw new DevError(
      `--theme: ${root} is not a Stencil theme (it needs config.json and a templates/ folder)`,
    );
  }
  const config = readJson(configFile);
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw new DevError(`--theme: ${configFile} is not a JSON object`);
  }
  const { name, template_engine, settings } = config as Record<string, unknown>;
  const templates = readTemplates(templatesDir);
  if (templates['layout/base'] === undefined) {
    throw new DevError(`--theme: ${root} is not a Stencil theme (no templates/layout/base.html)`);
  }
  const translations: Record<string, string> = {};
  const langFile = join(root, 'lang', 'en.json');
  if (existsSync(langFile)) flatten(readJson(langFile), '', translations);

  const warnings: string[] = [];
  if (templates[SCRIPT_PARTIAL] === undefined) {
    warnings.push(
      `${root} has no ${PARTIAL_DIR}/script.html: run 'npx stencil-current-customer install ${dir}' first`,
    );
  } else if (!existsSync(join(root, DROP_IN_FILE))) {
    warnings.push(
      `${root} has no ${DROP_IN_FILE} (the page gets a 404 for it, as on a store): run 'npx stencil-current-customer install ${dir}'`,
    );
  }
  return {
    dir: root,
    name: typeof name === 'string' ? name : root,
    engine: template_engine === 'handlebars_v3' ? 'v3' : 'v4',
    settings:
      settings && typeof settings === 'object' && !Array.isArray(settings)
        ? { ...(settings as Record<string, unknown>) }
        : {},
    templates,
    translations,
    assetDirs: [join(root, 'assets')],
    watch: [configFile, templatesDir, join(root, 'lang'), join(root, DROP_IN_FILE)],
    warnings,
  };
}

/**
 * The built-in demo theme: a small layout and home page that include the package's own partial exactly as
 * an installed theme does; the partials come from this package's `templates/`.
 */
export function loadDemoTheme(): Theme {
  const root = packageRoot();
  const theme = loadTheme(join(root, 'src', 'dev', 'demo-theme'));
  const partialsDir = join(root, 'templates');
  if (isDirectory(join(root, PARTIAL_DIR))) {
    for (const [key, source] of Object.entries(readTemplates(partialsDir))) {
      if (key.startsWith('components/current-customer/')) theme.templates[key] = source;
    }
  }
  theme.warnings = theme.templates[SCRIPT_PARTIAL]
    ? []
    : [
        `the package's ${PARTIAL_DIR}/script.html is missing: the demo page will not load the module`,
      ];
  // The demo theme has no copy of the drop-in: it serves the package's own build.
  theme.assetDirs = [join(root, 'assets')];
  theme.watch.push(join(root, PARTIAL_DIR));
  return theme;
}
