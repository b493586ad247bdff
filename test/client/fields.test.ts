// The declarative fields and the page state, driven by document events in a jsdom page.
import { describe, expect, it } from 'vitest';
import { bindCurrentCustomerFields } from '../../src/client/fields.js';

interface Jsdom {
  JSDOM: new (html: string) => { window: Window & typeof globalThis };
}
const { JSDOM } = (await import('jsdom' as string)) as Jsdom;

/** A parsed page holding `body`, with the fields bound. */
const page = (body: string) => {
  const { window } = new JSDOM(`<!doctype html><html><head></head><body>${body}</body></html>`);
  const { document } = window;
  bindCurrentCustomerFields(document);
  const emit = (type: string, detail: Record<string, unknown>) =>
    document.dispatchEvent(new window.CustomEvent(`current-customer:${type}`, { detail }));
  const text = (selector: string) => document.querySelector(selector)?.textContent;
  const state = () => document.documentElement.getAttribute('data-current-customer');
  return { window, document, emit, text, state };
};

const ANSWER = {
  greeting: 'Jane',
  points: 1250,
  member: true,
  tier: { name: 'Gold', next: null },
  badges: ['early', 'loyal'],
};

describe('declarative fields', () => {
  it('fills each field with the text at its dot path when the answer arrives', () => {
    const p = page(`
      <span id="greeting" data-current-customer-field="greeting">…</span>
      <b id="points" data-current-customer-field="points"></b>
      <i id="member" data-current-customer-field="member"></i>
      <em id="tier" data-current-customer-field="tier.name"></em>
      <em id="badge" data-current-customer-field="badges.1"></em>`);
    expect(p.text('#greeting')).toBe('…');
    p.emit('response', { appClientId: 'app', data: ANSWER });
    expect(p.text('#greeting')).toBe('Jane');
    expect(p.text('#points')).toBe('1250');
    expect(p.text('#member')).toBe('true');
    expect(p.text('#tier')).toBe('Gold');
    expect(p.text('#badge')).toBe('loyal');
  });

  it('shows markup in the answer as text, never as markup', () => {
    const p = page('<p id="greeting" data-current-customer-field="greeting"></p>');
    const evil = '<img src=x onerror="window.hacked=1">';
    p.emit('response', { appClientId: 'app', data: { greeting: evil } });
    expect(p.text('#greeting')).toBe(evil);
    expect(p.document.querySelector('img')).toBeNull();
    expect(p.document.querySelector('#greeting')?.childNodes).toHaveLength(1);
  });

  it.each([
    ['missing', 'nope'],
    ['an object', 'tier'],
    ['an array', 'badges'],
    ['null', 'tier.next'],
    ['past a leaf', 'greeting.length'],
    ['inherited (constructor)', 'constructor'],
    ['inherited (toString)', 'tier.toString'],
    ['inherited (__proto__)', '__proto__'],
  ])('a path that is %s shows the fallback, or nothing without one', (_what, path) => {
    const p = page(
      `<span id="a" data-current-customer-field="${path}" data-current-customer-fallback="n/a">old</span>` +
        `<span id="b" data-current-customer-field="${path}">old</span>`,
    );
    p.emit('response', { appClientId: 'app', data: ANSWER });
    expect(p.text('#a')).toBe('n/a');
    expect(p.text('#b')).toBe('');
  });

  it('a text answer (not JSON) fills nothing but a fallback', () => {
    const p = page(
      '<span id="a" data-current-customer-field="greeting" data-current-customer-fallback="hi">x</span>',
    );
    p.emit('response', { appClientId: 'app', data: 'plain text' });
    expect(p.text('#a')).toBe('hi');
  });

  it('empties the fields on guest and on changed; a later answer fills them again', () => {
    const p = page('<span id="g" data-current-customer-field="greeting">…</span>');
    p.emit('response', { appClientId: 'app', data: ANSWER });
    expect(p.text('#g')).toBe('Jane');
    p.emit('guest', { appClientId: 'app' });
    expect(p.text('#g')).toBe('');
    p.emit('response', { appClientId: 'app', data: { greeting: 'Joe' } });
    expect(p.text('#g')).toBe('Joe');
    p.emit('changed', { appClientId: 'app', from: 1, to: 2 });
    expect(p.text('#g')).toBe('');
  });

  it('an error leaves the fields as they are', () => {
    const p = page('<span id="g" data-current-customer-field="greeting">…</span>');
    p.emit('error', { appClientId: 'app', error: new Error('x') });
    expect(p.text('#g')).toBe('…');
    p.emit('response', { appClientId: 'app', data: ANSWER });
    p.emit('error', { appClientId: 'app', error: new Error('x') });
    expect(p.text('#g')).toBe('Jane');
  });

  it('data-current-customer-app picks the app; a field without it shows the first app, in page order, with a value at its path', () => {
    const config = (id: string) =>
      `<script type="application/json" data-current-customer>{"appClientId":"${id}"}</script>`;
    const p = page(`${config('app-a')}${config('app-b')}
      <span id="a" data-current-customer-field="name" data-current-customer-app="app-a">a?</span>
      <span id="b" data-current-customer-field="name" data-current-customer-app="app-b">b?</span>
      <span id="any" data-current-customer-field="name" data-current-customer-fallback="none">any?</span>`);
    const texts = () => [p.text('#a'), p.text('#b'), p.text('#any')];
    // Whichever answers first or last, the unscoped field shows app-a, the first in page order.
    p.emit('response', { appClientId: 'app-b', data: { name: 'from B' } });
    expect(texts()).toEqual(['a?', 'from B', 'from B']);
    p.emit('response', { appClientId: 'app-a', data: { name: 'from A' } });
    expect(texts()).toEqual(['from A', 'from B', 'from A']);
    p.emit('response', { appClientId: 'app-b', data: { name: 'from B again' } });
    expect(texts()).toEqual(['from A', 'from B again', 'from A']);
    // An answer without a value at the path blanks nothing another app filled.
    p.emit('response', { appClientId: 'app-a', data: { other: 1 } });
    expect(texts()).toEqual(['', 'from B again', 'from B again']);
    p.emit('guest', { appClientId: 'app-b' });
    expect(texts()).toEqual(['', '', 'none']);
    p.emit('guest', { appClientId: 'app-a' });
    expect(texts()).toEqual(['', '', '']);
  });

  it('an app without a configuration element (a bundled client) comes after the configured ones', () => {
    const p =
      page(`<script type="application/json" data-current-customer>{"appClientId":"configured"}</script>
      <span id="any" data-current-customer-field="name"></span>`);
    p.emit('response', { appClientId: 'bundled', data: { name: 'bundled' } });
    expect(p.text('#any')).toBe('bundled');
    p.emit('response', { appClientId: 'configured', data: { name: 'configured' } });
    expect(p.text('#any')).toBe('configured');
  });

  it('a second bindCurrentCustomerFields() leaves a verified page verified', () => {
    const p = page('<span id="g" data-current-customer-field="greeting"></span>');
    p.emit('response', { appClientId: 'app', data: ANSWER });
    expect(p.state()).toBe('verified');
    bindCurrentCustomerFields(p.document);
    expect(p.state()).toBe('verified');
    expect(p.text('#g')).toBe('Jane');
  });

  it('fields parsed after the answer are filled at DOMContentLoaded', () => {
    const p = page('');
    p.emit('response', { appClientId: 'app', data: ANSWER });
    p.document.body.insertAdjacentHTML(
      'beforeend',
      '<span id="late" data-current-customer-field="points">…</span>',
    );
    expect(p.text('#late')).toBe('…');
    p.document.dispatchEvent(new p.window.Event('DOMContentLoaded'));
    expect(p.text('#late')).toBe('1250');
  });

  it("an event without detail (not the module's) changes nothing and throws nothing into the page", () => {
    const p = page('<span id="g" data-current-customer-field="greeting">…</span>');
    const thrown: unknown[] = [];
    p.window.addEventListener('error', (event) => thrown.push(event.error));
    for (const type of ['response', 'guest', 'changed', 'error'])
      p.document.dispatchEvent(new p.window.CustomEvent(`current-customer:${type}`));
    expect(thrown).toEqual([]);
    expect(p.text('#g')).toBe('…');
  });
});

describe('data-current-customer on the root element', () => {
  it('pending, then verified on an answer', () => {
    const p = page('');
    expect(p.state()).toBe('pending');
    p.emit('response', { appClientId: 'app', data: null });
    expect(p.state()).toBe('verified');
  });

  it('guest on guest, and on a change to nobody; pending on a change to another customer', () => {
    const p = page('');
    p.emit('guest', { appClientId: 'app' });
    expect(p.state()).toBe('guest');
    p.emit('response', { appClientId: 'app', data: {} });
    p.emit('changed', { appClientId: 'app', from: 4927, to: 5001 });
    expect(p.state()).toBe('pending');
    p.emit('changed', { appClientId: 'app', from: 5001, to: null });
    expect(p.state()).toBe('guest');
  });

  it('error before an answer; an error after one keeps verified', () => {
    const p = page('');
    p.emit('error', { appClientId: 'app', error: new Error('x') });
    expect(p.state()).toBe('error');
    p.emit('response', { appClientId: 'app', data: {} });
    expect(p.state()).toBe('verified');
    p.emit('error', { appClientId: 'app', error: new Error('x') });
    expect(p.state()).toBe('verified');
  });
});
