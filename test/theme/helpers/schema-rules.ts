// The rules the stencil CLI applies to a theme's schema.json and schemaTranslations.json before it bundles or
// pushes a theme, re-stated for the tests: groups with a name and settings; settings of known types with the
// fields each type requires; unique ids, each with a default in config.json; every `i18n.*` text translated
// (with a `default`) and no translation left unused.

const LABELLED_TYPES = new Set([
  'checkbox',
  'text',
  'select',
  'color',
  'font',
  'imageDimension',
  'optimizedCheckout-image',
  'sort',
]);
const CONTENT_TYPES = new Set(['heading', 'paragraph']);
const OPTION_TYPES = new Set(['select', 'font', 'imageDimension', 'sort']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Every rule `schema` breaks, as messages; an empty list means it passes. `translations` is the parsed
 * schemaTranslations.json (null when the theme has none: then no label may be an `i18n.*` key); `config` the
 * parsed config.json, whose `settings` must hold a default for every setting id.
 */
export function schemaProblems(schema: unknown, translations: unknown, config?: unknown): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  const ids = new Set<string>();
  const useText = (where: string, value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('i18n.')) used.add(value);
    else if (value !== undefined && typeof value !== 'string')
      problems.push(`${where} must be a string`);
  };
  if (!Array.isArray(schema)) return ['schema.json must be an array of groups'];
  schema.forEach((group: unknown, g) => {
    const at = `schema[${g}]`;
    if (!isObject(group)) {
      problems.push(`${at} must be an object`);
      return;
    }
    if (!isText(group.name)) problems.push(`${at} has no name`);
    useText(`${at}.name`, group.name);
    if (!Array.isArray(group.settings)) {
      problems.push(`${at} has no settings array`);
      return;
    }
    group.settings.forEach((setting, s) => {
      const where = `${at}.settings[${s}]`;
      if (!isObject(setting)) {
        problems.push(`${where} must be an object`);
        return;
      }
      const type = setting.type;
      if (typeof type !== 'string' || !(LABELLED_TYPES.has(type) || CONTENT_TYPES.has(type))) {
        problems.push(`${where} has an unknown type ${JSON.stringify(type)}`);
        return;
      }
      if (CONTENT_TYPES.has(type)) {
        if (!isText(setting.content)) problems.push(`${where} (${type}) needs content`);
        useText(`${where}.content`, setting.content);
        return;
      }
      // Cornerstone has an imageDimension with an empty label (its description says it all); the inputs the
      // merchant sets need a real one.
      const needsText = type === 'checkbox' || type === 'text' || type === 'select';
      if (typeof setting.label !== 'string' || (needsText && !isText(setting.label))) {
        problems.push(`${where} (${type}) needs a label`);
      }
      useText(`${where}.label`, setting.label);
      useText(`${where}.description`, setting.description);
      if (!isText(setting.id)) problems.push(`${where} (${type}) needs an id`);
      else if (ids.has(setting.id)) problems.push(`${where}: duplicate id ${setting.id}`);
      else {
        ids.add(setting.id);
        const defaults = isObject(config) ? config.settings : undefined;
        if (isObject(config) && !(isObject(defaults) && Object.hasOwn(defaults, setting.id))) {
          problems.push(`${where}: config.json settings has no default for ${setting.id}`);
        }
      }
      if (OPTION_TYPES.has(type)) {
        if (!Array.isArray(setting.options) || setting.options.length === 0) {
          problems.push(`${where} (${type}) needs options`);
          return;
        }
        setting.options.forEach((option, o) => {
          if (!isObject(option) || option.value === undefined || !isText(option.label)) {
            problems.push(`${where}.options[${o}] needs a value and a label`);
            return;
          }
          useText(`${where}.options[${o}].label`, option.label);
          useText(`${where}.options[${o}].group`, option.group);
        });
      }
    });
  });
  if (translations === null) {
    for (const key of used)
      problems.push(`${key} is used but the theme has no schemaTranslations.json`);
    return problems;
  }
  if (!isObject(translations)) return [...problems, 'schemaTranslations.json must be an object'];
  for (const key of used) {
    const entry = translations[key];
    if (!isObject(entry) || !isText(entry.default)) problems.push(`missing translation: ${key}`);
  }
  for (const key of Object.keys(translations)) {
    if (!used.has(key)) problems.push(`unused translation: ${key}`);
  }
  return problems;
}
