// `doctor`: what is missing or wrong in a theme's integration.
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_FILES } from '../paths.js';
import { CONFIG, OPTION_SETTINGS, variationOverrides } from './config-plan.js';
import { type JsonFile, loadJson } from './json-file.js';
import type { JsonValue } from './json-text.js';
import { includesPartial, withoutHandlebarsComments } from './layout.js';
import { BASE_LAYOUT, templateText } from './layout-plan.js';
import { SCHEMA } from './schema-plan.js';
import { isOwnSchemaGroup, SETTING_KEYS, TRANSLATIONS } from './settings.js';
import {
  readOptional,
  readPackageFiles,
  resolveLayout,
  resolveTheme,
  type ThemePath,
} from './theme-files.js';
import { findLeftovers } from './theme-paths.js';
import { TRANSLATIONS_FILE } from './translations-plan.js';

export type FindingCode =
  | 'partial_missing'
  | 'partial_outdated'
  | 'partial_not_included'
  | 'layout_missing'
  | 'script_nonce_missing'
  | 'drop_in_missing'
  | 'drop_in_stale'
  | 'setting_missing'
  | 'setting_differs_in_variation'
  | 'schema_group_missing'
  | 'translation_missing';

export interface Finding {
  code: FindingCode;
  /** The theme file it is about, relative to the theme. */
  file: ThemePath;
  message: string;
}

export interface DoctorReport {
  themeDir: string;
  /** Things that are missing or wrong: doctor exits non-zero when there is any. */
  problems: Finding[];
  /**
   * Worth knowing, not wrong (the integration is switched off, no client id yet, a temporary file left by an
   * interrupted install or uninstall that doctor removed).
   */
  notes: string[];
}

export interface DoctorOptions {
  /** Layouts that should include the partial besides `templates/layout/base.html`. */
  layouts?: readonly string[];
  packageRoot?: string;
}

/**
 * Every `<script …>` start tag outside Handlebars comments that the browser runs (one with a `src`, or inline
 * code: no `type`, or a JavaScript one) and that lacks `nonce="{{nonce}}"`: a Content Security Policy blocks
 * it. A data block (`type="application/json"`) runs nothing and needs none.
 */
export function scriptTagsWithoutNonce(template: string): string[] {
  const tags = withoutHandlebarsComments(template).match(/<script\b[^>]*>/gi) ?? [];
  return tags.filter((tag) => runs(tag) && !/\snonce="\{\{\s*nonce\s*\}\}"/.test(tag));
}

