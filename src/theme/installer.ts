// Plans and applies the changes that install and uninstall make to a Stencil theme. Planning reads the theme
// and prepares every file in memory; nothing is written until applyChanges, which writes each file through a
// temporary file and a rename and puts back what it already wrote if a later write fails.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { APP_CLIENT_ID, SECURE_ENDPOINT } from '../client/options.js';
import { DROP_IN_FILE, PARTIAL_DIR } from '../paths.js';
import { ThemeError } from './errors.js';
import {
  appendElement,
  appendMembers,
  detectStyle,
  formatValue,
  type JsonValue,
  member,
  parseJsonText,
  removeChild,
  type ValueNode,
} from './json-text.js';
import {
  addInclude,
  bodyEnds,
  foreignReferences,
  includesPartial,
  removeInclude,
} from './layout.js';
import {
  configSettings,
  isOwnSchemaGroup,
  SETTING_KEYS,
  type SettingsDefaults,
  schemaGroup,
  TRANSLATIONS,
} from './settings.js';
import {
  encodeJson,
  type JsonDocument,
  listTemplates,
  type PackageFiles,
  parseJsonFile,
  readingJson,
  readOptional,
  readPackageFiles,
  resolveLayout,
  resolveTheme,
  type ThemePath,
} from './theme-files.js';

/** One file the plan creates, rewrites or deletes. */
export interface FileChange {
  /** Relative to the theme folder, with forward slashes. */
  path: ThemePath;
  action: 'create' | 'update' | 'delete';
  /** The file's bytes now (null when it does not exist yet). */
  before: Buffer | null;
  /** The file's bytes after the change (null when it is deleted). */
  after: Buffer | null;
  /** What changes, one line each, for people. */
  details: string[];
}

export interface Plan {
  /** The theme folder, absolute. */
  themeDir: string;
  changes: FileChange[];
  /** Folders (theme paths) to remove after the changes when they are left empty. */
  removeIfEmpty: ThemePath[];
  /** Worth knowing, for people, changes or not (a setting kept instead of an option's value). */
  notes: string[];
}

export interface InstallOptions extends SettingsDefaults {
  /** Layouts to patch besides `templates/layout/base.html` (see resolveLayout for how they are found). */
  layouts?: readonly string[];
  /** Where the package's partials and built drop-in file are read from; defaults to this package. */
  packageRoot?: string;
}

export interface UninstallOptions {
  packageRoot?: string;
}

export const BASE_LAYOUT: ThemePath = 'templates/layout/base.html';
const CONFIG = 'config.json';
const SCHEMA = 'schema.json';
const TRANSLATIONS_FILE = 'schemaTranslations.json';

function readTheme(themeDir: string, path: ThemePath): Buffer | null {
  return readOptional(join(themeDir, path));
}

function change(
  path: ThemePath,
  before: Buffer | null,
  after: Buffer | null,
  details: string[],
): FileChange | null {
  if (before !== null && after !== null && before.equals(after)) return null;
  if (before === null && after === null) return null;
  const action = before === null ? 'create' : after === null ? 'delete' : 'update';
  return { path, action, before, after, details };
}

function loadJson(themeDir: string, path: ThemePath): { bytes: Buffer; doc: JsonDocument } | null {
  const bytes = readTheme(themeDir, path);
  if (bytes === null) return null;
  return { bytes, doc: parseJsonFile(themeDir, path, bytes) };
}

function expectKind(
  themeDir: string,
  path: ThemePath,
  node: ValueNode | undefined,
  kind: 'object' | 'array',
  what: string,
): ValueNode {
  if (!node || node.kind !== kind) {
    throw new ThemeError(
      'json_unexpected',
      `${join(themeDir, path)}: expected ${what} to be ${kind === 'object' ? 'an object' : 'an array'}`,
      join(themeDir, path),
    );
  }
  return node;
}

