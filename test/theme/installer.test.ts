// install / re-install / dry-run / uninstall on copies of the theme fixture and of the real Cornerstone (when
// available), compared byte for byte.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DROP_IN_FILE, PARTIAL_DIR, packageRoot } from '../../src/paths.js';
import { diagnose } from '../../src/theme/doctor.js';
import { ThemeError, type ThemeErrorCode } from '../../src/theme/errors.js';
import {
  applyChanges,
  type FileSystemOps,
  install,
  planInstall,
  planUninstall,
  uninstall,
} from '../../src/theme/installer.js';
import {
  configSettings,
  SETTING_KEYS,
  schemaGroup,
  TRANSLATIONS,
} from '../../src/theme/settings.js';
import { CORNERSTONE, skipCornerstone } from './helpers/cornerstone.js';
import {
  cleanUp,
  copyTheme as copy,
  differences,
  FIXTURE_THEME,
  snapshot,
  tempDir,
} from './helpers/fixture.js';

afterEach(cleanUp);

const read = (dir: string, path: string): string => readFileSync(join(dir, path), 'utf8');
const readJson = (dir: string, path: string): unknown =>
  JSON.parse(read(dir, path).replace(/^\ufeff/, ''));

function expectThemeError(fn: () => unknown, code: ThemeErrorCode, file?: string): ThemeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ThemeError);
    const e = error as ThemeError;
    expect(e.code).toBe(code);
    if (file !== undefined) expect(e.message).toContain(file);
    return e;
  }
  throw new Error(`expected a ThemeError ${code}`);
}

const THEMES: [string, string | undefined][] = [
  ['the theme fixture', FIXTURE_THEME],
  ['the real Cornerstone 6.21.0', CORNERSTONE],
];

