import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/dev/emulator.js';
import { loadDemoTheme, loadTheme, SCRIPT_PARTIAL } from '../../src/dev/theme.js';
import { install } from '../../src/theme/installer.js';
import { CORNERSTONE, skipCornerstone } from '../theme/helpers/cornerstone.js';

// The real Cornerstone 6.21.0: its tests are skipped without it (see test/theme/helpers/cornerstone.ts).
const fixture = CORNERSTONE ?? '';
const noCornerstone = skipCornerstone();
let theme = '';

beforeAll(() => {
  if (noCornerstone) return;
  expect(existsSync(join(fixture, 'config.json')), `the Cornerstone fixture at ${fixture}`).toBe(
    true,
  );
  theme = mkdtempSync(join(tmpdir(), 'cornerstone-dev-'));
  cpSync(fixture, theme, { recursive: true });
});
afterAll(() => {
  if (theme) rmSync(theme, { recursive: true, force: true });
});

describe('theme loading', () => {
  it('reads Cornerstone like Stencil: keys, front matter stripped, settings, language', (test) => {
    if (noCornerstone) return test.skip();
    const loaded = loadTheme(theme);
    expect(loaded.name).toBe('Cornerstone');
    expect(loaded.engine).toBe('v4');
    expect(Object.keys(loaded.templates)).toContain('layout/base');
    expect(Object.keys(loaded.templates)).toContain('components/common/header');
    expect(loaded.templates['pages/home']?.startsWith('---')).toBe(false);
    expect(loaded.templates['pages/home']).toContain('{{#partial "page"}}');
    expect(loaded.settings.homepage_featured_products_count).toBeTypeOf('number');
    expect(loaded.translations['header.skip_to_main']).toBeTypeOf('string');
    // Not installed yet: the developer is told what to run.
    expect(loaded.warnings.join('\n')).toMatch(/run 'npx stencil-current-customer install/);
  });

  it("gives the demo theme the package's own partials", () => {
    const demo = loadDemoTheme();
    expect(demo.templates[SCRIPT_PARTIAL]).toContain('components/current-customer/config');
    expect(demo.templates['components/current-customer/config']).toBeDefined();
    expect(demo.warnings).toEqual([]);
  });

  it('renders an installed Cornerstone: the partial for a customer, with the CSP nonce', async (test) => {
    if (noCornerstone) return test.skip();
    install(theme);
    const emulator = await startEmulator({ theme });
    try {
      const guest = await fetch(emulator.storefrontUrl);
      const guestHtml = await guest.text();
      expect(guest.status).toBe(200);
      expect(guestHtml).toContain('class="navUser"');
      expect(guestHtml).not.toContain('data-current-customer');

      const login = await fetch(new URL('/login', emulator.storefrontUrl), {
        method: 'POST',
        redirect: 'manual',
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const page = await fetch(emulator.storefrontUrl, { headers: { cookie } });
      const nonce = /'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
      const html = await page.text();
      expect(html).toContain('data-current-customer');
      expect(html).toContain(
        `<script src="/assets/current-customer/current-customer.min.js" async nonce="${nonce}"></script>`,
      );
      // Cornerstone's own inline scripts carry the same nonce.
      expect(html).toContain(`<script nonce="${nonce}">`);
      const dropIn = await fetch(
        new URL('/assets/current-customer/current-customer.min.js', emulator.storefrontUrl),
      );
      expect(dropIn.status).toBe(200);
      expect(dropIn.headers.get('content-type')).toMatch(/javascript/);
      expect(
        (await fetch(new URL('/assets/dist/theme-bundle.main.js', emulator.storefrontUrl))).status,
      ).toBe(404);
    } finally {
      await emulator.close();
    }
  });
});
