// The field partial rendered by BigCommerce's real renderer: the element, its attributes, the escaping.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createThemeRenderer } from '../../src/dev/renderer.js';
import { readTemplates } from '../../src/dev/theme.js';
import { parseHtml } from './helpers/html.js';
import { memoryTheme, renderPage } from './helpers/render.js';

const PACKAGE_TEMPLATES = fileURLToPath(new URL('../../templates', import.meta.url));
const partials = readTemplates(PACKAGE_TEMPLATES);

/** Renders `body` inside a page, with the package's partials, and returns the body's inner HTML. */
const render = async (body: string, context: Record<string, unknown> = {}): Promise<string> => {
  const html = await renderPage(
    await createThemeRenderer(
      memoryTheme({ ...partials, page: `<html><head></head><body>${body}</body></html>` }),
    ),
    { page: 'page', siteSettings: {}, context },
  );
  return /<body>([\s\S]*)<\/body>/.exec(html)?.[1] ?? '';
};

describe('components/current-customer/field', () => {
  it('renders one span with the path, and nothing else, by default', async () => {
    expect(await render('{{> components/current-customer/field path="points"}}')).toBe(
      '<span data-current-customer-field="points"></span>',
    );
  });

  it('renders every parameter', async () => {
    expect(
      await render(
        '{{> components/current-customer/field path="tier.name" fallback="Member" tag="strong" class="tier badge" appClientId="loyalty-app"}}',
      ),
    ).toBe(
      '<strong class="tier badge" data-current-customer-field="tier.name" data-current-customer-app="loyalty-app" data-current-customer-fallback="Member">Member</strong>',
    );
  });

  it.each(['div', 'p', 'strong', 'em', 'b', 'small', 'li', 'dd', 'td'])(
    'tag="%s" gives that element',
    async (tag) => {
      const body = await render(`{{> components/current-customer/field path="x" tag="${tag}"}}`);
      expect(body).toBe(`<${tag} data-current-customer-field="x"></${tag}>`);
    },
  );

  it.each(['script', 'img src=x onerror=alert(1)', 'SPAN', ''])(
    'any other tag ("%s") gives a span',
    async (tag) => {
      const body = await render('{{> components/current-customer/field path="x" tag=tag}}', {
        tag,
      });
      expect(body).toBe('<span data-current-customer-field="x"></span>');
    },
  );

  it('renders nothing without a path', async () => {
    expect(await render('[{{> components/current-customer/field fallback="x"}}]')).toBe('[]');
  });

  it('escapes every value (from the page context, say a product field)', async () => {
    const evil = '"><img src=x onerror=alert(1)>';
    const body = await render(
      '{{> components/current-customer/field path=evil fallback=evil class=evil appClientId=evil}}',
      { evil },
    );
    const document = parseHtml(`<body>${body}</body>`);
    expect(document.querySelector('img')).toBeNull();
    const span = document.querySelector('span');
    expect(span?.getAttribute('data-current-customer-field')).toBe(evil);
    expect(span?.getAttribute('class')).toBe(evil);
    expect(span?.getAttribute('data-current-customer-app')).toBe(evil);
    expect(span?.getAttribute('data-current-customer-fallback')).toBe(evil);
    expect(span?.textContent).toBe(evil);
  });

  it('renders a tag per inclusion, each with its own element', async () => {
    const body = await render(
      '{{> components/current-customer/field path="a" tag="div"}}{{> components/current-customer/field path="b"}}',
    );
    expect(body).toBe(
      '<div data-current-customer-field="a"></div><span data-current-customer-field="b"></span>',
    );
  });
});