/** The `settings` objects of config.json that receive the settings: the top-level one and each variation's. */
function settingsObjects(themeDir: string, text: string): { label: string; node: ValueNode }[] {
  const tree = parseJsonText(text);
  const root = expectKind(themeDir, CONFIG, tree, 'object', 'the file');
  const settings = expectKind(
    themeDir,
    CONFIG,
    member(root, 'settings')?.value,
    'object',
    '"settings"',
  );
  const out = [{ label: 'settings', node: settings }];
  const variations = member(root, 'variations')?.value;
  if (variations?.kind === 'array') {
    variations.elements.forEach((variation, index) => {
      const node = member(variation, 'settings')?.value;
      const id = member(variation, 'id');
      const name = id ? JSON.parse(text.slice(id.value.start, id.value.end)) : index;
      if (node?.kind === 'object')
        out.push({ label: `variations[${index}] (${String(name)}) settings`, node });
    });
  }
  return out;
}

/** The settings that `--client-id` and `--endpoint` write, with the option that gives each. */
const OPTION_SETTINGS = [
  ['current_customer_app_client_id', 'clientId', '--client-id'],
  ['current_customer_endpoint', 'endpoint', '--endpoint'],
] as const;

/**
 * Gives the settings of `--client-id` and `--endpoint` their value where the setting exists and still holds
 * the empty default `""` (a re-run after an install without them); a setting holding another value is kept,
 * with a note. Only the value's text is replaced.
 */
function fillOptionSettings(
  themeDir: string,
  text: string,
  options: SettingsDefaults,
  details: string[],
  notes: string[],
): string {
  const targets = settingsObjects(themeDir, text).length;
  for (const [key, option, flag] of OPTION_SETTINGS) {
    const given = options[option];
    if (given === undefined) continue;
    const filled: string[] = [];
    const kept = new Map<string, string[]>();
    for (let i = 0; i < targets; i++) {
      // Each replacement shifts the offsets after it: re-parse.
      const target = settingsObjects(themeDir, text)[i];
      const found = target ? member(target.node, key) : undefined;
      if (!target || !found) continue;
      const { start, end, kind } = found.value;
      const raw = text.slice(start, end);
      const current = JSON.parse(raw) as JsonValue;
      if (current === '') {
        text = text.slice(0, start) + JSON.stringify(given) + text.slice(end);
        filled.push(target.label);
      } else if (current !== given) {
        const shown = kind === 'scalar' ? raw : `an ${kind}`;
        kept.set(shown, [...(kept.get(shown) ?? []), target.label]);
      }
    }
    if (filled.length > 0) {
      details.push(`set ${key} to ${JSON.stringify(given)} in ${filled.join(', ')} (it was "")`);
    }
    for (const [shown, labels] of kept) {
      notes.push(
        `${key} is already ${shown} in config.json ${labels.join(', ')}: kept (${flag} only fills it where it is still ""); change it in the theme editor or in config.json`,
      );
    }
  }
  return text;
}

function planConfigInstall(
  themeDir: string,
  options: SettingsDefaults,
  notes: string[],
): FileChange | null {
  const loaded = loadJson(themeDir, CONFIG);
  if (!loaded) return null;
  const { bytes, doc } = loaded;
  const style = detectStyle(doc.text);
  const defaults = configSettings(options);
  const details: string[] = [];
  let text = fillOptionSettings(themeDir, doc.text, options, details, notes);
  // Each insertion shifts the offsets after it: re-parse and find the next object to fill.
  const targets = settingsObjects(themeDir, text).length;
  for (let i = 0; i < targets; i++) {
    const target = settingsObjects(themeDir, text)[i];
    if (!target) break;
    const missing = SETTING_KEYS.filter((key) => !member(target.node, key));
    if (missing.length === 0) continue;
    text = appendMembers(
      text,
      target.node,
      missing.map((key) => [key, defaults[key]] as const),
      style,
    );
    details.push(`add ${missing.join(', ')} to ${target.label}`);
  }
  return change(CONFIG, bytes, encodeJson(bytes, text), details);
}

