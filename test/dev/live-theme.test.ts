// `--theme` follows its files: template, config.json and lang/ edits show on the next page load, without a
// restart; and its assets come from the theme only (a missing drop-in file is a 404, as on a store).
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { fileSignature } from '../../src/dev/live-theme.js';
import type { Theme } from '../../src/dev/theme.js';
import { DROP_IN_FILE } from '../../src/paths.js';
import { logIn, type TempTheme, tempTheme } from './helpers.js';

let theme: TempTheme | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  theme?.remove();
  emulator = undefined;
  theme = undefined;
});

const page = async (path = '/', cookie?: string): Promise<[number, string]> => {
  const response = await fetch(new URL(path, emulator?.storefrontUrl), {
    headers: cookie ? { cookie } : {},
  });
  return [response.status, await response.text()];
};

describe('theme edits show on the next page load', () => {
  it('a template, config.json and lang/en.json', async () => {
    theme = tempTheme(true);
    const reloads: Theme[] = [];
    emulator = await startEmulator({ theme: theme.dir, onThemeReload: (t) => reloads.push(t) });
    const home = join(theme.dir, 'templates/pages/home.html');
    expect((await page())[1]).not.toContain('edited-marker');

    writeFileSync(
      home,
      readFileSync(home, 'utf8').replace('<h1>', '<h1><span>edited-marker</span> '),
    );
    expect((await page())[1]).toContain('<span>edited-marker</span>');
    expect(reloads).toHaveLength(1);
    // Nothing changed since: no reload.
    await page();
    expect(reloads).toHaveLength(1);

    const lang = join(theme.dir, 'lang/en.json');
    writeFileSync(lang, readFileSync(lang, 'utf8').replace('"Log in"', '"Sign in, edited"'));
    expect((await page())[1]).toContain('Sign in, edited');

    const config = join(theme.dir, 'config.json');
    writeFileSync(config, readFileSync(config, 'utf8').replace('Current Customer demo', 'Renamed'));
    await page();
    expect(emulator.theme.name).toBe('Renamed');

    // A new page template, too.
    writeFileSync(join(theme.dir, 'templates/pages/new.html'), '<p>brand new page</p>');
    const [status, html] = await page('/new');
    expect(status).toBe(200);
    expect(html.startsWith('<p>brand new page</p>')).toBe(true);
  });

  it('a template that no longer compiles shows the error, and the fix shows next', async () => {
    theme = tempTheme(true);
    emulator = await startEmulator({ theme: theme.dir });
    const about = join(theme.dir, 'templates/pages/about.html');
    const good = readFileSync(about, 'utf8');
    writeFileSync(about, `${good}{{#if}}`);
    const [status, text] = await page('/about');
    expect(status).toBe(500);
    expect(text).toMatch(/^emulator error: cannot compile templates\/pages\/about\.html/);
    writeFileSync(about, good.replace('About this demo', 'About, fixed'));
    expect((await page('/about'))[1]).toContain('About, fixed');
  });

  it('the signature changes with any file, and not without one', () => {
    theme = tempTheme(false);
    const paths = [join(theme.dir, 'templates'), join(theme.dir, 'config.json')];
    const before = fileSignature(paths);
    expect(fileSignature(paths)).toBe(before);
    appendFileSync(join(theme.dir, 'templates/pages/about.html'), ' ');
    expect(fileSignature(paths)).not.toBe(before);
  });
});

describe('theme assets come from the theme only', () => {
  it('a theme without the drop-in file: 404 for it, and a warning in the panel and the console', async () => {
    theme = tempTheme(false);
    emulator = await startEmulator({ theme: theme.dir });
    const dropIn = new URL(`/${DROP_IN_FILE}`, emulator.storefrontUrl);
    expect((await fetch(dropIn)).status).toBe(404);
    const warning = emulator.theme.warnings.join('\n');
    expect(warning).toContain(`has no ${DROP_IN_FILE}`);
    expect(warning).toContain(`run 'npx stencil-current-customer install ${theme.dir}'`);
    const cookie = await logIn(emulator.storefrontUrl);
    const [, html] = await page('/', cookie);
    expect(html).toMatch(/<p data-panel-warning>[^<]*stencil-current-customer install/);
    // The page still asks for it, as it would on the store.
    expect(html).toContain('src="/assets/current-customer/current-customer.min.js"');
  });

  it('once the file is there, it is served (and the warning goes), without a restart', async () => {
    theme = tempTheme(true);
    rmSync(join(theme.dir, DROP_IN_FILE));
    emulator = await startEmulator({ theme: theme.dir });
    expect(emulator.theme.warnings).toHaveLength(1);
    const fresh = tempTheme(true);
    try {
      writeFileSync(join(theme.dir, DROP_IN_FILE), readFileSync(join(fresh.dir, DROP_IN_FILE)));
    } finally {
      fresh.remove();
    }
    await page();
    expect(emulator.theme.warnings).toEqual([]);
    const response = await fetch(new URL(`/${DROP_IN_FILE}`, emulator.storefrontUrl));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
  });

  it('the built-in demo theme serves the package build', async () => {
    emulator = await startEmulator();
    expect(emulator.theme.warnings).toEqual([]);
    expect((await fetch(new URL(`/${DROP_IN_FILE}`, emulator.storefrontUrl))).status).toBe(200);
  });
});
