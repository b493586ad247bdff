// What the partials render besides the configuration: the preconnect hint for a logged-in customer, the
// body mode, and the guest hint script (rendered by BigCommerce's renderer, then run in jsdom).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createThemeRenderer } from '../../src/dev/renderer.js';
import { readTemplates } from '../../src/dev/theme.js';
import { parseHtml } from './helpers/html.js';
import { memoryTheme, renderPage } from './helpers/render.js';

const partials = readTemplates(fileURLToPath(new URL('../../templates', import.meta.url)));
const NONCE = 'rAnd0mN0nce==';
const ON = {
  current_customer_enabled: true,
  current_customer_app_client_id: 'app-client-id',
  current_customer_endpoint: 'https://app.example.test:8443/identify?x=1',
};
const CUSTOMER = { id: 4927 };

const render = async (
  body: string,
  themeSettings: Record<string, unknown>,
  context: Record<string, unknown> = { customer: CUSTOMER },
) =>
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
      siteSettings: { cdn_url: 'https://cdn.test', theme_version_id: 'v1' },
      context: { ...context, theme_settings: themeSettings },
    },
  );

const SCRIPT = '{{> components/current-customer/script}}';
const preconnects = (html: string) =>
  [...parseHtml(html).querySelectorAll('link[rel="preconnect"]')].map((link) => ({
    href: link.getAttribute('href'),
    crossorigin: link.getAttribute('crossorigin'),
  }));
const configs = (html: string) =>
  [...parseHtml(html).querySelectorAll('script[data-current-customer]')].map((element) =>
    JSON.parse(element.textContent ?? ''),
  );

describe('preconnect to the app backend', () => {
  it('renders the endpoint origin, crossorigin as the POST (anonymous, or use-credentials with credentials=include), before the configuration', async () => {
    const html = await render(
      `${SCRIPT}{{> components/current-customer/script credentials="include" appClientId="b"}}`,
      ON,
    );
    expect(preconnects(html)).toEqual([
      { href: 'https://app.example.test:8443', crossorigin: '' },
      { href: 'https://app.example.test:8443', crossorigin: 'use-credentials' },
    ]);
    expect(html.indexOf('rel="preconnect"')).toBeLessThan(html.indexOf('data-current-customer'));
    const setting = await render(SCRIPT, { ...ON, current_customer_credentials: 'include' });
    expect(preconnects(setting)).toEqual([
      { href: 'https://app.example.test:8443', crossorigin: 'use-credentials' },
    ]);
  });

  it('renders nothing for a guest, nor when the integration is off', async () => {
    expect(preconnects(await render(SCRIPT, ON, {}))).toEqual([]);
    expect(await render(SCRIPT, { ...ON, current_customer_enabled: false })).not.toContain(
      'preconnect',
    );
    expect(
      await render(`{{> components/current-customer/script enabled=false}}`, ON),
    ).not.toContain('preconnect');
  });

  it.each([
    ['an empty endpoint', ''],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path', '/identify'],
    ['a protocol-relative URL', '//app.example.test/identify'],
    ['an ftp: URL', 'ftp://app.example.test/'],
  ])('renders no preconnect for %s (only http: and https: origins)', async (_name, endpoint) => {
    const html = await render(SCRIPT, { ...ON, current_customer_endpoint: endpoint });
    expect(preconnects(html)).toEqual([]);
    expect(configs(html)).toHaveLength(1);
  });

  it('escapes what it prints: a hostile host stays inside the href', async () => {
    const html = await render(SCRIPT, {
      ...ON,
      current_customer_endpoint: 'https://a"onmouseover="alert(1)"b.test/x',
    });
    const document = parseHtml(html);
    for (const link of document.querySelectorAll('link'))
      expect(link.getAttributeNames().sort()).toEqual(['crossorigin', 'href', 'rel']);
    expect(document.querySelectorAll('[onmouseover]')).toHaveLength(0);
  });

  it('an http: endpoint (a local backend) gets its origin too', async () => {
    const html = await render(SCRIPT, {
      ...ON,
      current_customer_endpoint: 'http://localhost:3000/api',
    });
    expect(preconnects(html)).toEqual([{ href: 'http://localhost:3000', crossorigin: '' }]);
  });
});