function planConfigUninstall(themeDir: string): FileChange | null {
  const loaded = loadJson(themeDir, CONFIG);
  if (!loaded) return null;
  const { bytes, doc } = loaded;
  let text = doc.text;
  const details: string[] = [];
  const targets = settingsObjects(themeDir, text).length;
  for (let i = 0; i < targets; i++) {
    let removed = 0;
    let label = '';
    for (;;) {
      const target = settingsObjects(themeDir, text)[i];
      if (!target) break;
      label = target.label;
      const index = target.node.members.findIndex((m) =>
        (SETTING_KEYS as readonly string[]).includes(m.key),
      );
      if (index === -1) break;
      text = removeChild(text, target.node, index);
      removed++;
    }
    if (removed > 0) details.push(`remove ${removed} current_customer_* settings from ${label}`);
  }
  return change(CONFIG, bytes, encodeJson(bytes, text), details);
}

function schemaArray(themeDir: string, text: string): ValueNode {
  return expectKind(themeDir, SCHEMA, parseJsonText(text), 'array', 'the file');
}

function ownGroupIndexes(doc: { text: string }, array: ValueNode): number[] {
  const out: number[] = [];
  array.elements.forEach((element, index) => {
    if (isOwnSchemaGroup(JSON.parse(doc.text.slice(element.start, element.end)))) out.push(index);
  });
  return out;
}

function planSchemaInstall(themeDir: string, translated: boolean): FileChange | null {
  const loaded = loadJson(themeDir, SCHEMA);
  if (!loaded) return null;
  const { bytes, doc } = loaded;
  const style = detectStyle(doc.text);
  const group = schemaGroup(translated) as unknown as JsonValue;
  const array = schemaArray(themeDir, doc.text);
  const [existing] = ownGroupIndexes(doc, array);
  const details: string[] = [];
  let text = doc.text;
  if (existing === undefined) {
    text = appendElement(text, array, group, style);
    details.push(`add the theme-editor group "${schemaGroup(false).name}"`);
  } else {
    const element = array.elements[existing] as ValueNode;
    const current = JSON.parse(text.slice(element.start, element.end)) as JsonValue;
    if (JSON.stringify(current) !== JSON.stringify(group)) {
      const indent = /[ \t]*$/.exec(text.slice(0, element.start))?.[0] ?? '';
      text =
        text.slice(0, element.start) + formatValue(group, style, indent) + text.slice(element.end);
      details.push(`update the theme-editor group "${schemaGroup(false).name}"`);
    }
  }
  return change(SCHEMA, bytes, encodeJson(bytes, text), details);
}

function planSchemaUninstall(themeDir: string): FileChange | null {
  const loaded = loadJson(themeDir, SCHEMA);
  if (!loaded) return null;
  const { bytes, doc } = loaded;
  let text = doc.text;
  let removed = 0;
  for (;;) {
    const array = schemaArray(themeDir, text);
    const [index] = ownGroupIndexes({ text }, array);
    if (index === undefined) break;
    text = removeChild(text, array, index);
    removed++;
  }
  const details = removed > 0 ? [`remove the theme-editor group "${schemaGroup(false).name}"`] : [];
  return change(SCHEMA, bytes, encodeJson(bytes, text), details);
}

function translationsObject(themeDir: string, text: string): ValueNode {
  return expectKind(themeDir, TRANSLATIONS_FILE, parseJsonText(text), 'object', 'the file');
}

