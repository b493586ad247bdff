import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CurrentCustomerError } from '../../src/client/index.js';
import {
  BASE_DELAY,
  backoff,
  MAX_ATTEMPTS,
  MAX_DELAY,
  MAX_RETRY_AFTER,
  parseRetryAfter,
  retryable,
} from '../../src/client/retry.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('backoff', () => {
  it('full jitter: always an integer from 0 to the exponential cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const delay = backoff(attempt, undefined, () => random);
          const cap = Math.min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(cap);
        },
      ),
    );
  });

  it('the caps double: 1 s, 2 s, 4 s between the 4 attempts', () => {
    expect(MAX_ATTEMPTS).toBe(4);
    expect([1, 2, 3].map((attempt) => backoff(attempt, undefined, () => 0.9999999))).toEqual([
      999, 1999, 3999,
    ]);
  });

  it('Retry-After wins over jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_RETRY_AFTER }),
        fc.integer({ min: 1, max: 4 }),
        (ms, attempt) => {
          expect(backoff(attempt, ms, () => 0.5)).toBe(ms);
        },
      ),
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads delay seconds and HTTP dates, clamps, ignores junk', () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter('3600')).toBe(MAX_RETRY_AFTER);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:05 GMT')).toBe(5000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT')).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('is always undefined or a number from 0 to the cap, for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.nat().map(String),
          fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
        ),
        (value) => {
          const ms = parseRetryAfter(value);
          expect(
            ms === undefined || (Number.isInteger(ms) && ms >= 0 && ms <= MAX_RETRY_AFTER),
          ).toBe(true);
        },
      ),
    );
  });

  it('delay seconds: exactly the seconds in milliseconds, clamped, whitespace around allowed', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.constantFrom('', ' ', '\t', '  '),
        fc.constantFrom('', ' ', '\t'),
        (seconds, before, after) => {
          expect(parseRetryAfter(`${before}${seconds}${after}`)).toBe(
            Math.min(seconds * 1000, MAX_RETRY_AFTER),
          );
        },
      ),
    );
  });

  it('HTTP dates: the time until then, 0 when it has passed, clamped', () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (offsetSeconds) => {
        const date = new Date(Date.now() + offsetSeconds * 1000).toUTCString();
        expect(parseRetryAfter(date)).toBe(
          Math.min(Math.max(offsetSeconds * 1000, 0), MAX_RETRY_AFTER),
        );
      }),
    );
  });

  it('text that is neither delay seconds nor a date is ignored', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(
            fc.string(),
            fc.constantFrom('soon', '1.5', '-5s', 'NaN', 'Infinity', '1e3', '0x10'),
          )
          .filter((v) => !/^\s*\d+\s*$/.test(v) && Number.isNaN(Date.parse(v.trim()))),
        (value) => {
          expect(parseRetryAfter(value)).toBeUndefined();
        },
      ),
    );
  });
});

describe('retryable', () => {
  it.each([
    ['network', undefined, true],
    ['timeout', undefined, true],
    ['storefront_http_429', 429, true],
    ['storefront_http_500', 500, true],
    ['backend_http_503', 503, true],
    ['storefront_http_400', 400, false],
    ['backend_http_401', 401, false],
    ['backend_http_404', 404, false],
    ['aborted', undefined, false],
    ['token_malformed', undefined, false],
  ] as const)('%s: %s', (code, status, expected) => {
    expect(retryable(new CurrentCustomerError(code, code, undefined, status))).toBe(expected);
  });
});
