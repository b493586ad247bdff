// The partials rendered by BigCommerce's real renderer: in the Cornerstone base layout patched by the
// installer, and on their own for the parameters and the escaping.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThemeRenderer, type ThemeRenderer } from '../../src/dev/renderer.js';
import { loadTheme, readTemplates } from '../../src/dev/theme.js';
import { install } from '../../src/theme/installer.js';
import { CORNERSTONE, cleanUp, copyTheme } from './helpers/fixture.js';
import { parseHtml } from './helpers/html.js';
import { memoryTheme, renderPage } from './helpers/render.js';

const PACKAGE_TEMPLATES = fileURLToPath(new URL('../../templates', import.meta.url));
const NONCE = 'rAnd0mN0nce==';
const CDN = 'https://cdn11.bigcommerce.test/s-abc123';
const DROP_IN_URL = `${CDN}/stencil/v42/current-customer/current-customer.min.js`;
const SITE = { cdn_url: CDN, theme_version_id: 'v42' };

interface Parsed {
  configs: unknown[];
  configElements: Element[];
  dropIns: HTMLScriptElement[];
  scripts: number;
}

/** Parses rendered HTML with a real HTML parser and picks out what the partial renders. */
function parse(html: string): Parsed {
  const document = parseHtml(html);
  const configElements = [
    ...document.querySelectorAll('script[type="application/json"][data-current-customer]'),
  ];
  return {
    configElements,
    configs: configElements.map((el) => JSON.parse(el.textContent ?? '')),
    dropIns: [...document.querySelectorAll<HTMLScriptElement>('script[src]')].filter((el) =>
      el.src.includes('current-customer.min.js'),
    ),
    scripts: document.querySelectorAll('script').length,
  };
}

const CUSTOMER = {
  id: 4927,
  name: 'John Doe',
  email: 'john.doe@example.com',
  customer_group_id: 6,
};

describe('the patched Cornerstone base layout', () => {
  let patched: ThemeRenderer;
  let original: ThemeRenderer;
  let settings: Record<string, unknown>;

  beforeAll(async () => {
    const dir = copyTheme();
    install(dir, { clientId: 'app-client-id', endpoint: 'https://app.example.test/identify' });
    const theme = loadTheme(dir);
    settings = theme.settings;
    patched = await createThemeRenderer(theme);
    original = await createThemeRenderer(loadTheme(CORNERSTONE));
  });
  afterAll(cleanUp);

  const render = (
    context: Record<string, unknown>,
    themeSettings: Record<string, unknown> = {},
    use = patched,
  ): Promise<string> =>
    renderPage(use, {
      page: 'layout/base',
      nonce: NONCE,
      siteSettings: SITE,
      context: {
        page_type: 'default',
        head: { title: 'Store', meta_tags: '', config: '', favicon: '/favicon.ico', scripts: '' },
        footer: { scripts: '' },
        settings: { secure_base_url: 'https://store.example.test', store_name: 'Store' },
        urls: { home: '/', cart: '/cart.php', account: { index: '/account.php' } },
        cart_id: null,
        ...context,
        theme_settings: { ...settings, ...themeSettings },
      },
    });

  it('renders the configuration and one drop-in script with the nonce for a logged-in customer', async () => {
    const html = await render({ customer: CUSTOMER }, { current_customer_enabled: true });
    const page = parse(html);
    expect(page.configs).toEqual([
      {
        appClientId: 'app-client-id',
        endpoint: 'https://app.example.test/identify',
        credentials: 'omit',
        autoRefresh: true,
        debug: false,
      },
    ]);
    expect(page.dropIns).toHaveLength(1);
    const script = page.dropIns[0] as HTMLScriptElement;
    expect(script.getAttribute('src')).toBe(DROP_IN_URL);
    expect(script.getAttribute('nonce')).toBe(NONCE);
    expect(script.hasAttribute('async')).toBe(true);
    expect(script.hasAttribute('defer')).toBe(false);
    // Inside <body>, after Cornerstone's own scripts.
    expect(script.parentElement?.tagName).toBe('BODY');
    expect(page.configElements[0]?.parentElement?.tagName).toBe('BODY');
  });

  it.each([
    ['no customer', {}],
    ['customer undefined', { customer: undefined }],
    ['customer null', { customer: null }],
    ['customer {}', { customer: {} }],
  ])(
    'renders nothing at all for a guest (%s): the page is byte-identical to unpatched Cornerstone',
    async (_name, context) => {
      const patched = await render(context, { current_customer_enabled: true });
      const unpatched = await render(context, { current_customer_enabled: true }, original);
      expect(patched).not.toContain('current-customer');
      expect(patched).toBe(unpatched);
    },
  );

  it('renders nothing when the setting is off, or when the theme lacks the settings', async () => {
    const off = await render({ customer: CUSTOMER }, { current_customer_enabled: false });
    expect(off).not.toContain('current-customer');
    expect(off).toBe(await render({ customer: CUSTOMER }, {}, original));
    const lacking = await renderPage(patched, {
      page: 'layout/base',
      nonce: NONCE,
      siteSettings: SITE,
      context: { customer: CUSTOMER, theme_settings: {} },
    });
    expect(parse(lacking).configElements).toHaveLength(0);
    expect(parse(lacking).dropIns).toHaveLength(0);
  });

  it('keeps a </script> payload in a setting inside the JSON', async () => {
    const payload = '</script><script>alert(1)</script>';
    const html = await render(
      { customer: CUSTOMER },
      {
        current_customer_enabled: true,
        current_customer_app_client_id: payload,
        current_customer_endpoint: `https://app.example.test/${payload}<!--`,
      },
    );
    const page = parse(html);
    const clean = parse(await render({ customer: CUSTOMER }, { current_customer_enabled: true }));
    expect(page.scripts).toBe(clean.scripts);
    expect(page.configs).toHaveLength(1);
    expect(page.configs[0]).toMatchObject({
      appClientId: payload,
      endpoint: `https://app.example.test/${payload}<!--`,
    });
    expect(html).not.toContain('alert(1)</script>');
  });
});