for (const [name, source] of THEMES) {
  describe.skipIf(source === undefined && skipCornerstone())(`install into ${name}`, () => {
    it('copies the partials and the drop-in file, merges the settings and includes the partial', () => {
      const dir = copy(source);
      const original = snapshot(dir);
      install(dir, { clientId: 'my-client', endpoint: 'https://app.example.test/identify' });

      for (const name of ['script.html', 'config.html', 'field.html', 'list-script.html']) {
        expect(readFileSync(join(dir, PARTIAL_DIR, name))).toEqual(
          readFileSync(join(packageRoot(), PARTIAL_DIR, name)),
        );
      }
      expect(readFileSync(join(dir, DROP_IN_FILE))).toEqual(
        readFileSync(join(packageRoot(), DROP_IN_FILE)),
      );
      expect(existsSync(join(dir, 'assets/dist'))).toBe(false);

      const config = readJson(dir, 'config.json') as {
        settings: Record<string, unknown>;
        variations: { settings: Record<string, unknown> }[];
      };
      const expected = configSettings({
        clientId: 'my-client',
        endpoint: 'https://app.example.test/identify',
      });
      expect(config.settings).toMatchObject(expected);
      expect(config.variations).toHaveLength(3);
      // Written once, at the top level: each variation inherits them (Stencil reads a variation's
      // settings over the top-level ones).
      const originalVariations = (
        JSON.parse(original.get('config.json')?.toString() ?? '') as typeof config
      ).variations;
      config.variations.forEach((variation, index) => {
        expect(variation).toEqual(originalVariations[index]);
        expect({ ...config.settings, ...variation.settings }).toMatchObject(expected);
      });
      // New keys come last; every other key keeps its place.
      const originalConfig = JSON.parse(
        original.get('config.json')?.toString() ?? '',
      ) as typeof config;
      expect(Object.keys(config.settings)).toEqual([
        ...Object.keys(originalConfig.settings),
        ...SETTING_KEYS,
      ]);

      const schema = readJson(dir, 'schema.json') as unknown[];
      expect(schema.at(-1)).toEqual(schemaGroup());
      const translations = readJson(dir, 'schemaTranslations.json') as Record<string, unknown>;
      for (const [key, value] of Object.entries(TRANSLATIONS))
        expect(translations[key]).toEqual(value);

      const base = read(dir, 'templates/layout/base.html');
      expect(base).toContain(
        '        {{{footer.scripts}}}\n{{> components/current-customer/script}}\n    </body>',
      );
      // Every other file is untouched; the changed ones differ only by what was added.
      expect(differences(original, snapshot(dir))).toEqual([
        'assets/',
        'assets/current-customer/',
        'assets/current-customer/current-customer-list.min.js',
        'assets/current-customer/current-customer-list.min.js.map',
        'assets/current-customer/current-customer.min.js',
        'assets/current-customer/current-customer.min.js.map',
        'config.json',
        'schema.json',
        'schemaTranslations.json',
        'templates/components/current-customer/',
        'templates/components/current-customer/config.html',
        'templates/components/current-customer/field.html',
        'templates/components/current-customer/list-script.html',
        'templates/components/current-customer/script.html',
        'templates/layout/base.html',
      ]);
      const originalBase = original.get('templates/layout/base.html')?.toString() ?? '';
      expect(base.replace('{{> components/current-customer/script}}\n', '')).toBe(originalBase);
    });

    it('is idempotent: a second run plans nothing and changes no byte', () => {
      const dir = copy(source);
      install(dir, { clientId: 'a', endpoint: 'https://a.example.test/', layouts: ['empty.html'] });
      const once = snapshot(dir);
      expect(
        planInstall(dir, {
          clientId: 'a',
          endpoint: 'https://a.example.test/',
          layouts: ['empty.html'],
        }).changes,
      ).toEqual([]);
      install(dir, {
        clientId: 'b',
        endpoint: 'https://other.example.test/',
        layouts: ['empty.html'],
      });
      expect(differences(once, snapshot(dir))).toEqual([]);
      expect(planInstall(dir).changes).toEqual([]);
    });

    it('a re-run with --client-id and --endpoint fills the settings still empty', () => {
      const dir = copy(source);
      const before = snapshot(dir);
      install(dir);
      const empty = read(dir, 'config.json');
      const plan = planInstall(dir, { clientId: 'abc123', endpoint: 'https://app.example.test/x' });
      expect(plan.changes.map((c) => c.path)).toEqual(['config.json']);
      expect(plan.notes).toEqual([]);
      applyChanges(plan);
      // Only the two values change, in settings and in each of the three variations.
      expect(read(dir, 'config.json')).toBe(
        empty
          .replaceAll(
            '"current_customer_app_client_id": ""',
            '"current_customer_app_client_id": "abc123"',
          )
          .replaceAll(
            '"current_customer_endpoint": ""',
            '"current_customer_endpoint": "https://app.example.test/x"',
          ),
      );
      expect(empty.split('"current_customer_app_client_id": ""').length).toBe(2);
      const config = readJson(dir, 'config.json') as {
        settings: Record<string, unknown>;
        variations: { settings: Record<string, unknown> }[];
      };
      for (const variation of config.variations) {
        const seen = { ...config.settings, ...variation.settings };
        expect(seen.current_customer_app_client_id).toBe('abc123');
        expect(seen.current_customer_endpoint).toBe('https://app.example.test/x');
      }
      uninstall(dir);
      expect(differences(before, snapshot(dir))).toEqual([]);
    });

    it('a re-run keeps a client id or endpoint already set, and says so', () => {
      const dir = copy(source);
      install(dir, { clientId: 'first' });
      const once = snapshot(dir);
      const plan = planInstall(dir, { clientId: 'second', endpoint: 'https://app.example.test/x' });
      // The endpoint was still empty: filled. The client id was set: kept, with a note.
      expect(plan.changes.map((c) => c.path)).toEqual(['config.json']);
      expect(plan.notes.join('\n')).toMatch(
        /current_customer_app_client_id is already "first" in config\.json settings.*kept.*theme editor/,
      );
      expect(plan.notes.join('\n')).not.toMatch(/current_customer_endpoint/);
      applyChanges(plan);
      const config = readJson(dir, 'config.json') as { settings: Record<string, unknown> };
      expect(config.settings.current_customer_app_client_id).toBe('first');
      expect(config.settings.current_customer_endpoint).toBe('https://app.example.test/x');
      expect(differences(once, snapshot(dir))).toEqual(['config.json']);
    });

    it('writes nothing on a dry run (planInstall), and the plan describes every file', () => {
      const dir = copy(source);
      const before = snapshot(dir);
      const plan = planInstall(dir, { layouts: ['layout/empty'] });
      expect(differences(before, snapshot(dir))).toEqual([]);
      expect(plan.changes.map((c) => [c.action, c.path])).toEqual([
        ['create', 'templates/components/current-customer/config.html'],
        ['create', 'templates/components/current-customer/field.html'],
        ['create', 'templates/components/current-customer/list-script.html'],
        ['create', 'templates/components/current-customer/script.html'],
        ['create', 'assets/current-customer/current-customer.min.js'],
        ['create', 'assets/current-customer/current-customer.min.js.map'],
        ['create', 'assets/current-customer/current-customer-list.min.js'],
        ['create', 'assets/current-customer/current-customer-list.min.js.map'],
        ['update', 'config.json'],
        ['update', 'schema.json'],
        ['update', 'schemaTranslations.json'],
        ['update', 'templates/layout/base.html'],
        ['update', 'templates/layout/empty.html'],
      ]);
      for (const c of plan.changes) expect(c.details.length).toBeGreaterThan(0);
    });

    it('uninstall leaves the theme byte-identical to before, layouts and variations included', () => {
      const dir = copy(source);
      const before = snapshot(dir);
      install(dir, { clientId: 'x', endpoint: 'https://x.test/', layouts: ['empty'] });
      expect(differences(before, snapshot(dir)).length).toBeGreaterThan(0);
      uninstall(dir);
      expect(differences(before, snapshot(dir))).toEqual([]);
      expect(planUninstall(dir).changes).toEqual([]);
    });

    it('uninstall removes the settings even when the merchant changed their values', () => {
      const dir = copy(source);
      const before = snapshot(dir);
      install(dir);
      const config = read(dir, 'config.json')
        .replace('"current_customer_enabled": false', '"current_customer_enabled": true')
        .replace('"current_customer_app_client_id": ""', '"current_customer_app_client_id": "abc"');
      writeFileSync(join(dir, 'config.json'), config);
      uninstall(dir);
      expect(differences(before, snapshot(dir))).toEqual([]);
    });

    it('replaces an outdated partial and a stale drop-in file, and keeps merchant values on re-install', () => {
      const dir = copy(source);
      install(dir);
      writeFileSync(join(dir, PARTIAL_DIR, 'script.html'), 'old');
      writeFileSync(join(dir, DROP_IN_FILE), 'old build');
      const edited = read(dir, 'config.json').replaceAll(
        '"current_customer_endpoint": ""',
        '"current_customer_endpoint": "https://kept.example.test/"',
      );
      writeFileSync(join(dir, 'config.json'), edited);
      const plan = planInstall(dir, { endpoint: 'https://new.example.test/' });
      expect(plan.changes.map((c) => c.path)).toEqual([`${PARTIAL_DIR}/script.html`, DROP_IN_FILE]);
      expect(plan.notes).toEqual([
        expect.stringMatching(
          /^current_customer_endpoint is already "https:\/\/kept\.example\.test\/" in config\.json settings: kept .*--force/,
        ),
      ]);
      applyChanges(plan);
      expect(read(dir, 'config.json')).toBe(edited);
    });

    it('uninstall removes a current_customer_* setting the theme had before install too, and says so', () => {
      const dir = miniTheme({
        'config.json': '{"settings":{"a":1,"current_customer_debug":true}}',
        'templates/layout/base.html': BASE,
      });
      install(dir);
      expect(readJson(dir, 'config.json')).toMatchObject({
        settings: { current_customer_debug: true },
      });
      const plan = planUninstall(dir);
      expect(plan.notes.join('\n')).toMatch(/including any the theme had before install/);
      applyChanges(plan);
      // The documented exception to byte-identity: nothing records which settings were there before.
      expect(read(dir, 'config.json')).toBe('{"settings":{"a":1}}');
    });

    it('puts a changed schema group back to this version in place', () => {
      const dir = copy(source);
      install(dir);
      const installed = read(dir, 'schema.json');
      writeFileSync(
        join(dir, 'schema.json'),
        installed.replace('"i18n.CurrentCustomerDebug"', '"i18n.CurrentCustomerDebugOld"'),
      );
      const plan = planInstall(dir);
      expect(plan.changes.map((c) => c.path)).toEqual(['schema.json']);
      applyChanges(plan);
      expect(read(dir, 'schema.json')).toBe(installed);
    });
  });
}