describe('the body mode', () => {
  it('is "text" by default; body="json" or the current_customer_body setting selects "json"; anything else is "text"', async () => {
    expect(configs(await render(SCRIPT, ON))[0].body).toBe('text');
    expect(
      configs(await render('{{> components/current-customer/script body="json"}}', ON))[0].body,
    ).toBe('json');
    expect(configs(await render(SCRIPT, { ...ON, current_customer_body: 'json' }))[0].body).toBe(
      'json',
    );
    expect(
      configs(
        await render('{{> components/current-customer/script body="text"}}', {
          ...ON,
          current_customer_body: 'json',
        }),
      )[0].body,
    ).toBe('text');
    expect(
      configs(await render(SCRIPT, { ...ON, current_customer_body: '"}</script>' }))[0].body,
    ).toBe('text');
  });
});

describe('the guest hint', () => {
  const hint = async (themeSettings: Record<string, unknown> = ON, body = SCRIPT) => {
    const html = await render(body, themeSettings, {});
    const scripts = [...parseHtml(html).querySelectorAll('script')];
    return { html, scripts };
  };

  /** Runs the hint's code with the navigation type given and a recording BroadcastChannel. */
  const run = (code: string, type: string | undefined) => {
    const posted: { name: string; message: unknown; closedAfter: boolean }[] = [];
    class Channel {
      closed = false;
      constructor(readonly name: string) {}
      postMessage(message: unknown) {
        posted.push({ name: this.name, message, closedAfter: false });
      }
      close() {
        const last = posted.at(-1);
        if (last) last.closedAfter = true;
      }
    }
    const performance = {
      getEntriesByType: (kind: string) => (kind === 'navigation' && type ? [{ type }] : []),
    };
    new Function('performance', 'BroadcastChannel', 'location', code)(performance, Channel, {
      origin: 'https://store.example.test',
    });
    return posted;
  };

  it('is one inline script with the nonce, at most 300 bytes, and nothing else (no module, no configuration)', async () => {
    const { html, scripts } = await hint({
      ...ON,
      current_customer_app_client_id: 'a-thirty-character-client-id-x',
    });
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.getAttribute('nonce')).toBe(NONCE);
    expect(scripts[0]?.hasAttribute('src')).toBe(false);
    expect(
      new TextEncoder().encode(scripts[0]?.outerHTML.replace(NONCE, '')).length,
    ).toBeLessThanOrEqual(300);
    expect(html).not.toContain('preconnect');
  });

  it.each([['navigate'], ['reload']])(
    'posts {type: "guest"} on the store and app channel on a %s, then closes it',
    async (type) => {
      const { scripts } = await hint();
      expect(run(scripts[0]?.textContent ?? '', type)).toEqual([
        {
          name: 'current-customer:https://store.example.test:app-client-id',
          message: { type: 'guest' },
          closedAfter: true,
        },
      ]);
    },
  );

  it.each([['back_forward'], ['prerender'], [undefined]])(
    'posts nothing on a %s load',
    async (type) => {
      const { scripts } = await hint();
      expect(run(scripts[0]?.textContent ?? '', type)).toEqual([]);
    },
  );

  it('never throws into the page, even without BroadcastChannel', async () => {
    const { scripts } = await hint();
    const code = scripts[0]?.textContent ?? '';
    expect(() =>
      new Function('performance', 'BroadcastChannel', 'location', code)(
        { getEntriesByType: () => [{ type: 'navigate' }] },
        undefined,
        { origin: 'x' },
      ),
    ).not.toThrow();
  });

  it('keeps a hostile app client id inside its string', async () => {
    const id = '"+alert(1)+"</script><script>alert(2)//';
    const { scripts } = await hint({ ...ON, current_customer_app_client_id: id });
    expect(scripts).toHaveLength(1);
    // Injected code would have changed the name (or thrown, which the hint swallows: then nothing is posted).
    const posted = run(scripts[0]?.textContent ?? '', 'navigate');
    expect(posted[0]?.name).toBe(`current-customer:https://store.example.test:${id}`);
  });

  it('renders nothing when the integration is off (setting or enabled=false)', async () => {
    expect((await hint({ ...ON, current_customer_enabled: false })).scripts).toHaveLength(0);
    expect(
      (await hint(ON, '{{> components/current-customer/script enabled=false}}')).scripts,
    ).toHaveLength(0);
  });
});
