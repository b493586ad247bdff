// The list add-on in a jsdom page, driven by the client's own emitter: rendering from the item template,
// the state templates, clearing on a change of customer before anything else, URLs checked, text only.
import { describe, expect, it, vi } from 'vitest';
import type { CurrentCustomer, StencilCurrentCustomerGlobal } from '../../src/client/client.js';
import { createEmitter } from '../../src/client/emitter.js';
import { bindCurrentCustomerLists } from '../../src/client/list.js';
import { createState } from '../../src/client/state.js';

interface Jsdom {
  JSDOM: new (html: string, options?: { url?: string }) => { window: Window & typeof globalThis };
}
const { JSDOM } = (await import('jsdom' as string)) as Jsdom;

const ORIGIN = 'https://shop.example';

const LIST = `
  <ul id="list" data-current-customer-list="products" data-current-customer-app="app">
    <li id="loading">Loading…</li>
    <template><li><a data-current-customer-item="name" data-current-customer-item-href="url"></a>
      <img data-current-customer-item-src="image" alt="">
      <time data-current-customer-item-date="purchasedAt"></time></li></template>
    <template data-current-customer-when="empty"><li class="state">Nothing yet</li></template>
    <template data-current-customer-when="error"><li class="state">Cannot be shown</li></template>
    <template data-current-customer-when="changed"><li class="state">Signed in elsewhere</li></template>
  </ul>`;

const JANE = {
  products: [
    {
      name: 'Tiered Wire Basket',
      url: `${ORIGIN}/tiered-wire-basket/`,
      image: 'https://cdn.example/basket.jpg',
      purchasedAt: '2026-11-30T10:00:00Z',
    },
    { name: 'Able Brewing System', url: '/able-brewing-system/', image: '/img/able.jpg' },
  ],
};

/**
 * A jsdom page holding `body`, once parsed (DOMContentLoaded), and a client made of the real emitter and
 * state. With `bindNow`, the lists are bound while the page is still loading (they bind at DOMContentLoaded).
 */
const page = async (body: string, { bindNow = true } = {}) => {
  const { window } = new JSDOM(`<!doctype html><html><body>${body}</body></html>`, {
    url: `${ORIGIN}/account/`,
  });
  const { document } = window;
  const state = createState<unknown>(4927);
  const emitter = createEmitter<unknown>('app', false, state);
  const client = { appClientId: 'app', on: emitter.on } as unknown as CurrentCustomer;
  const api = { clients: { app: client } } as unknown as StencilCurrentCustomerGlobal;
  const bind = () => bindCurrentCustomerLists(api, document);
  if (bindNow) bind();
  if (document.readyState === 'loading')
    await new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve));
  const answer = (data: unknown) => {
    state._answered = 'token';
    state._response = data;
    emitter._emit('response', data, 'data');
  };
  const change = (to: number | null) => {
    state._response = state._answered = undefined;
    emitter._emit('changed', { from: 4927, to });
  };
  const list = document.getElementById('list') as HTMLElement;
  const names = () => [...list.querySelectorAll('li a')].map((a) => a.textContent);
  const status = () => [...list.querySelectorAll('li.state')].map((li) => li.textContent).join('');
  return { window, document, emitter, client, bind, answer, change, list, names, status };
};