function planTranslationsInstall(themeDir: string): FileChange | null {
  const loaded = loadJson(themeDir, TRANSLATIONS_FILE);
  if (!loaded) return null;
  const { bytes, doc } = loaded;
  const object = translationsObject(themeDir, doc.text);
  const missing = Object.keys(TRANSLATIONS).filter((key) => !member(object, key));
  if (missing.length === 0) return null;
  const text = appendMembers(
    doc.text,
    object,
    missing.map((key) => [key, { ...TRANSLATIONS[key] } as JsonValue] as const),
    detectStyle(doc.text),
  );
  return change(TRANSLATIONS_FILE, bytes, encodeJson(bytes, text), [
    `add ${missing.length} translations (${missing.join(', ')})`,
  ]);
}

function planTranslationsUninstall(themeDir: string): FileChange | null {
  const loaded = loadJson(themeDir, TRANSLATIONS_FILE);
  if (!loaded) return null;
  const { bytes, doc } = loaded;
  let text = doc.text;
  let removed = 0;
  for (;;) {
    const object = translationsObject(themeDir, text);
    const index = object.members.findIndex((m) => Object.hasOwn(TRANSLATIONS, m.key));
    if (index === -1) break;
    text = removeChild(text, object, index);
    removed++;
  }
  const details = removed > 0 ? [`remove ${removed} translations`] : [];
  return change(TRANSLATIONS_FILE, bytes, encodeJson(bytes, text), details);
}

function planLayoutInstall(themeDir: string, path: ThemePath): FileChange | null {
  const bytes = readTheme(themeDir, path);
  if (bytes === null) {
    throw new ThemeError(
      'layout_not_found',
      `no such layout: ${join(themeDir, path)}`,
      join(themeDir, path),
    );
  }
  const template = bytes.toString('utf8');
  if (includesPartial(template)) return null;
  const ends = bodyEnds(template).length;
  if (ends === 0) {
    throw new ThemeError(
      'layout_no_body_end',
      `${join(themeDir, path)} has no </body> outside comments: cannot place the current-customer partial`,
      join(themeDir, path),
    );
  }
  const patched = addInclude(template);
  if (patched === null) {
    throw new ThemeError(
      'layout_many_body_ends',
      `${join(themeDir, path)} has ${ends} </body> outside comments: cannot tell where to place the current-customer partial; leave one (or comment out the others)`,
      join(themeDir, path),
    );
  }
  return change(path, bytes, Buffer.from(patched, 'utf8'), [
    'include {{> components/current-customer/script}} before </body>',
  ]);
}

