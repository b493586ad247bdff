// The partials rendered by BigCommerce's real renderer: in the Cornerstone base layout patched by the
// installer, and on their own for the parameters and the escaping.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThemeRenderer, type ThemeRenderer } from '../../src/dev/renderer.js';
import { loadTheme, readTemplates } from '../../src/dev/theme.js';
import { install } from '../../src/theme/installer.js';
import { CORNERSTONE, skipCornerstone } from './helpers/cornerstone.js';
import { cleanUp, copyTheme, FIXTURE_THEME } from './helpers/fixture.js';
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

/** The guest hint script.html renders for guests: each inline script that posts on the channel. */
function guestHints(html: string): { html: string; nonce: string | null; code: string }[] {
  return [...html.matchAll(/<script nonce="([^"]*)">([^<]*BroadcastChannel[^<]*)<\/script>/g)].map(
    (match) => ({ html: match[0], nonce: match[1] ?? null, code: match[2] ?? '' }),
  );
}

const CUSTOMER = {
  id: 4927,
  name: 'John Doe',
  email: 'john.doe@example.com',
  customer_group_id: 6,
};

describe('the patched base layout (theme fixture)', () => {
  let patched: ThemeRenderer;
  let original: ThemeRenderer;
  let settings: Record<string, unknown>;

  beforeAll(async () => {
    const dir = copyTheme();
    install(dir, { clientId: 'app-client-id', endpoint: 'https://app.example.test/identify' });
    const theme = loadTheme(dir);
    settings = theme.settings;
    patched = await createThemeRenderer(theme);
    original = await createThemeRenderer(loadTheme(FIXTURE_THEME));
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
        body: 'text',
        autoRefresh: true,
        debug: false,
        customerId: 4927,
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
    'renders only the guest hint for a guest (%s): without it, the page is byte-identical to unpatched Cornerstone',
    async (_name, context) => {
      const patched = await render(context, { current_customer_enabled: true });
      const unpatched = await render(context, { current_customer_enabled: true }, original);
      const hints = guestHints(patched);
      expect(hints).toHaveLength(1);
      expect(hints[0]?.nonce).toBe(NONCE);
      expect(parse(patched).configElements).toHaveLength(0);
      expect(parse(patched).dropIns).toHaveLength(0);
      expect(patched).not.toContain('rel="preconnect" href="https://app.example.test"');
      expect(patched.replace(hints[0]?.html ?? '', '')).toBe(unpatched);
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
        body: 'text',
        autoRefresh: true,
        debug: false,
        customerId: 4927,
      },
      {
        appClientId: 'second',
        endpoint: 'https://second.example.test/x',
        credentials: 'include',
        body: 'text',
        autoRefresh: false,
        debug: true,
        customerId: 4927,
      },
      {
        appClientId: 'third',
        endpoint: 'https://first.example.test/',
        credentials: 'omit',
        body: 'text',
        autoRefresh: true,
        debug: false,
        customerId: 4927,
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
        body: 'text',
        autoRefresh: false,
        debug: true,
        customerId: 4927,
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
        body: 'text',
        autoRefresh: true,
        debug: true,
        customerId: 4927,
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
    // A guest gets the hint alone (when enabled), never the configuration or the module.
    const guest = await renderBody(
      '{{> components/current-customer/script enabled=true}}',
      off,
      {},
    );
    expect(guestHints(guest)).toHaveLength(1);
    expect(parse(guest).configElements).toHaveLength(0);
    expect(parse(guest).dropIns).toHaveLength(0);
    expect(await renderBody('{{> components/current-customer/script enabled=false}}', on, {})).toBe(
      '<!DOCTYPE html><html><head></head><body></body></html>',
    );
  });

  it('works where the page context is not the root (inside a with block)', async () => {
    const page = parse(
      await renderBody('{{#with customer}}{{> components/current-customer/script}}{{/with}}', on),
    );
    expect(page.configs).toHaveLength(1);
  });

  it("renders the page customer's id as a JSON number or string, escaped, and null without one", async () => {
    const render = async (customer: unknown, body = '{{> components/current-customer/config}}') =>
      parse(await renderBody(body, on, { customer })).configs.map(
        (config) => (config as { customerId: unknown }).customerId,
      );
    expect(await render({ id: 4927 })).toEqual([4927]);
    expect(await render({ id: '4927' })).toEqual(['4927']);
    const hostile = '1</script><!--<script>alert(1)//';
    expect(await render({ id: hostile })).toEqual([hostile]);
    expect(await render({ name: 'no id' })).toEqual([null]);
    expect(await render(undefined)).toEqual([null]);
    // From the page's customer even where the context is not the root.
    expect(
      await render(
        { id: 7 },
        '{{#with customer}}{{> components/current-customer/config}}{{/with}}',
      ),
    ).toEqual([7]);
  });

  /** Strings built from the pieces that break out of a script element, with random text between them. */
  const hostileText = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '<!--',
          '-->',
          '<script',
          '</script',
          '</SCRIPT ',
          '<',
          '>',
          '/',
          '"',
          '\\',
        ),
        fc.constantFrom('\u2028', '\u2029', '{{', '}}', '&', "'", '\u0000', '\ufeff'),
        fc.string({ unit: 'binary', maxLength: 4 }),
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((parts) => parts.join(''));

  it('keeps any setting text inside the JSON and round-trips it (property)', async () => {
    let dangerous = 0;
    await fc.assert(
      fc.asyncProperty(hostileText, hostileText, hostileText, async (clientId, tail, id) => {
        fc.pre(clientId.length > 0 && id.length > 0);
        if (/<!--|<script/i.test(clientId + tail + id)) dangerous++;
        const endpoint = `https://x.test/${tail}`;
        const html = await renderBody(
          '<p>{{> components/current-customer/script}}</p>',
          {
            ...on,
            current_customer_app_client_id: clientId,
            current_customer_endpoint: endpoint,
          },
          { customer: { id } },
        );
        const page = parse(html);
        // The configuration element, the early start and the drop-in: nothing closed early, nothing opened.
        expect(page.scripts).toBe(3);
        expect(page.configs).toEqual([
          expect.objectContaining({ appClientId: clientId, endpoint, customerId: id }),
        ]);
        const raw =
          /<script type="application\/json" data-current-customer>([\s\S]*?)<\/script>/.exec(
            html,
          )?.[1];
        expect(raw).not.toMatch(/[<>]/);
      }),
      { numRuns: 60 },
    );
    // The generator does produce what it exists to try.
    expect(dangerous).toBeGreaterThan(20);
  });
});