describe('list add-on', async () => {
  it('renders one clone of the item template per entry, with text, links, images and dates', async () => {
    const p = await page(LIST);
    expect(p.list.querySelector('#loading')).not.toBeNull();
    p.answer(JANE);
    expect(p.list.querySelector('#loading')).toBeNull();
    expect(p.names()).toEqual(['Tiered Wire Basket', 'Able Brewing System']);
    const links = [...p.list.querySelectorAll('li a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual([`${ORIGIN}/tiered-wire-basket/`, `${ORIGIN}/able-brewing-system/`]);
    const images = [...p.list.querySelectorAll('li img')].map((img) => img.getAttribute('src'));
    expect(images).toEqual(['https://cdn.example/basket.jpg', `${ORIGIN}/img/able.jpg`]);
    const times = p.list.querySelectorAll('li time');
    expect(times[0]?.getAttribute('datetime')).toBe('2026-11-30T10:00:00.000Z');
    expect(times[0]?.textContent).toBe(new Date('2026-11-30T10:00:00Z').toLocaleDateString());
    // No date: the element stays as the template has it.
    expect(times[1]?.hasAttribute('datetime')).toBe(false);
    expect(p.list.getAttribute('data-current-customer-list-state')).toBe('items');
    // The templates stay, for the next answer.
    expect(p.list.querySelectorAll(':scope>template')).toHaveLength(4);
    // A second answer replaces the entries, never appends.
    p.answer({ products: [JANE.products[1]] });
    expect(p.names()).toEqual(['Able Brewing System']);
  });

  it('shows the empty template for an empty array, and the error template for an answer without one', async () => {
    const p = await page(LIST);
    p.answer({ products: [] });
    expect(p.names()).toEqual([]);
    expect(p.status()).toBe('Nothing yet');
    expect(p.list.getAttribute('data-current-customer-list-state')).toBe('empty');
    p.answer({ products: 'none' });
    expect(p.status()).toBe('Cannot be shown');
    expect(p.list.getAttribute('data-current-customer-list-state')).toBe('error');
  });

  it('an error keeps entries already shown, and shows the error template when there are none', async () => {
    const p = await page(LIST);
    p.emitter._report(Object.assign(new Error('down'), { code: 'network' }) as never);
    expect(p.status()).toBe('Cannot be shown');
    p.answer(JANE);
    p.emitter._report(Object.assign(new Error('down'), { code: 'network' }) as never);
    expect(p.names()).toHaveLength(2);
    expect(p.status()).toBe('');
  });

  it('a change of customer empties the list before any later handler runs, and no answer comes back', async () => {
    const p = await page(LIST);
    p.answer(JANE);
    expect(p.names()).toHaveLength(2);
    const seenByLaterHandler: (string | null)[][] = [];
    p.client.on('changed', () => seenByLaterHandler.push(p.names()));
    p.change(5012);
    expect(seenByLaterHandler).toEqual([[]]);
    expect(p.status()).toBe('Signed in elsewhere');
    expect(p.list.getAttribute('data-current-customer-list-state')).toBe('changed');
    // A list bound now gets no replay: the client dropped the answer with the change.
    const late = await page(LIST, { bindNow: false });
    late.answer(JANE);
    late.change(5012);
    late.bind();
    expect(late.names()).toEqual([]);
    expect(late.list.querySelector('#loading')).not.toBeNull();
  });

  it('a guest empties the list and shows nothing without a guest template', async () => {
    const p = await page(LIST);
    p.answer(JANE);
    p.emitter._emit('guest', null);
    expect(p.names()).toEqual([]);
    expect(p.status()).toBe('');
    expect(p.list.querySelectorAll(':scope>:not(template)')).toHaveLength(0);
    expect(p.list.getAttribute('data-current-customer-list-state')).toBe('guest');
  });

  it('drops unsafe URLs: other origins for links, other schemes, http images elsewhere', async () => {
    const p = await page(LIST);
    const unsafeLinks = [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      `blob:${ORIGIN}/0b5e2c6e-1d1e-4f4f-9a5e-1a2b3c4d5e6f`,
      'https://evil.example/tiered-wire-basket/',
      '//evil.example/x',
      'http://shop.example/downgraded/',
      ' javascript:alert(1)',
      'https://shop.example.evil.example/',
      `${ORIGIN}.evil.example/`,
      { href: `${ORIGIN}/` },
    ];
    const unsafeImages = [
      'javascript:alert(1)',
      'data:image/svg+xml,<svg onload="alert(1)"/>',
      'http://cdn.example/plain-http.jpg',
      `blob:${ORIGIN}/0b5e2c6e-1d1e-4f4f-9a5e-1a2b3c4d5e6f`,
      'ftp://cdn.example/x.jpg',
      null,
      'https://cdn.example/a.jpg'.replace('https', 'javascript'),
      { src: 'https://cdn.example/x.jpg' },
      ['https://cdn.example/x.jpg'],
      'https://cdn.example/x.jpg',
    ];
    p.answer({
      products: unsafeLinks.map((url, i) => ({ name: `p${i}`, url, image: unsafeImages[i] })),
    });
    const rows = [...p.list.querySelectorAll('li')];
    expect(rows).toHaveLength(unsafeLinks.length);
    for (const row of rows) expect(row.querySelector('a')?.hasAttribute('href')).toBe(false);
    // Only the last image, https on another origin (a CDN), is allowed.
    expect(rows.map((row) => row.querySelector('img')?.getAttribute('src') ?? null)).toEqual([
      ...unsafeImages.slice(0, -1).map(() => null),
      'https://cdn.example/x.jpg',
    ]);
  });

  it('puts markup from the answer in as text, never as elements', async () => {
    const p = await page(LIST);
    const name = '<img src=x onerror="window.hacked=1"><b>Bold</b>';
    p.answer({ products: [{ name, url: '/x/' }] });
    const link = p.list.querySelector('li a') as HTMLAnchorElement;
    expect(link.textContent).toBe(name);
    expect(link.children).toHaveLength(0);
    expect(p.list.querySelectorAll('b, li img:not([data-current-customer-item-src])')).toHaveLength(
      0,
    );
    expect((p.window as unknown as { hacked?: number }).hacked).toBeUndefined();
    // Objects, arrays and null are not text: the element keeps the template's content.
    p.answer({ products: [{ name: { toString: 'x' } }, { name: ['a'] }, { name: null }] });
    expect(p.names()).toEqual(['', '', '']);
  });

  it('reads own properties only along the path', async () => {
    const p = await page(
      LIST.replace('data-current-customer-list="products"', 'data-current-customer-list="a.list"'),
    );
    p.answer({ a: { list: [{ name: 'nested' }] } });
    expect(p.names()).toEqual(['nested']);
    const q = await page(LIST.replace('"products"', '"constructor"'));
    q.answer({});
    expect(q.status()).toBe('Cannot be shown');
  });

  it('picks the client by data-current-customer-app, the first client without it, and none for an unknown id', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const other = await page(
      LIST.replace('data-current-customer-app="app"', 'data-current-customer-app="other"'),
    );
    other.answer(JANE);
    expect(other.names()).toEqual([]);
    const first = await page(LIST.replace(' data-current-customer-app="app"', ''));
    first.answer(JANE);
    expect(first.names()).toHaveLength(2);
    const blank = await page(
      LIST.replace('data-current-customer-app="app"', 'data-current-customer-app=""'),
    );
    blank.answer(JANE);
    expect(blank.names()).toHaveLength(2);
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });

  it('a list whose markup has no item template shows its error template, and nothing throws', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await page(
      LIST.replace('<template><li>', '<template data-current-customer-when="x"><li>'),
    );
    p.answer(JANE);
    expect(p.status()).toBe('Cannot be shown');
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });
});