function planCopies(themeDir: string, pkg: PackageFiles): FileChange[] {
  const out: FileChange[] = [];
  for (const [path, bytes] of pkg.files) {
    const before = readTheme(themeDir, path);
    const what =
      path === DROP_IN_FILE
        ? 'the drop-in file'
        : path.endsWith('.map')
          ? 'its source map'
          : 'partial';
    const c = change(path, before, bytes, [
      before === null ? `copy ${what}` : `replace ${what} with this package's version`,
    ]);
    if (c) out.push(c);
  }
  return out;
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

/** Plans `install`: every change it would make to the theme, nothing written. */
export function planInstall(themeDir: string, options: InstallOptions = {}): Plan {
  validateOptions(options);
  const dir = resolveTheme(themeDir);
  const pkg = readPackageFiles(options.packageRoot);
  const layouts = [BASE_LAYOUT, ...(options.layouts ?? []).map((l) => resolveLayout(dir, l))];
  const translated = existsSync(join(dir, TRANSLATIONS_FILE));
  const notes: string[] = [];
  const changes = [
    ...planCopies(dir, pkg),
    readingJson(dir, CONFIG, () => planConfigInstall(dir, options, notes)),
    planSchemaInstall(dir, translated),
    translated ? readingJson(dir, TRANSLATIONS_FILE, () => planTranslationsInstall(dir)) : null,
    ...[...new Set(layouts)].map((layout) => planLayoutInstall(dir, layout)),
  ].filter((c): c is FileChange => c !== null);
  return { themeDir: dir, changes, removeIfEmpty: [], notes };
}

/**
 * Plans `uninstall`: removes the partials and drop-in file this package ships, its settings, schema group and
 * translations, and the include from every template. Refuses when a template still references the partials
 * in a way install did not add (a second app's include with parameters, say): removing the partials would
 * break that template.
 */
export function planUninstall(themeDir: string, options: UninstallOptions = {}): Plan {
  const dir = resolveTheme(themeDir);
  const pkg = readPackageFiles(options.packageRoot);
  const changes: FileChange[] = [];
  for (const path of listTemplates(dir)) {
    if (path.startsWith(`${PARTIAL_DIR}/`)) continue;
    const bytes = readFileSync(join(dir, path));
    const template = bytes.toString('utf8');
    if (foreignReferences(template) > 0) {
      throw new ThemeError(
        'partial_in_use',
        `${join(dir, path)} uses components/current-customer/ beyond the include that install added; remove that first`,
        join(dir, path),
      );
    }
    const c = change(path, bytes, Buffer.from(removeInclude(template), 'utf8'), [
      'remove {{> components/current-customer/script}}',
    ]);
    if (c) changes.push(c);
  }
  for (const path of pkg.files.keys()) {
    const c = change(path, readTheme(dir, path), null, ['delete']);
    if (c) changes.push(c);
  }
  const config = readingJson(dir, CONFIG, () => planConfigUninstall(dir));
  for (const c of [
    config,
    planSchemaUninstall(dir),
    readingJson(dir, TRANSLATIONS_FILE, () => planTranslationsUninstall(dir)),
  ]) {
    if (c) changes.push(c);
  }
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

/** File operations applyChanges uses; tests replace them to make a write fail midway. */
export interface FileSystemOps {
  writeFile(path: string, data: Buffer): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
}

const nodeOps: FileSystemOps = {
  writeFile: (path, data) => writeFileSync(path, data),
  rename: (from, to) => renameSync(from, to),
  unlink: (path) => unlinkSync(path),
};

function writeAtomically(ops: FileSystemOps, path: string, data: Buffer): void {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    ops.writeFile(temp, data);
    ops.rename(temp, path);
  } catch (error) {
    if (existsSync(temp)) unlinkSync(temp);
    throw error;
  }
}

function removeEmptyDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * Writes a plan. Each file goes through a temporary file and a rename; if one fails, the files already
 * changed are put back as they were and the folders created are removed, then a ThemeError is thrown.
 */
export function applyChanges(plan: Plan, ops: FileSystemOps = nodeOps): void {
  const done: FileChange[] = [];
  const createdDirs: string[] = [];
  const ensureDir = (dir: string): void => {
    if (existsSync(dir)) return;
    ensureDir(dirname(dir));
    mkdirSync(dir);
    createdDirs.push(dir);
  };
  for (const c of plan.changes) {
    const file = join(plan.themeDir, c.path);
    try {
      if (c.after === null) ops.unlink(file);
      else {
        ensureDir(dirname(file));
        writeAtomically(ops, file, c.after);
      }
      done.push(c);
    } catch (error) {
      const notRestored: string[] = [];
      for (const undo of done.reverse()) {
        const target = join(plan.themeDir, undo.path);
        try {
          if (undo.before === null) unlinkSync(target);
          else {
            mkdirSync(dirname(target), { recursive: true });
            writeAtomically(nodeOps, target, undo.before);
          }
        } catch {
          notRestored.push(target);
        }
      }
      for (const dir of createdDirs.reverse()) {
        try {
          removeEmptyDir(dir);
        } catch {
          // A folder that cannot be removed is left; it is empty.
        }
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new ThemeError(
        'write_failed',
        `cannot write ${file}: ${reason}; ${
          notRestored.length === 0
            ? 'the files already written were put back, the theme is unchanged'
            : `could not put back ${notRestored.join(', ')}`
        }`,
        file,
        { cause: error },
      );
    }
  }
  for (const dir of plan.removeIfEmpty) removeEmptyDir(join(plan.themeDir, dir));
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
