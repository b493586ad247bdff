// schema.json: the theme-editor group. Install appends it (or puts a changed one back to this version in
// place); uninstall removes it.
import { type JsonFile, loadJson } from './json-file.js';
import {
  appendElement,
  type Edit,
  formatValue,
  type JsonValue,
  removeChildren,
  replaceValue,
  type ValueNode,
} from './json-text.js';
import { change, type FileChange } from './plan.js';
import { isOwnSchemaGroup, schemaGroup } from './settings.js';
import type { ThemePath } from './theme-files.js';

export const SCHEMA: ThemePath = 'schema.json';

const GROUP_NAME = schemaGroup(false).name;

function ownGroupIndexes(schema: JsonFile, array: ValueNode): number[] {
  return array.elements.flatMap((element, index) =>
    isOwnSchemaGroup(schema.valueOf(element)) ? [index] : [],
  );
}

/** Plans schema.json for install; `translated` gives `i18n.*` labels (the theme has schemaTranslations.json). */
export function planSchemaInstall(themeDir: string, translated: boolean): FileChange | null {
  const schema = loadJson(themeDir, SCHEMA);
  if (!schema) return null;
  const array = schema.expect(schema.tree, 'array', 'the file');
  const group = schemaGroup(translated) as unknown as JsonValue;
  const [existing] = ownGroupIndexes(schema, array);
  const edits: Edit[] = [];
  const details: string[] = [];
  if (existing === undefined) {
    edits.push(appendElement(schema.text, array, group, schema.style));
    details.push(`add the theme-editor group "${GROUP_NAME}"`);
  } else {
    const element = array.elements[existing] as ValueNode;
    if (JSON.stringify(schema.valueOf(element)) !== JSON.stringify(group)) {
      const indent = /[ \t]*$/.exec(schema.text.slice(0, element.start))?.[0] ?? '';
      edits.push(replaceValue(element, formatValue(group, schema.style, indent)));
      details.push(`update the theme-editor group "${GROUP_NAME}"`);
    }
  }
  return change(SCHEMA, schema.bytes, schema.encode(edits), details);
}

/** Plans schema.json for uninstall: every group of this package goes. */
export function planSchemaUninstall(themeDir: string): FileChange | null {
  const schema = loadJson(themeDir, SCHEMA);
  if (!schema) return null;
  const array = schema.expect(schema.tree, 'array', 'the file');
  const indexes = ownGroupIndexes(schema, array);
  const details = indexes.length > 0 ? [`remove the theme-editor group "${GROUP_NAME}"`] : [];
  return change(SCHEMA, schema.bytes, schema.encode(removeChildren(array, indexes)), details);
}
