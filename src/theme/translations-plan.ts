// schemaTranslations.json: the English texts of the theme-editor group's `i18n.*` keys. Install adds the
// missing ones; uninstall removes them all.
import { loadJson } from './json-file.js';
import { appendMembers, type JsonValue, removeChildren } from './json-text.js';
import { change, type FileChange } from './plan.js';
import { TRANSLATIONS } from './settings.js';
import type { ThemePath } from './theme-files.js';

export const TRANSLATIONS_FILE: ThemePath = 'schemaTranslations.json';

/** Plans schemaTranslations.json for install. */
export function planTranslationsInstall(themeDir: string): FileChange | null {
  const translations = loadJson(themeDir, TRANSLATIONS_FILE);
  if (!translations) return null;
  const object = translations.expect(translations.tree, 'object', 'the file');
  const missing = Object.keys(TRANSLATIONS).filter((key) => !translations.member(object, key));
  if (missing.length === 0) return null;
  const entries = missing.map((key) => [key, { ...TRANSLATIONS[key] } as JsonValue] as const);
  const edit = appendMembers(translations.text, object, entries, translations.style);
  return change(TRANSLATIONS_FILE, translations.bytes, translations.encode([edit]), [
    `add ${missing.length} translations (${missing.join(', ')})`,
  ]);
}

/** Plans schemaTranslations.json for uninstall. */
export function planTranslationsUninstall(themeDir: string): FileChange | null {
  const translations = loadJson(themeDir, TRANSLATIONS_FILE);
  if (!translations) return null;
  const object = translations.expect(translations.tree, 'object', 'the file');
  const indexes = object.members.flatMap((m, index) =>
    Object.hasOwn(TRANSLATIONS, m.key) ? [index] : [],
  );
  const details = indexes.length > 0 ? [`remove ${indexes.length} translations`] : [];
  const after = translations.encode(removeChildren(object, indexes));
  return change(TRANSLATIONS_FILE, translations.bytes, after, details);
}
