// doctor on the theme fixture: complete after install, and each thing that can go missing or wrong is reported.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DROP_IN_FILE, PARTIAL_DIR } from '../../src/paths.js';
import { diagnose, type FindingCode, scriptTagsWithoutNonce } from '../../src/theme/doctor.js';
import { ThemeError } from '../../src/theme/errors.js';
import { install } from '../../src/theme/installer.js';
import { cleanUp, copyTheme, differences, snapshot } from './helpers/fixture.js';

afterEach(cleanUp);

const codes = (dir: string, layouts: string[] = []): FindingCode[] =>
  diagnose(dir, { layouts }).problems.map((p) => p.code);

const edit = (dir: string, path: string, fn: (text: string) => string): void =>
  writeFileSync(join(dir, path), fn(readFileSync(join(dir, path), 'utf8')));

describe('doctor', () => {
  it('reports everything missing in a theme without the integration, and changes nothing', () => {
    const dir = copyTheme();
    const before = snapshot(dir);
    expect(new Set(codes(dir))).toEqual(
      new Set([
        'partial_missing',
        'drop_in_missing',
        'partial_not_included',
        'setting_missing',
        'schema_group_missing',
        'translation_missing',
      ]),
    );
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('finds nothing wrong after install, with notes about the defaults', () => {
    const dir = copyTheme();
    install(dir, { layouts: ['empty'] });
    const report = diagnose(dir, { layouts: ['empty'] });
    expect(report.problems).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/current_customer_enabled is off/);
    expect(report.notes.join('\n')).toMatch(/current_customer_app_client_id is empty/);
    install(dir, { clientId: 'x', endpoint: 'https://x.test/' });
  });

  it.each<[string, (dir: string) => void, FindingCode[]]>([
    [
      'the include removed',
      (d) =>
        edit(d, 'templates/layout/base.html', (t) =>
          t.replace('{{> components/current-customer/script}}\n', ''),
        ),
      ['partial_not_included'],
    ],
    ['a stale drop-in file', (d) => writeFileSync(join(d, DROP_IN_FILE), 'old'), ['drop_in_stale']],
    ['the drop-in file deleted', (d) => rmSync(join(d, DROP_IN_FILE)), ['drop_in_missing']],
    ['a partial deleted', (d) => rmSync(join(d, PARTIAL_DIR, 'config.html')), ['partial_missing']],
    [
      'the nonce removed from the script tag',
      (d) => edit(d, `${PARTIAL_DIR}/config.html`, (t) => t.replace(' nonce="{{nonce}}"', '')),
      ['partial_outdated', 'script_nonce_missing'],
    ],
    [
      'a setting removed',
      (d) => edit(d, 'config.json', (t) => t.replace(',\n    "current_customer_debug": false', '')),
      ['setting_missing'],
    ],
    [
      'a variation that gives the client id another value',
      (d) =>
        edit(d, 'config.json', (t) =>
          t.replace(
            '"color-primary": "#000000",',
            '"current_customer_app_client_id": "other",\n        "color-primary": "#000000",',
          ),
        ),
      ['setting_differs_in_variation'],
    ],
    [
      'a translation removed',
      (d) =>
        edit(d, 'schemaTranslations.json', (t) =>
          t.replace('"i18n.CurrentCustomerDebug"', '"i18n.SomethingElse"'),
        ),
      ['translation_missing'],
    ],
  ])('reports %s', (_name, breakIt, expected) => {
    const dir = copyTheme();
    install(dir);
    breakIt(dir);
    expect(codes(dir)).toEqual(expected);
  });

  it('reports a --layout that does not include the partial', () => {
    const dir = copyTheme();
    install(dir);
    expect(codes(dir, ['empty.html'])).toEqual(['partial_not_included']);
  });

  it('throws a ThemeError for something that is not a theme', () => {
    expect(() => diagnose('/nonexistent/theme')).toThrow(ThemeError);
  });

  it('finds script tags without the nonce', () => {
    expect(scriptTagsWithoutNonce('<script src="a.js" nonce="{{nonce}}"></script>')).toEqual([]);
    expect(scriptTagsWithoutNonce('<script src="a.js" defer></script>')).toEqual([
      '<script src="a.js" defer>',
    ]);
    expect(scriptTagsWithoutNonce('<script type="application/json">{}</script>')).toEqual([]);
    // Inline code runs too, and a CSP blocks it just the same; a mention in a Handlebars comment is no tag.
    expect(
      scriptTagsWithoutNonce('<script>go()</script><script type="module">go()</script>'),
    ).toEqual(['<script>', '<script type="module">']);
    expect(
      scriptTagsWithoutNonce('<script type=\'text/javascript\' nonce="{{nonce}}">go()</script>'),
    ).toEqual([]);
    expect(scriptTagsWithoutNonce('<SCRIPT TYPE="Text/JavaScript">go()</SCRIPT>')).toHaveLength(1);
    expect(scriptTagsWithoutNonce('{{!-- renders the <script> tag --}}\n{{! <script> }}')).toEqual(
      [],
    );
  });

  it('reports a variation value that differs from the top level, and notes one that does not matter', () => {
    const dir = copyTheme();
    install(dir, { clientId: 'top' });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      variations: { settings: Record<string, unknown> }[];
    };
    const [light, bold, warm] = config.variations;
    if (!light || !bold || !warm) throw new Error('the fixture has three variations');
    light.settings.current_customer_app_client_id = 'top';
    bold.settings.current_customer_endpoint = 'https://elsewhere.example.test/';
    warm.settings.current_customer_debug = true;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
    const report = diagnose(dir);
    expect(report.problems).toEqual([
      {
        code: 'setting_differs_in_variation',
        file: 'config.json',
        message: expect.stringMatching(
          /^config\.json variations\[1\] \(bold\) settings sets current_customer_endpoint to "https:\/\/elsewhere\.example\.test\/", overriding "" in settings whenever that variation is active: .*--force/,
        ),
      },
    ]);
    expect(report.notes.join('\n')).toMatch(
      /variations\[2\] \(warm\) settings sets current_customer_debug to true, overriding false/,
    );
    // The same value as the top level is no override.
    expect(JSON.stringify(report)).not.toMatch(/light/);
  });

  it('reports a config.json without a settings object instead of failing', () => {
    const dir = copyTheme();
    install(dir);
    writeFileSync(join(dir, 'config.json'), '{"name": "no settings"}\n');
    expect(diagnose(dir).problems).toEqual([
      {
        code: 'setting_missing',
        file: 'config.json',
        message: 'config.json has no "settings" object: run install',
      },
    ]);
  });
});