/** Whether a script tag's `type` is one the browser executes (none, `module`, or a JavaScript type). */
function runs(tag: string): boolean {
  const type = /\stype\s*=\s*["']?([^"'\s>]*)/i.exec(tag)?.[1]?.toLowerCase();
  return (
    type === undefined ||
    type === '' ||
    type === 'module' ||
    /^(?:text|application)\/(?:x-)?(?:java|ecma)script$/.test(type)
  );
}

/**
 * Inspects a theme. It changes one thing only: it removes the temporary files an interrupted install or
 * uninstall left (each one named in a note). Throws a ThemeError when it is not a readable Stencil theme.
 */
export function diagnose(themeDir: string, options: DoctorOptions = {}): DoctorReport {
  const dir = resolveTheme(themeDir);
  const pkg = readPackageFiles(options.packageRoot);
  const problems: Finding[] = [];
  const notes = removeLeftovers(dir);
  const add = (code: FindingCode, file: ThemePath, message: string): void => {
    problems.push({ code, file, message });
  };

  for (const path of pkg.partials) {
    const installed = readOptional(join(dir, path));
    if (installed === null) {
      add('partial_missing', path, `${path} is missing: run install`);
      continue;
    }
    if (!installed.equals(pkg.files.get(path) ?? Buffer.alloc(0))) {
      add(
        'partial_outdated',
        path,
        `${path} differs from this package's version: run install to replace it`,
      );
    }
    for (const tag of scriptTagsWithoutNonce(installed.toString('utf8'))) {
      add(
        'script_nonce_missing',
        path,
        `${path}: ${tag} has no nonce="{{nonce}}"; a Content Security Policy blocks it`,
      );
    }
  }

  for (const file of BUILT_FILES) {
    const installed = readOptional(join(dir, file));
    if (installed === null) add('drop_in_missing', file, `${file} is missing: run install`);
    else if (!installed.equals(pkg.files.get(file) ?? Buffer.alloc(0))) {
      add(
        'drop_in_stale',
        file,
        `${file} differs from this package's build: run install to update it`,
      );
    }
  }

  const layouts = [BASE_LAYOUT, ...(options.layouts ?? []).map((l) => resolveLayout(dir, l))];
  for (const layout of new Set(layouts)) {
    const bytes = readOptional(join(dir, layout));
    if (bytes === null) add('layout_missing', layout, `${layout} is missing`);
    else if (!includesPartial(templateText(bytes))) {
      add(
        'partial_not_included',
        layout,
        `${layout} does not include {{> components/current-customer/script}}`,
      );
    }
  }

  const config = loadJson(dir, CONFIG);
  if (config) checkConfig(config, add, notes);

  const schema = loadJson(dir, SCHEMA);
  if (schema) {
    const groups = Array.isArray(schema.value) ? schema.value : [];
    if (!groups.some(isOwnSchemaGroup)) {
      add('schema_group_missing', SCHEMA, 'schema.json has no Current Customer group');
    }
  }

  const translations = loadJson(dir, TRANSLATIONS_FILE);
  if (translations) {
    const missing = Object.keys(TRANSLATIONS).filter(
      (key) => !translations.member(translations.tree, key),
    );
    if (missing.length > 0) {
      add(
        'translation_missing',
        TRANSLATIONS_FILE,
        `schemaTranslations.json lacks ${missing.join(', ')}`,
      );
    }
  }
  return { themeDir: dir, problems, notes };
}

/** Removes the temporary files a killed install or uninstall left; a note for each. */
function removeLeftovers(dir: string): string[] {
  return findLeftovers(dir).map((path) => {
    unlinkSync(join(dir, path));
    return `removed ${path}, a temporary file an interrupted install or uninstall left: run that command again to finish it`;
  });
}

/** The app's identity: a variation that gives it another value sends that variation's tokens elsewhere. */
const IDENTITY_KEYS: readonly string[] = OPTION_SETTINGS.map(([key]) => key);

/**
 * The settings in config.json: all of them at the top level (variations inherit them), and a variation value
 * that differs from the top level's, which overrides it whenever that variation is active.
 */
function checkConfig(
  config: JsonFile,
  add: (code: FindingCode, file: ThemePath, message: string) => void,
  notes: string[],
): void {
  const settings = config.member(config.tree, 'settings')?.value;
  if (settings?.kind !== 'object') {
    add('setting_missing', CONFIG, 'config.json has no "settings" object: run install');
    return;
  }
  const missing = SETTING_KEYS.filter((key) => !config.member(settings, key));
  if (missing.length > 0) {
    add('setting_missing', CONFIG, `config.json settings lack ${missing.join(', ')}`);
  }
  for (const o of variationOverrides(config)) {
    const message = `config.json ${o.label} sets ${o.key} to ${o.value}, overriding ${o.topLevel} in settings whenever that variation is active`;
    if (IDENTITY_KEYS.includes(o.key)) {
      add(
        'setting_differs_in_variation',
        CONFIG,
        `${message}: remove it there, or run install with --client-id/--endpoint and --force to make them one value`,
      );
    } else notes.push(message);
  }
  const values = (config.value as { settings?: Record<string, JsonValue> }).settings ?? {};
  if (values.current_customer_enabled === false) {
    notes.push('current_customer_enabled is off in config.json: switch it on in the theme editor');
  }
  if (values.current_customer_app_client_id === '') {
    notes.push(
      'current_customer_app_client_id is empty in config.json: set it in the theme editor',
    );
  }
  if (values.current_customer_endpoint === '') {
    notes.push('current_customer_endpoint is empty in config.json: set it in the theme editor');
  }
}