/** A minimal theme with the given JSON texts and base layout. */
function miniTheme(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(join(dir, 'templates/layout'), { recursive: true });
  return dir;
}

const BASE = '<html>\n  <body>\n    {{{body}}}\n  </body>\n</html>\n';

/**
 * A copy of this package whose partials changed as a later version may change them: a guest branch with an
 * inline script in script.html, a preconnect link in config.html. The installer copies partials as bytes, so
 * nothing in it may depend on what they say.
 */
function packageWithChangedPartials(nonce = true): string {
  const root = tempDir();
  for (const path of [PARTIAL_DIR, 'assets/current-customer']) {
    cpSync(join(packageRoot(), path), join(root, path), { recursive: true });
  }
  const edit = (name: string, change: (text: string) => string): void => {
    const file = join(root, PARTIAL_DIR, name);
    writeFileSync(file, change(readFileSync(file, 'utf8')));
  };
  const attribute = nonce ? ' nonce="{{nonce}}"' : '';
  edit('script.html', (text) => {
    const end = text.lastIndexOf('{{~/if~}}');
    return `${text.slice(0, end)}{{~else~}}\n<script${attribute}>new BroadcastChannel('x').postMessage({type:'guest'})</script>\n${text.slice(end)}`;
  });
  edit('config.html', (text) => {
    const end = text.indexOf('--}}') + 4;
    return `${text.slice(0, end)}\n<link rel="preconnect" href="https://app.example.test" crossorigin>${text.slice(end)}`;
  });
  return root;
}

/** A copy of `source` with every line ending of its templates and JSON files turned into CRLF. */
function withCrlf(source: string): string {
  const dir = copy(source);
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(html|json)$/.test(entry.name)) {
        const text = readFileSync(path, 'utf8').replace(/\r?\n/g, '\r\n');
        writeFileSync(path, text);
      }
    }
  };
  walk(dir);
  return dir;
}