describe.skipIf(skipCornerstone())('the patched base layout of the real Cornerstone 6.21.0', () => {
  const render = (renderer: ThemeRenderer, context: Record<string, unknown>): Promise<string> =>
    renderPage(renderer, {
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
      },
    });

  it('renders one configuration and one drop-in script for a customer, and only the guest hint for a guest', async () => {
    const dir = copyTheme(CORNERSTONE);
    install(dir, { clientId: 'app-client-id', endpoint: 'https://app.example.test/identify' });
    const theme = loadTheme(dir);
    const patched = await createThemeRenderer(theme);
    const original = await createThemeRenderer(loadTheme(CORNERSTONE as string));
    const enabled = { ...theme.settings, current_customer_enabled: true };
    const page = parse(await render(patched, { customer: CUSTOMER, theme_settings: enabled }));
    expect(page.configs).toMatchObject([
      { appClientId: 'app-client-id', endpoint: 'https://app.example.test/identify' },
    ]);
    expect(page.dropIns).toHaveLength(1);
    expect(page.dropIns[0]?.getAttribute('nonce')).toBe(NONCE);
    const guest = { theme_settings: enabled };
    const guestPage = await render(patched, guest);
    const [hint] = guestHints(guestPage);
    expect(hint?.nonce).toBe(NONCE);
    expect(guestPage.replace(hint?.html ?? '', '')).toBe(await render(original, guest));
    cleanUp();
  });
});
