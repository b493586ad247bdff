// Faults of the emulated store API (store-api.ts): what the app backend meets when BigCommerce's REST API is
// slow, rate-limited, failing or unreachable. Spelled like the other faults (`slow:3`, `429:2`).
import { DevError } from './errors.js';
import { DEFAULT_RETRY_AFTER, MAX_FAULT_SECONDS } from './faults.js';

export type StoreApiFault =
  | { kind: 'none' }
  /** Answers normally, `seconds` late. */
  | { kind: 'slow'; seconds: number }
  /**
   * The store's quota is used up (by other apps sharing it) for `seconds` from the next request on: `429`
   * with `X-Rate-Limit-Time-Reset-Ms` until then, normal answers after.
   */
  | { kind: '429'; seconds: number }
  /** `500` with the API's error body. */
  | { kind: '500' }
  /** The connection drops before any answer (a network failure for the caller). */
  | { kind: 'down' };

export const STORE_API_FAULT_SPELLINGS: readonly string[] = [
  'none',
  'slow:<s>',
  '429[:<s>]',
  '500',
  'down',
];

/** Parses `none`, `slow:3`, `429:2`, `500`, `down`; `name` (the flag or variable) starts any error. */
export function parseStoreApiFault(raw: string, name: string): StoreApiFault {
  const text = raw.trim().toLowerCase();
  const [kind, arg] = text.includes(':') ? text.split(':', 2) : [text, undefined];
  const seconds = (fallback: number | undefined): number => {
    if (arg === undefined || arg === '') {
      if (fallback === undefined) throw new DevError(`${name}: slow needs seconds, e.g. slow:3`);
      return fallback;
    }
    if (!/^\d+$/.test(arg) || Number(arg) > MAX_FAULT_SECONDS) {
      throw new DevError(
        `${name}: seconds must be a whole number from 0 to ${MAX_FAULT_SECONDS}, got '${arg}'`,
      );
    }
    return Number(arg);
  };
  if (kind === 'slow') return { kind, seconds: seconds(undefined) };
  if (kind === '429') return { kind, seconds: seconds(DEFAULT_RETRY_AFTER) };
  if (kind === 'none' || kind === '' || kind === '500' || kind === 'down') {
    if (arg !== undefined) throw new DevError(`${name}: '${kind}' takes no seconds, got '${raw}'`);
    return kind === '' ? { kind: 'none' } : { kind };
  }
  throw new DevError(
    `${name} must be one of ${STORE_API_FAULT_SPELLINGS.join(', ')}; got '${raw}'`,
  );
}

/** The spelling `parseStoreApiFault` reads back. */
export const formatStoreApiFault = (fault: StoreApiFault): string =>
  'seconds' in fault ? `${fault.kind}:${fault.seconds}` : fault.kind;
