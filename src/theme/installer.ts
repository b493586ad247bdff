// install and uninstall: what each changes in a Stencil theme, composed from one planner per file kind
// (config-plan.ts, schema-plan.ts, translations-plan.ts, layout-plan.ts, copies-plan.ts) and applied by the
// plan/apply core (plan.ts). Nothing is written before every file is planned.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APP_CLIENT_ID, SECURE_ENDPOINT } from '../client/options.js';
import { DROP_IN_FILE, PARTIAL_DIR } from '../paths.js';
import {
  type ConfigInstallOptions,
  planConfigInstall,
  planConfigUninstall,
} from './config-plan.js';
import { planCopies, planCopiesRemoval } from './copies-plan.js';
import { ThemeError } from './errors.js';
import { BASE_LAYOUT, planLayoutInstall, planTemplatesUninstall } from './layout-plan.js';
import { applyChanges, type FileChange, type Plan, planLeftoversRemoval } from './plan.js';
import { planSchemaInstall, planSchemaUninstall } from './schema-plan.js';
import type { SettingsDefaults } from './settings.js';
import { readPackageFiles, resolveLayout, resolveTheme } from './theme-files.js';
import { resolveTargets } from './theme-paths.js';
import {
  planTranslationsInstall,
  planTranslationsUninstall,
  TRANSLATIONS_FILE,
} from './translations-plan.js';

export { BASE_LAYOUT } from './layout-plan.js';
export { applyChanges, type FileChange, type FileSystemOps, type Plan } from './plan.js';

export interface InstallOptions extends ConfigInstallOptions {
  /** Layouts to patch besides `templates/layout/base.html` (see resolveLayout for how they are found). */
  layouts?: readonly string[];
  /** Where the package's partials and built drop-in file are read from; defaults to this package. */
  packageRoot?: string;
}

export interface UninstallOptions {
  packageRoot?: string;
}

/** Checks `--client-id` and `--endpoint` with the browser module's own rules. */
export function validateOptions(options: SettingsDefaults): void {
  const { clientId, endpoint } = options;
  if (clientId !== undefined && !APP_CLIENT_ID.test(clientId)) {
    throw new ThemeError(
      'invalid_option',
      `the client id must be letters, digits, '_' or '-': ${JSON.stringify(clientId)}`,
    );
  }
  if (endpoint === undefined) return;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ThemeError('invalid_option', `the endpoint must be an absolute URL: ${endpoint}`);
  }
  if (!SECURE_ENDPOINT.test(url.protocol + url.hostname)) {
    throw new ThemeError(
      'invalid_option',
      `the endpoint must use https: (http: only for localhost, 127.0.0.1 or [::1]): ${endpoint}`,
    );
  }
}

/** Each file once, however it is named: two names of one file (a link) would be two edits of one text. */
function uniqueFiles(dir: string, paths: readonly string[]): string[] {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const file = join(dir, path);
    const real = existsSync(file) ? realpathSync(file) : file;
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/**
 * Plans `install`: every change it would make to the theme, nothing written. The temporary files an
 * interrupted run left are removed first; a symbolic link that leads out of the theme is refused (see
 * resolveTarget in theme-paths.ts).
 */
export function planInstall(themeDir: string, options: InstallOptions = {}): Plan {
  validateOptions(options);
  const dir = resolveTheme(themeDir);
  const pkg = readPackageFiles(options.packageRoot);
  const layouts = [BASE_LAYOUT, ...(options.layouts ?? []).map((l) => resolveLayout(dir, l))];
  const translated = existsSync(join(dir, TRANSLATIONS_FILE));
  const notes: string[] = [];
  const changes = [
    ...planLeftoversRemoval(dir),
    ...planCopies(dir, pkg),
    planConfigInstall(dir, options, notes),
    planSchemaInstall(dir, translated),
    planTranslationsInstall(dir),
    ...uniqueFiles(dir, layouts).map((layout) => planLayoutInstall(dir, layout)),
  ].filter((c): c is FileChange => c !== null);
  resolveTargets(dir, changes);
  return { themeDir: dir, changes, removeIfEmpty: [], notes };
}

/**
 * Plans `uninstall`: removes the temporary files an interrupted run left, the partials and drop-in file this
 * package ships, its settings, schema group and translations, and the include from every template. Refuses when a template still references the partials
 * in a way install did not add (a second app's include with parameters, say): removing the partials would
 * break that template.
 */
export function planUninstall(themeDir: string, options: UninstallOptions = {}): Plan {
  const dir = resolveTheme(themeDir);
  const pkg = readPackageFiles(options.packageRoot);
  const config = planConfigUninstall(dir);
  const changes = [
    ...planLeftoversRemoval(dir),
    ...planTemplatesUninstall(dir),
    ...planCopiesRemoval(dir, pkg),
    config,
    planSchemaUninstall(dir),
    planTranslationsUninstall(dir),
  ].filter((c): c is FileChange => c !== null);
  resolveTargets(dir, changes);
  // The parents too: install creates them in a theme that had none (a real theme always has both).
  return {
    themeDir: dir,
    changes,
    removeIfEmpty: [PARTIAL_DIR, dirname(PARTIAL_DIR), dirname(DROP_IN_FILE), 'assets'],
    // Install keeps a current_customer_* setting the theme already had; nothing records that, so this
    // removes it with the others.
    notes: config
      ? [
          'every current_customer_* setting is removed from config.json, including any the theme had before install',
        ]
      : [],
  };
}

/** Plans and applies `install`; returns the plan that was applied. */
export function install(themeDir: string, options: InstallOptions = {}): Plan {
  const plan = planInstall(themeDir, options);
  applyChanges(plan);
  return plan;
}

/** Plans and applies `uninstall`; returns the plan that was applied. */
export function uninstall(themeDir: string, options: UninstallOptions = {}): Plan {
  const plan = planUninstall(themeDir, options);
  applyChanges(plan);
  return plan;
}
