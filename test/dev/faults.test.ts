import { describe, expect, it } from 'vitest';
import { DevError } from '../../src/dev/errors.js';
import { DEFAULT_RETRY_AFTER, formatFault, parseFault } from '../../src/dev/faults.js';

describe('fault spellings', () => {
  it.each([
    ['storefront', 'none', { kind: 'none' }],
    ['storefront', 'slow:3', { kind: 'slow', seconds: 3 }],
    ['storefront', '500', { kind: '500' }],
    ['storefront', '429', { kind: '429', seconds: DEFAULT_RETRY_AFTER }],
    ['storefront', '429:7', { kind: '429', seconds: 7 }],
    ['storefront', 'HTML', { kind: 'html' }],
    ['storefront', ' 302 ', { kind: '302' }],
    ['backend', 'slow:0', { kind: 'slow', seconds: 0 }],
    ['backend', '401', { kind: '401' }],
    ['backend', '503:5', { kind: '503', seconds: 5 }],
    ['backend', 'down', { kind: 'down' }],
  ] as const)('%s %j', (side, spelling, fault) => {
    const parsed = parseFault(side, spelling, '--x');
    expect(parsed).toEqual(fault);
    // The panel shows the spelling and sends it back: it must read back as the same fault.
    expect(parseFault(side, formatFault(parsed), '--x')).toEqual(fault);
  });

  it.each([
    [
      'storefront',
      '401',
      /--jwt-fault must be one of none, slow:<s>, 500, 429\[:<s>\], html, 302; got '401'/,
    ],
    ['storefront', 'down', /must be one of/],
    ['backend', 'html', /--jwt-fault must be one of none, slow:<s>, 401, 500, 503\[:<s>\], down/],
    ['backend', 'slow', /slow needs seconds/],
    ['backend', 'slow:x', /seconds must be a whole number/],
    ['backend', 'slow:121', /seconds must be a whole number from 0 to 120/],
    ['storefront', '500:3', /'500' takes no seconds/],
  ] as const)('refuses %s %j with one line naming the flag', (side, spelling, message) => {
    let caught: unknown;
    try {
      parseFault(side, spelling, '--jwt-fault');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DevError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/^--jwt-fault/);
  });
});
