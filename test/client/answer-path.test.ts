// Reading the backend's answer by a dot path: own properties only, text only from strings, numbers and booleans.
import { describe, expect, it } from 'vitest';
import { textAt, valueAt } from '../../src/client/answer-path.js';

const ANSWER = {
  greeting: 'Jane',
  points: 0,
  member: false,
  tier: { name: 'Gold', next: null },
  products: [{ name: 'Mug' }],
};

describe('valueAt', () => {
  it('follows a dot path through objects and arrays', () => {
    expect(valueAt(ANSWER, 'tier.name')).toBe('Gold');
    expect(valueAt(ANSWER, 'products')).toBe(ANSWER.products);
    expect(valueAt(ANSWER, 'products.0.name')).toBe('Mug');
  });

  it.each([
    'constructor',
    '__proto__',
    'toString',
    'tier.hasOwnProperty',
    'products.length.toFixed',
  ])('finds nothing that is not an own property: %s', (path) => {
    expect(valueAt(ANSWER, path)).toBeUndefined();
  });

  it('finds nothing past a null, a string or a missing key', () => {
    expect(valueAt(ANSWER, 'tier.next.name')).toBeUndefined();
    expect(valueAt(ANSWER, 'greeting.length')).toBeUndefined();
    expect(valueAt(ANSWER, 'missing.name')).toBeUndefined();
    expect(valueAt(null, 'a')).toBeUndefined();
  });
});

describe('textAt', () => {
  it('gives strings, numbers and booleans as text, falsy ones included', () => {
    expect(textAt(ANSWER, 'greeting')).toBe('Jane');
    expect(textAt(ANSWER, 'points')).toBe('0');
    expect(textAt(ANSWER, 'member')).toBe('false');
    expect(textAt('plain text', '')).toBeUndefined();
  });

  it('gives nothing for objects, arrays, null and missing values', () => {
    expect(textAt(ANSWER, 'tier')).toBeUndefined();
    expect(textAt(ANSWER, 'products')).toBeUndefined();
    expect(textAt(ANSWER, 'tier.next')).toBeUndefined();
    expect(textAt(ANSWER, 'nope')).toBeUndefined();
  });
});
