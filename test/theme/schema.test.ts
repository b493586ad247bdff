// The merged schema.json passes the stencil CLI's rules, checked by a validator that is itself tested.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { install } from '../../src/theme/installer.js';
import { schemaGroup, TRANSLATIONS } from '../../src/theme/settings.js';
import { CORNERSTONE, skipCornerstone } from './helpers/cornerstone.js';
import { cleanUp, copyTheme, FIXTURE_THEME } from './helpers/fixture.js';
import { schemaProblems } from './helpers/schema-rules.js';

afterEach(cleanUp);

const load = (dir: string, file: string): unknown =>
  JSON.parse(readFileSync(join(dir, file), 'utf8').replace(/^\ufeff/, ''));

describe('the schema rules', () => {
  it.skipIf(skipCornerstone())('accept the real Cornerstone as published', () => {
    const dir = CORNERSTONE as string;
    expect(
      schemaProblems(
        load(dir, 'schema.json'),
        load(dir, 'schemaTranslations.json'),
        load(dir, 'config.json'),
      ),
    ).toEqual([]);
  });

  it('accept the theme fixture as written', () => {
    expect(
      schemaProblems(
        load(FIXTURE_THEME, 'schema.json'),
        load(FIXTURE_THEME, 'schemaTranslations.json'),
        load(FIXTURE_THEME, 'config.json'),
      ),
    ).toEqual([]);
  });

  for (const [name, source] of [
    ['the theme fixture', FIXTURE_THEME],
    ['the real Cornerstone', CORNERSTONE],
  ] as const) {
    it.skipIf(source === undefined)(`accept ${name} with the group merged in by install`, () => {
      const dir = copyTheme(source);
      install(dir);
      expect(
        schemaProblems(
          load(dir, 'schema.json'),
          load(dir, 'schemaTranslations.json'),
          load(dir, 'config.json'),
        ),
      ).toEqual([]);
    });
  }

  it('find the group alone complete: every i18n key it uses translated, none unused', () => {
    expect(schemaProblems([schemaGroup()], { ...TRANSLATIONS })).toEqual([]);
    expect(schemaProblems([schemaGroup(false)], null)).toEqual([]);
    const types = schemaGroup().settings.map((s) => s.type);
    expect(types).toEqual([
      'heading',
      'checkbox',
      'text',
      'text',
      'select',
      'select',
      'checkbox',
      'checkbox',
    ]);
  });

  const group = (): Record<string, unknown> => JSON.parse(JSON.stringify(schemaGroup()));
  const settingsOf = (g: Record<string, unknown>): Record<string, unknown>[] =>
    g.settings as Record<string, unknown>[];

  it.each<[string, (g: Record<string, unknown>) => void, RegExp]>([
    ['a setting without label', (g) => delete settingsOf(g)[1]?.label, /needs a label/],
    ['a setting without id', (g) => delete settingsOf(g)[2]?.id, /needs an id/],
    ['a heading without content', (g) => delete settingsOf(g)[0]?.content, /needs content/],
    [
      'an unknown type',
      (g) => Object.assign(settingsOf(g)[1] ?? {}, { type: 'toggle' }),
      /unknown type/,
    ],
    ['a select without options', (g) => delete settingsOf(g)[4]?.options, /needs options/],
    [
      'an option without label',
      (g) => Object.assign(settingsOf(g)[4] ?? {}, { options: [{ value: 'x' }] }),
      /value and a label/,
    ],
    [
      'a duplicate id',
      (g) => Object.assign(settingsOf(g)[3] ?? {}, { id: 'current_customer_app_client_id' }),
      /duplicate id/,
    ],
    [
      'an untranslated label',
      (g) => Object.assign(settingsOf(g)[1] ?? {}, { label: 'i18n.Nope' }),
      /missing translation: i18n.Nope/,
    ],
    ['a group without name', (g) => delete g.name, /has no name/],
  ])('reject %s', (_name, breakIt, message) => {
    const broken = group();
    breakIt(broken);
    const problems = schemaProblems([broken], { ...TRANSLATIONS });
    expect(problems.join('\n')).toMatch(message);
  });

  it('reject an unused translation, a translation without default, and i18n labels without translations', () => {
    expect(schemaProblems([group()], { ...TRANSLATIONS, 'i18n.Extra': { default: 'x' } })).toEqual([
      'unused translation: i18n.Extra',
    ]);
    expect(
      schemaProblems([group()], { ...TRANSLATIONS, 'i18n.CurrentCustomer': { fr: 'x' } }),
    ).toEqual(['missing translation: i18n.CurrentCustomer']);
    expect(schemaProblems([group()], null).length).toBe(Object.keys(TRANSLATIONS).length);
  });

  it('reject a setting without a default in config.json', () => {
    expect(schemaProblems([group()], { ...TRANSLATIONS }, { settings: {} })).toHaveLength(7);
  });
});