describe('partials whose content changes between versions', () => {
  const cornerstone = CORNERSTONE;
  const themes: [string, (() => string) | undefined][] = [
    ['the theme fixture', () => copy()],
    ['the real Cornerstone 6.21.0', cornerstone ? () => copy(cornerstone) : undefined],
    [
      'the real Cornerstone 6.21.0 with CRLF line endings',
      cornerstone ? () => withCrlf(cornerstone) : undefined,
    ],
  ];
  for (const [name, make] of themes) {
    it.skipIf(make === undefined && skipCornerstone())(
      `doctor, re-install and uninstall handle them in ${name}, byte-exact`,
      () => {
        if (!make) throw new Error('no theme');
        const dir = make();
        const before = snapshot(dir);
        const changed = packageWithChangedPartials();
        install(dir, { clientId: 'abc' });
        expect(
          diagnose(dir, { packageRoot: changed }).problems.map((p) => [p.code, p.file]),
        ).toEqual([
          ['partial_outdated', `${PARTIAL_DIR}/config.html`],
          ['partial_outdated', `${PARTIAL_DIR}/script.html`],
        ]);
        const update = planInstall(dir, { packageRoot: changed });
        expect(update.changes.map((c) => [c.action, c.path])).toEqual([
          ['update', `${PARTIAL_DIR}/config.html`],
          ['update', `${PARTIAL_DIR}/script.html`],
        ]);
        applyChanges(update);
        expect(diagnose(dir, { packageRoot: changed }).problems).toEqual([]);
        // The old package's doctor sees the new partials as outdated, nothing else.
        expect(new Set(diagnose(dir).problems.map((p) => p.code))).toEqual(
          new Set(['partial_outdated']),
        );
        // An inline script without the nonce is reported.
        const unsafe = packageWithChangedPartials(false);
        install(dir, { packageRoot: unsafe });
        expect(diagnose(dir, { packageRoot: unsafe }).problems.map((p) => p.code)).toEqual([
          'script_nonce_missing',
        ]);
        uninstall(dir, { packageRoot: changed });
        expect(differences(before, snapshot(dir))).toEqual([]);
      },
    );
  }
});

