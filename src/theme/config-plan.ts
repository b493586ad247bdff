// config.json: the current_customer_* settings.
//
// How Stencil reads them: the settings a page sees (`theme_settings`) are the active variation's `settings`
// over the top-level `settings`, key by key (stencil-cli `lib/theme-config.js` getConfig:
// `_.defaultsDeep(variation.settings, config.settings)`; its `renderer.module.js` passes the result to paper
// as `theme_settings`). A key a variation does not hold comes from the top level, and stencil-cli's theme
// editor saves into a variation only the values that differ from the top level. So install writes each
// setting once, in the top-level `settings`; a value a variation already holds overrides it, which is why
// `--force` replaces the values of `--client-id` and `--endpoint` everywhere they live, and doctor reports a
// variation whose value differs from the top level.
import { type JsonFile, loadJson } from './json-file.js';
import {
  appendMembers,
  type Edit,
  type JsonValue,
  removeChildren,
  replaceValue,
  type ValueNode,
} from './json-text.js';
import { change, type FileChange } from './plan.js';
import { configSettings, SETTING_KEYS, type SettingsDefaults } from './settings.js';
import type { ThemePath } from './theme-files.js';

export const CONFIG: ThemePath = 'config.json';

export interface ConfigInstallOptions extends SettingsDefaults {
  /** Replace the values of `clientId` and `endpoint` wherever they are set, not only where still "". */
  force?: boolean | undefined;
}

/** A `settings` object of config.json: the top-level one, or a variation's. */
export interface SettingsObject {
  /** For people: `settings` or `variations[1] (bold) settings`. */
  label: string;
  node: ValueNode;
  variation: boolean;
}

/** The top-level `settings` object (required), then each variation's, in file order. */
export function settingsObjects(config: JsonFile): SettingsObject[] {
  const root = config.expect(config.tree, 'object', 'the file');
  const settings = config.expect(config.member(root, 'settings')?.value, 'object', '"settings"');
  const out: SettingsObject[] = [{ label: 'settings', node: settings, variation: false }];
  const variations = config.member(root, 'variations')?.value;
  variations?.elements.forEach((variation, index) => {
    const node = config.member(variation, 'settings')?.value;
    const id = config.member(variation, 'id');
    const name = id ? String(config.valueOf(id.value)) : String(index);
    if (node?.kind === 'object') {
      out.push({ label: `variations[${index}] (${name}) settings`, node, variation: true });
    }
  });
  return out;
}

/** The settings that `--client-id` and `--endpoint` write, with the option that gives each. */
export const OPTION_SETTINGS = [
  ['current_customer_app_client_id', 'clientId', '--client-id'],
  ['current_customer_endpoint', 'endpoint', '--endpoint'],
] as const;

/** A value as people read it in a message: scalars as written, containers by kind. */
export function shownValue(config: JsonFile, node: ValueNode): string {
  return node.kind === 'scalar' ? config.text.slice(node.start, node.end) : `an ${node.kind}`;
}

const group = (map: Map<string, string[]>, key: string, label: string): void => {
  map.set(key, [...(map.get(key) ?? []), label]);
};

/**
 * The edits that give `--client-id` and `--endpoint` their value wherever the setting exists: where it still
 * holds "" (a re-run after an install without them), or everywhere with `force`. Another value is kept
 * without `force`, with a note.
 */
function optionEdits(
  config: JsonFile,
  targets: SettingsObject[],
  options: ConfigInstallOptions,
  details: string[],
  notes: string[],
): Edit[] {
  const edits: Edit[] = [];
  for (const [key, option, flag] of OPTION_SETTINGS) {
    const given = options[option];
    if (given === undefined) continue;
    const filled: string[] = [];
    const replaced = new Map<string, string[]>();
    const kept = new Map<string, string[]>();
    for (const target of targets) {
      const found = config.member(target.node, key);
      if (!found) continue;
      const current = config.valueOf(found.value);
      if (current === given) continue;
      const shown = shownValue(config, found.value);
      if (current === '' || options.force) {
        edits.push(replaceValue(found.value, JSON.stringify(given)));
        if (current === '') filled.push(target.label);
        else group(replaced, shown, target.label);
      } else group(kept, shown, target.label);
    }
    if (filled.length > 0) {
      details.push(`set ${key} to ${JSON.stringify(given)} in ${filled.join(', ')} (it was "")`);
    }
    for (const [shown, labels] of replaced) {
      details.push(`replace ${key} ${shown} with ${JSON.stringify(given)} in ${labels.join(', ')}`);
    }
    for (const [shown, labels] of kept) {
      notes.push(
        `${key} is already ${shown} in config.json ${labels.join(', ')}: kept (${flag} only fills it where it is still ""; add --force to replace it everywhere); change it in the theme editor or in config.json`,
      );
    }
  }
  return edits;
}

/** Plans config.json for install: the missing settings in the top-level `settings`, and the options' values. */
export function planConfigInstall(
  themeDir: string,
  options: ConfigInstallOptions,
  notes: string[],
): FileChange | null {
  const config = loadJson(themeDir, CONFIG);
  if (!config) return null;
  const targets = settingsObjects(config);
  const top = targets[0] as SettingsObject;
  const details: string[] = [];
  const edits = optionEdits(config, targets, options, details, notes);
  const defaults = configSettings(options);
  const missing = SETTING_KEYS.filter((key) => !config.member(top.node, key));
  if (missing.length > 0) {
    const entries = missing.map((key) => [key, defaults[key] as JsonValue] as const);
    edits.push(appendMembers(config.text, top.node, entries, config.style));
    details.push(`add ${missing.join(', ')} to settings`);
  }
  return change(CONFIG, config.bytes, config.encode(edits), details);
}

/** Plans config.json for uninstall: every current_customer_* setting, at the top level and in variations. */
export function planConfigUninstall(themeDir: string): FileChange | null {
  const config = loadJson(themeDir, CONFIG);
  if (!config) return null;
  const edits: Edit[] = [];
  const details: string[] = [];
  for (const target of settingsObjects(config)) {
    const indexes = target.node.members.flatMap((m, index) =>
      (SETTING_KEYS as readonly string[]).includes(m.key) ? [index] : [],
    );
    if (indexes.length === 0) continue;
    edits.push(...removeChildren(target.node, indexes));
    details.push(`remove ${indexes.length} current_customer_* settings from ${target.label}`);
  }
  return change(CONFIG, config.bytes, config.encode(edits), details);
}

/** A variation's value of a setting that differs from the top-level one (which it overrides). */
export interface VariationOverride {
  key: string;
  label: string;
  value: string;
  topLevel: string;
}

/** Every current_customer_* value a variation holds that differs from the top level's. */
export function variationOverrides(config: JsonFile): VariationOverride[] {
  const [top, ...variations] = settingsObjects(config) as [SettingsObject, ...SettingsObject[]];
  const out: VariationOverride[] = [];
  for (const key of SETTING_KEYS) {
    const base = config.member(top.node, key)?.value;
    for (const variation of variations) {
      const own = config.member(variation.node, key)?.value;
      if (!own) continue;
      const same =
        base !== undefined &&
        JSON.stringify(config.valueOf(own)) === JSON.stringify(config.valueOf(base));
      if (!same) {
        out.push({
          key,
          label: variation.label,
          value: shownValue(config, own),
          topLevel: base ? shownValue(config, base) : '(not set)',
        });
      }
    }
  }
  return out;
}