describe('the script partial on its own', () => {
  const partials = readTemplates(PACKAGE_TEMPLATES);
  const renderBody = async (
    body: string,
    themeSettings: Record<string, unknown>,
    context: Record<string, unknown> = { customer: CUSTOMER },
  ): Promise<string> =>
    renderPage(
      await createThemeRenderer(
        memoryTheme({
          ...partials,
          page: `<!DOCTYPE html><html><head></head><body>${body}</body></html>`,
        }),
      ),
      {
        page: 'page',
        nonce: NONCE,
        siteSettings: SITE,
        context: { ...context, theme_settings: themeSettings },
      },
    );
  const on = {
    current_customer_enabled: true,
    current_customer_app_client_id: 'first',
    current_customer_endpoint: 'https://first.example.test/',
    current_customer_credentials: 'omit',
    current_customer_auto_refresh: true,
    current_customer_debug: false,
  };

  it('lets parameters override the settings, with one drop-in script for several inclusions', async () => {
    const page = parse(
      await renderBody(
        `{{> components/current-customer/script}}
         {{> components/current-customer/script appClientId="second" endpoint="https://second.example.test/x" credentials="include" autoRefresh=false debug=true}}
         {{> components/current-customer/script appClientId="third"}}`,
        on,
      ),
    );
    expect(page.configs).toEqual([
      {
        appClientId: 'first',
        endpoint: 'https://first.example.test/',
        credentials: 'omit',
        autoRefresh: true,
        debug: false,
      },
      {
        appClientId: 'second',
        endpoint: 'https://second.example.test/x',
        credentials: 'include',
        autoRefresh: false,
        debug: true,
      },
      {
        appClientId: 'third',
        endpoint: 'https://first.example.test/',
        credentials: 'omit',
        autoRefresh: true,
        debug: false,
      },
    ]);
    expect(page.dropIns).toHaveLength(1);
  });

  it('reads every setting', async () => {
    const page = parse(
      await renderBody('{{> components/current-customer/script}}', {
        ...on,
        current_customer_credentials: 'include',
        current_customer_auto_refresh: false,
        current_customer_debug: true,
      }),
    );
    expect(page.configs).toEqual([
      {
        appClientId: 'first',
        endpoint: 'https://first.example.test/',
        credentials: 'include',
        autoRefresh: false,
        debug: true,
      },
    ]);
  });

  it('prints only the fixed credentials modes and booleans whatever a setting holds', async () => {
    const page = parse(
      await renderBody('{{> components/current-customer/script}}', {
        ...on,
        current_customer_credentials: '"}</script><script>alert(1)//',
        current_customer_auto_refresh: 'no',
        current_customer_debug: '"yes"',
      }),
    );
    expect(page.configs).toEqual([
      {
        appClientId: 'first',
        endpoint: 'https://first.example.test/',
        credentials: 'omit',
        autoRefresh: true,
        debug: true,
      },
    ]);
  });

  it('renders the configuration only with script=false', async () => {
    for (const body of [
      '{{> components/current-customer/script script=false}}',
      '{{> components/current-customer/script script="false"}}',
    ]) {
      const page = parse(await renderBody(body, on));
      expect(page.configs).toHaveLength(1);
      expect(page.dropIns).toHaveLength(0);
    }
  });

  it('lets enabled= override the setting both ways', async () => {
    const off = { ...on, current_customer_enabled: false };
    expect(
      parse(await renderBody('{{> components/current-customer/script enabled=true}}', off)).configs,
    ).toHaveLength(1);
    expect(
      parse(await renderBody('{{> components/current-customer/script enabled="true"}}', off))
        .configs,
    ).toHaveLength(1);
    expect(
      parse(await renderBody('{{> components/current-customer/script enabled=false}}', on)).configs,
    ).toHaveLength(0);
    expect(
      parse(await renderBody('{{> components/current-customer/script enabled=false}}', on)).dropIns,
    ).toHaveLength(0);
    // A parameter never shows a guest anything.
    expect(
      await renderBody('{{> components/current-customer/script enabled=true}}', on, {}),
    ).not.toContain('script');
  });

  it('works where the page context is not the root (inside a with block)', async () => {
    const page = parse(
      await renderBody('{{#with customer}}{{> components/current-customer/script}}{{/with}}', on),
    );
    expect(page.configs).toHaveLength(1);
  });

  it('keeps any setting text inside the JSON and round-trips it (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
        async (clientId, endpointTail) => {
          fc.pre(clientId.length > 0);
          const endpoint = `https://x.test/${endpointTail}</script>`;
          const html = await renderBody('<p>{{> components/current-customer/script}}</p>', {
            ...on,
            current_customer_app_client_id: clientId,
            current_customer_endpoint: endpoint,
          });
          const page = parse(html);
          expect(page.scripts).toBe(2);
          expect(page.configs).toEqual([
            expect.objectContaining({ appClientId: clientId, endpoint }),
          ]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