describe('the theme fixture', () => {
  it('has the bytes it exists to test (a checkout that converted line endings would hide them)', () => {
    const bytes = (path: string): Buffer => readFileSync(join(FIXTURE_THEME, path));
    const translations = bytes('schemaTranslations.json');
    expect([...translations.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(translations.toString().split('\r\n').length).toBeGreaterThan(10);
    expect(translations.toString().replaceAll('\r\n', '')).not.toContain('\n');
    expect(bytes('templates/layout/empty.html').toString()).toMatch(
      /^<!DOCTYPE html>\r\n[^\n]*\r\n/,
    );
    expect(bytes('config.json').toString()).toContain('": quoted');
    const config = readJson(FIXTURE_THEME, 'config.json') as { variations: unknown[] };
    expect(config.variations).toHaveLength(3);
  });
});

describe('formatting of other themes', () => {
  it.each([
    ['4-space indentation', (v: unknown) => `${JSON.stringify(v, null, 4)}\n`],
    ['tabs', (v: unknown) => `${JSON.stringify(v, null, '\t')}\n`],
    ['no trailing newline', (v: unknown) => JSON.stringify(v, null, 2)],
    [
      'CRLF line endings',
      (v: unknown) => `${JSON.stringify(v, null, 2).replace(/\n/g, '\r\n')}\r\n`,
    ],
    ['one line', (v: unknown) => JSON.stringify(v)],
    ['a byte order mark', (v: unknown) => `\ufeff${JSON.stringify(v, null, 2)}\n`],
  ])('keeps %s, installs valid JSON and uninstalls to the same bytes', (_name, format) => {
    const dir = miniTheme({
      'config.json': format({
        name: 'T',
        settings: {},
        variations: [{ id: 'a', settings: { x: 1 } }, { id: 'b' }],
      }),
      'schema.json': format([{ name: 'G', settings: [] }]),
      'schemaTranslations.json': format({ 'i18n.X': { default: 'X' } }),
      'templates/layout/base.html': BASE,
    });
    const before = snapshot(dir);
    install(dir);
    for (const file of ['config.json', 'schema.json', 'schemaTranslations.json']) {
      // The installed file is exactly what the file's own formatter would write for the merged data.
      expect(read(dir, file)).toBe(format(readJson(dir, file)));
    }
    const config = readJson(dir, 'config.json') as {
      settings: object;
      variations: { settings?: object }[];
    };
    expect(Object.keys(config.settings)).toEqual(SETTING_KEYS);
    expect(config.variations[0]?.settings).toEqual({ x: 1 });
    expect(config.variations[1]?.settings).toBeUndefined();
    const installed = snapshot(dir);
    install(dir);
    expect(differences(installed, snapshot(dir))).toEqual([]);
    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('writes the settings once, in the top-level settings: variations inherit them', () => {
    const dir = miniTheme({
      'config.json': JSON.stringify(
        { settings: { a: 1 }, variations: [{ id: 'x', settings: {} }, { id: 'y' }] },
        null,
        2,
      ),
      'templates/layout/base.html': BASE,
    });
    install(dir);
    const config = readJson(dir, 'config.json') as {
      settings: Record<string, unknown>;
      variations: Record<string, unknown>[];
    };
    expect(Object.keys(config.settings)).toEqual(['a', ...SETTING_KEYS]);
    expect(config.variations).toEqual([{ id: 'x', settings: {} }, { id: 'y' }]);
  });

  it('uses plain-text labels in a theme without schemaTranslations.json, and creates no such file', () => {
    const dir = miniTheme({
      'config.json': '{"settings":{}}',
      'schema.json': '[]',
      'templates/layout/base.html': BASE,
    });
    const before = snapshot(dir);
    install(dir);
    expect(existsSync(join(dir, 'schemaTranslations.json'))).toBe(false);
    const schema = readJson(dir, 'schema.json') as unknown[];
    expect(schema).toEqual([schemaGroup(false)]);
    expect(JSON.stringify(schema)).not.toContain('i18n.');
    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('includes the partial inline when </body> does not start its line, and patches CRLF layouts', () => {
    const dir = miniTheme({
      'config.json': '{"settings":{}}',
      'templates/layout/base.html': '<html><body><p>x</p></BODY></html>',
      'templates/layout/crlf.html': '<html>\r\n<body>\r\n</body>\r\n</html>\r\n',
    });
    const before = snapshot(dir);
    install(dir, { layouts: ['crlf'] });
    expect(read(dir, 'templates/layout/base.html')).toBe(
      '<html><body><p>x</p>{{> components/current-customer/script}}</BODY></html>',
    );
    expect(read(dir, 'templates/layout/crlf.html')).toBe(
      '<html>\r\n<body>\r\n{{> components/current-customer/script}}\r\n</body>\r\n</html>\r\n',
    );
    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });
});

describe('settings in variations', () => {
  /** config.json as an older install left it: the settings in `settings` and in every variation. */
  const OLDER = `{
  "settings": {
    "a": 1,
    "current_customer_enabled": true,
    "current_customer_app_client_id": "old-id",
    "current_customer_endpoint": "",
    "current_customer_credentials": "omit",
    "current_customer_body": "text",
    "current_customer_auto_refresh": true,
    "current_customer_debug": false
  },
  "variations": [
    {
      "id": "light",
      "settings": {
        "current_customer_enabled": true,
        "current_customer_app_client_id": "old-id",
        "current_customer_endpoint": "",
        "current_customer_credentials": "omit",
        "current_customer_body": "text",
        "current_customer_auto_refresh": true,
        "current_customer_debug": false,
        "b": 2
      }
    },
    {
      "id": "bold",
      "settings": {
        "x": 0,
        "current_customer_app_client_id": "typo-id",
        "current_customer_debug": true
      }
    },
    {
      "id": "warm",
      "settings": {}
    }
  ]
}
`;

  it('--force replaces the values of --client-id and --endpoint everywhere they live, and nothing else', () => {
    const dir = miniTheme({ 'config.json': OLDER, 'templates/layout/base.html': BASE });
    const plan = planInstall(dir, {
      clientId: 'new-id',
      endpoint: 'https://app.example.test/x',
      force: true,
    });
    const config = plan.changes.find((c) => c.path === 'config.json');
    expect(config?.after?.toString()).toBe(
      OLDER.replaceAll('"old-id"', '"new-id"')
        .replaceAll('"typo-id"', '"new-id"')
        .replaceAll(
          '"current_customer_endpoint": ""',
          '"current_customer_endpoint": "https://app.example.test/x"',
        ),
    );
    expect(config?.details).toEqual([
      'replace current_customer_app_client_id "old-id" with "new-id" in settings, variations[0] (light) settings',
      'replace current_customer_app_client_id "typo-id" with "new-id" in variations[1] (bold) settings',
      'set current_customer_endpoint to "https://app.example.test/x" in settings, variations[0] (light) settings (it was "")',
    ]);
    expect(plan.notes).toEqual([]);
  });

  it('adds a setting an older install lacks to the top-level settings only, and nothing else', () => {
    const before = OLDER.replace('\n    "current_customer_body": "text",', '');
    expect(before).not.toBe(OLDER);
    const dir = miniTheme({ 'config.json': before, 'templates/layout/base.html': BASE });
    const plan = planInstall(dir, {});
    const config = plan.changes.find((c) => c.path === 'config.json');
    expect(config?.details).toEqual(['add current_customer_body to settings']);
    const after = JSON.parse(config?.after?.toString() ?? '');
    expect(after.settings.current_customer_body).toBe('text');
    expect(after.variations).toEqual(JSON.parse(before).variations);
  });

  it('without --force keeps the values set, names where, and adds nothing to variations', () => {
    const dir = miniTheme({ 'config.json': OLDER, 'templates/layout/base.html': BASE });
    const plan = planInstall(dir, { clientId: 'new-id' });
    expect(plan.changes.map((c) => c.path)).not.toContain('config.json');
    expect(plan.notes).toEqual([
      expect.stringMatching(
        /^current_customer_app_client_id is already "old-id" in config\.json settings, variations\[0\] \(light\) settings: kept/,
      ),
      expect.stringMatching(
        /^current_customer_app_client_id is already "typo-id" in config\.json variations\[1\] \(bold\) settings: kept .*--force/,
      ),
    ]);
    // doctor: the bold variation gives the app another client id (a problem); its debug is a note.
    const report = diagnose(dir);
    expect(report.problems.filter((p) => p.code === 'setting_differs_in_variation')).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          'variations[1] (bold) settings sets current_customer_app_client_id to "typo-id", overriding "old-id"',
        ),
      }),
    ]);
    expect(report.notes.join('\n')).toContain(
      'variations[1] (bold) settings sets current_customer_debug to true, overriding false',
    );
  });

  it('uninstall removes them from every variation, each run of neighbours as one edit', () => {
    const dir = miniTheme({ 'config.json': OLDER, 'templates/layout/base.html': BASE });
    const plan = planUninstall(dir);
    const config = plan.changes.find((c) => c.path === 'config.json');
    expect(JSON.parse(config?.after?.toString() ?? '')).toEqual({
      settings: { a: 1 },
      variations: [
        { id: 'light', settings: { b: 2 } },
        { id: 'bold', settings: { x: 0 } },
        { id: 'warm', settings: {} },
      ],
    });
    expect(config?.after?.toString()).toBe(`{
  "settings": {
    "a": 1
  },
  "variations": [
    {
      "id": "light",
      "settings": {
        "b": 2
      }
    },
    {
      "id": "bold",
      "settings": {
        "x": 0
      }
    },
    {
      "id": "warm",
      "settings": {}
    }
  ]
}
`);
  });
});

describe('comments in layouts', () => {
  const INCLUDE = '{{> components/current-customer/script}}';

  it.each([
    ['an HTML comment', '<!-- old: </body> -->'],
    ['a Handlebars comment', '{{!-- old: </body> --}}'],
    ['a short Handlebars comment', '{{! old: </body> }}'],
  ])('ignores a </body> in %s after the real one', (_name, comment) => {
    const layout = `<html>\n<body>\n</body>\n${comment}\n</html>\n`;
    const dir = miniTheme({
      'config.json': '{"settings":{}}',
      'templates/layout/base.html': layout,
    });
    const before = snapshot(dir);
    install(dir);
    expect(read(dir, 'templates/layout/base.html')).toBe(
      `<html>\n<body>\n${INCLUDE}\n</body>\n${comment}\n</html>\n`,
    );
    expect(diagnose(dir).problems).toEqual([]);
    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it.each([
    ['a Handlebars comment', `{{!-- disabled: ${INCLUDE} --}}`],
    ['a short Handlebars comment', '{{! disabled: {{> components/current-customer/script }}'],
    ['an HTML comment', `<!-- disabled: ${INCLUDE} -->`],
  ])('does not count an include in %s as included', (_name, comment) => {
    const layout = `<html>\n<body>\n${comment}\n</body>\n</html>\n`;
    const dir = miniTheme({
      'config.json': '{"settings":{}}',
      'templates/layout/base.html': layout,
    });
    const before = snapshot(dir);
    expect(diagnose(dir).problems.map((p) => p.code)).toContain('partial_not_included');
    install(dir);
    expect(read(dir, 'templates/layout/base.html')).toBe(
      `<html>\n<body>\n${comment}\n${INCLUDE}\n</body>\n</html>\n`,
    );
    expect(diagnose(dir).problems).toEqual([]);
    expect(planInstall(dir).changes).toEqual([]);
    if (comment.startsWith('<!--')) {
      // Handlebars still renders a partial inside an HTML comment: uninstall must not delete it.
      expectThemeError(() => uninstall(dir), 'partial_in_use', 'base.html');
    } else {
      uninstall(dir);
      expect(differences(before, snapshot(dir))).toEqual([]);
    }
  });

  // The include alone on a line inside a comment that spans lines: only the line-by-line check in removeInclude
  // (is this line inside a comment?) keeps uninstall from deleting it.
  const MULTI_LINE: [string, (nl: string) => string][] = [
    [
      'a Handlebars comment',
      (nl) =>
        `{{!--${nl}  Off while we test:${nl}${INCLUDE}${nl}    ${INCLUDE}${nl}  (ask first)${nl}--}}`,
    ],
    ['a Handlebars comment with ~', (nl) => `{{~!--${nl}${INCLUDE}${nl}${nl}${INCLUDE}${nl}--~}}`],
    // Closed by the include's own `}}`: the whole line is still inside the comment.
    ['a short Handlebars comment', (nl) => `{{! Off while we test:${nl}${INCLUDE}`],
    [
      'an HTML comment',
      (nl) =>
        `<!--${nl}  Off while we test:${nl}${INCLUDE}${nl}    ${INCLUDE}${nl}  (ask first)${nl}-->`,
    ],
  ];

  describe.each(MULTI_LINE)('an include inside %s across several lines', (name, comment) => {
    it.each([
      ['LF', '\n'],
      ['CRLF', '\r\n'],
    ])('is left alone by doctor, install and uninstall (%s)', (_eol, nl) => {
      const layout = `<html>${nl}<body>${nl}${comment(nl)}${nl}</body>${nl}</html>${nl}`;
      const dir = miniTheme({
        'config.json': '{"settings":{}}',
        'templates/layout/base.html': layout,
      });
      const before = snapshot(dir);
      expect(diagnose(dir).problems.map((p) => p.code)).toContain('partial_not_included');
      install(dir);
      expect(read(dir, 'templates/layout/base.html')).toBe(
        `<html>${nl}<body>${nl}${comment(nl)}${nl}${INCLUDE}${nl}</body>${nl}</html>${nl}`,
      );
      expect(diagnose(dir).problems).toEqual([]);
      expect(planInstall(dir).changes).toEqual([]);
      if (name.startsWith('an HTML')) {
        // Handlebars still renders a partial inside an HTML comment: uninstall must not delete it.
        const installed = snapshot(dir);
        expectThemeError(() => uninstall(dir), 'partial_in_use', 'base.html');
        expect(differences(installed, snapshot(dir))).toEqual([]);
      } else {
        uninstall(dir);
        expect(differences(before, snapshot(dir))).toEqual([]);
      }
    });
  });

  it('uninstall leaves a multi-line Handlebars comment holding the include in any template as it was', () => {
    const dir = copy();
    install(dir);
    const page = `{{!--\n${INCLUDE}\n--}}\n${read(dir, 'templates/pages/home.html')}`;
    writeFileSync(join(dir, 'templates/pages/home.html'), page);
    uninstall(dir);
    expect(read(dir, 'templates/pages/home.html')).toBe(page);
  });

  it('uninstall leaves a Handlebars comment that holds the include as it was', () => {
    const dir = copy();
    const before = snapshot(dir);
    install(dir);
    const path = join(dir, 'templates/pages/home.html');
    const page = `{{!-- ${INCLUDE} --}}\n${read(dir, 'templates/pages/home.html')}`;
    writeFileSync(path, page);
    uninstall(dir);
    expect(read(dir, 'templates/pages/home.html')).toBe(page);
    expect(differences(before, snapshot(dir))).toEqual(['templates/pages/home.html']);
  });

  it('refuses a layout with two </body> outside comments, naming it, and writes nothing', () => {
    const dir = miniTheme({
      'config.json': '{"settings":{}}',
      'templates/layout/base.html': '<html>\n<body>\n</body>\n<!-- x -->\n</body>\n</html>\n',
    });
    const before = snapshot(dir);
    const error = expectThemeError(
      () => install(dir),
      'layout_many_body_ends',
      join(dir, 'templates/layout/base.html'),
    );
    expect(error.message).toMatch(/2 <\/body>/);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });
});

describe('bytes kept as they are', () => {
  it('keeps a number of any length JSON allows, byte for byte', () => {
    const dir = copy();
    const number = `-1${'2'.repeat(1_000)}.5e-${'3'.repeat(500)}`;
    const config = read(dir, 'config.json').replace(
      '"settings": {',
      `"settings": {\r\n    "big": ${number},`,
    );
    writeFileSync(join(dir, 'config.json'), config);
    const before = snapshot(dir);
    install(dir, { clientId: 'abc' });
    expect(read(dir, 'config.json')).toContain(`"big": ${number},`);
    expect(diagnose(dir).problems).toEqual([]);
    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('keeps templates byte for byte when they are not valid UTF-8, the layout it patches included', () => {
    const dir = copy();
    const latin1 = Buffer.from('<p>Caf\xe9 \xff\xfe</p>\n', 'latin1');
    const layout = join(dir, 'templates/layout/base.html');
    const page = join(dir, 'templates/pages/home.html');
    writeFileSync(layout, Buffer.concat([latin1, readFileSync(layout)]));
    writeFileSync(page, Buffer.concat([readFileSync(page), latin1]));
    const before = snapshot(dir);
    install(dir);
    const installed = readFileSync(layout);
    expect(installed.subarray(0, latin1.length)).toEqual(latin1);
    expect(installed.toString('latin1')).toContain(`${INCLUDE_TEXT}\n`);
    expect(diagnose(dir).problems).toEqual([]);
    uninstall(dir);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });
});

const INCLUDE_TEXT = '{{> components/current-customer/script}}';

describe('bad input changes nothing', () => {
  it('refuses a folder that does not exist', () => {
    const missing = join(tempDir(), 'nope');
    expectThemeError(() => planInstall(missing), 'theme_not_found', missing);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a folder that is not a Stencil theme', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'README.md'), 'hi');
    expectThemeError(() => install(dir), 'not_a_theme', 'config.json');
    writeFileSync(join(dir, 'config.json'), '{"settings":{}}');
    expectThemeError(() => install(dir), 'not_a_theme', 'templates');
    expect(
      differences(
        new Map([
          ['README.md', Buffer.from('hi')],
          ['config.json', Buffer.from('{"settings":{}}')],
        ]),
        snapshot(dir),
      ),
    ).toEqual([]);
  });

  it.each(['config.json', 'schema.json', 'schemaTranslations.json'])(
    'refuses an unparseable %s, naming it',
    (file) => {
      const dir = copy();
      writeFileSync(join(dir, file), `${read(dir, file)},`);
      const before = snapshot(dir);
      expectThemeError(() => install(dir), 'json_invalid', join(dir, file));
      expect(differences(before, snapshot(dir))).toEqual([]);
    },
  );

  it('refuses config.json without a settings object', () => {
    const dir = miniTheme({ 'config.json': '{"name":"x"}', 'templates/layout/base.html': BASE });
    expectThemeError(() => install(dir), 'json_unexpected', 'config.json');
  });

  it.each([
    ['settings', '{"settings":{"a":1},"settings":{"b":2}}'],
    ['variations', '{"settings":{},"variations":[],"variations":[{"id":"v","settings":{}}]}'],
    ['settings', '{"settings":{},"variations":[{"id":"v","settings":{"a":1},"settings":{"b":2}}]}'],
    [
      'current_customer_app_client_id',
      '{"settings":{"current_customer_app_client_id":"","current_customer_app_client_id":"x"}}',
    ],
  ])('refuses a duplicate "%s" key in config.json, naming the file and the key', (key, config) => {
    const dir = miniTheme({ 'config.json': config, 'templates/layout/base.html': BASE });
    const before = snapshot(dir);
    const error = expectThemeError(() => install(dir), 'json_unexpected', join(dir, 'config.json'));
    expect(error.message).toContain(`"${key}"`);
    expect(differences(before, snapshot(dir))).toEqual([]);
    expectThemeError(() => diagnose(dir), 'json_unexpected', join(dir, 'config.json'));
  });

  it('refuses a duplicate key in schemaTranslations.json where it reads, and accepts one elsewhere', () => {
    const dir = copy();
    const path = join(dir, 'schemaTranslations.json');
    // Repeated inside an entry nobody reads: harmless, installed as usual.
    const entry = read(dir, 'schemaTranslations.json').replace(
      /"default": /,
      '"default": "old",\n    "default": ',
    );
    writeFileSync(path, entry);
    install(dir);
    uninstall(dir);
    expect(read(dir, 'schemaTranslations.json')).toBe(entry);
    // One of the package's own keys twice: refused.
    writeFileSync(
      path,
      entry.replace(
        /^(\ufeff?)\{/,
        '$1{\n  "i18n.CurrentCustomer": {"default": "A"},\n  "i18n.CurrentCustomer": {"default": "B"},',
      ),
    );
    const before = snapshot(dir);
    const error = expectThemeError(() => install(dir), 'json_unexpected', path);
    expect(error.message).toContain('"i18n.CurrentCustomer"');
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('refuses a base layout without </body>, naming it', () => {
    const dir = copy();
    const path = join(dir, 'templates/layout/base.html');
    writeFileSync(path, read(dir, 'templates/layout/base.html').replaceAll('</body>', ''));
    const before = snapshot(dir);
    expectThemeError(() => install(dir), 'layout_no_body_end', path);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('refuses a --layout that does not exist', () => {
    const dir = copy();
    const before = snapshot(dir);
    expectThemeError(
      () => install(dir, { layouts: ['nope.html'] }),
      'layout_not_found',
      'nope.html',
    );
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('refuses bad --client-id and --endpoint values', () => {
    const dir = copy();
    expectThemeError(() => planInstall(dir, { clientId: 'has space' }), 'invalid_option');
    expectThemeError(() => planInstall(dir, { endpoint: 'not a url' }), 'invalid_option');
    expectThemeError(
      () => planInstall(dir, { endpoint: 'http://app.example.test/' }),
      'invalid_option',
    );
    expect(
      planInstall(dir, { endpoint: 'http://localhost:3000/x' }).changes.length,
    ).toBeGreaterThan(0);
  });

  it.each(['my.app', 'a b'])(
    "refuses --client-id %j with the browser module's rule, and writes nothing",
    (clientId) => {
      const dir = copy();
      const before = snapshot(dir);
      const error = expectThemeError(() => install(dir, { clientId }), 'invalid_option');
      expect(error.message).toContain(JSON.stringify(clientId));
      expect(differences(before, snapshot(dir))).toEqual([]);
    },
  );

  it('accepts an http: endpoint on [::1], as the browser module does', () => {
    const dir = copy();
    install(dir, { endpoint: 'http://[::1]:8787/x' });
    const config = readJson(dir, 'config.json') as { settings: Record<string, unknown> };
    expect(config.settings.current_customer_endpoint).toBe('http://[::1]:8787/x');
  });

  it('uninstall refuses while a template still uses the partial beyond the include it added', () => {
    const dir = copy();
    install(dir);
    const page = join(dir, 'templates/pages/home.html');
    writeFileSync(
      page,
      `${read(dir, 'templates/pages/home.html')}{{> components/current-customer/script appClientId="two"}}`,
    );
    const before = snapshot(dir);
    expectThemeError(() => uninstall(dir), 'partial_in_use', page);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });

  it('puts back what it wrote when a write fails midway', () => {
    const dir = copy();
    const before = snapshot(dir);
    const plan = planInstall(dir);
    let writes = 0;
    const failing: FileSystemOps = {
      writeFile: (path, data) => {
        writes++;
        if (path.includes('schemaTranslations.json')) throw new Error('disk full');
        writeFileSync(path, data);
      },
      rename: (from, to) => {
        rmSync(to, { force: true });
        writeFileSync(to, readFileSync(from));
        rmSync(from);
      },
      unlink: (path) => rmSync(path),
    };
    const error = expectThemeError(
      () => applyChanges(plan, failing),
      'write_failed',
      'schemaTranslations.json',
    );
    expect(error.message).toContain('disk full');
    expect(writes).toBeGreaterThan(3);
    expect(differences(before, snapshot(dir))).toEqual([]);
  });
});
