// Faults the emulator can inject, on each side of the flow, to try what the browser module does when the
// storefront or the app backend misbehaves. Set from flags at start and from the demo panel while running.
import { DevError } from './errors.js';

/** What `/customer/current.jwt` does instead of answering normally. */
export type StorefrontFault =
  | { kind: 'none' }
  /** Answers normally, `seconds` late. */
  | { kind: 'slow'; seconds: number }
  | { kind: '500' }
  /** `429 Too Many Requests` with `Retry-After: <seconds>`. */
  | { kind: '429'; seconds: number }
  /** `200` with an HTML login page instead of a token (a session the platform no longer accepts). */
  | { kind: 'html' }
  /** `302` to the login page, which answers `200` with HTML. */
  | { kind: '302' };

/** What the demo backend does instead of verifying the token. */
export type BackendFault =
  | { kind: 'none' }
  /** Verifies normally, `seconds` late. */
  | { kind: 'slow'; seconds: number }
  /** Refuses every token: `401 {"error":"signature_invalid"}`. */
  | { kind: '401' }
  | { kind: '500' }
  /** `503 Service Unavailable` with `Retry-After: <seconds>`. */
  | { kind: '503'; seconds: number }
  /** Not listening: connection refused. */
  | { kind: 'down' };

export type FaultSide = 'storefront' | 'backend';

export interface Faults {
  storefront: StorefrontFault;
  backend: BackendFault;
}

/** The spellings each side accepts (`<s>`: whole seconds), for help texts and errors. */
export const FAULT_SPELLINGS: Record<FaultSide, readonly string[]> = {
  storefront: ['none', 'slow:<s>', '500', '429[:<s>]', 'html', '302'],
  backend: ['none', 'slow:<s>', '401', '500', '503[:<s>]', 'down'],
};

/** Seconds a `Retry-After` says when the spelling gives none. */
export const DEFAULT_RETRY_AFTER = 2;
/** The longest `slow:<s>` and `Retry-After`. */
export const MAX_FAULT_SECONDS = 120;

function seconds(name: string, raw: string | undefined, fallback: number | undefined): number {
  if (raw === undefined || raw === '') {
    if (fallback === undefined) throw new DevError(`${name}: slow needs seconds, e.g. slow:3`);
    return fallback;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > MAX_FAULT_SECONDS) {
    throw new DevError(
      `${name}: seconds must be a whole number from 0 to ${MAX_FAULT_SECONDS}, got '${raw}'`,
    );
  }
  return value;
}

/** Parses `none`, `slow:3`, `429:5`, ... for one side; `name` (the flag or variable) starts any error. */
export function parseFault(side: 'storefront', raw: string, name: string): StorefrontFault;
export function parseFault(side: 'backend', raw: string, name: string): BackendFault;
export function parseFault(
  side: FaultSide,
  raw: string,
  name: string,
): StorefrontFault | BackendFault;
export function parseFault(
  side: FaultSide,
  raw: string,
  name: string,
): StorefrontFault | BackendFault {
  const text = raw.trim().toLowerCase();
  const colon = text.indexOf(':');
  const kind = colon === -1 ? text : text.slice(0, colon);
  const arg = colon === -1 ? undefined : text.slice(colon + 1);
  const plain = (k: string) => {
    if (arg !== undefined) throw new DevError(`${name}: '${k}' takes no seconds, got '${raw}'`);
  };
  if (kind === 'none' || kind === '') {
    plain('none');
    return { kind: 'none' };
  }
  if (kind === 'slow') return { kind: 'slow', seconds: seconds(name, arg, undefined) };
  if (side === 'storefront') {
    if (kind === '429') return { kind: '429', seconds: seconds(name, arg, DEFAULT_RETRY_AFTER) };
    if (kind === '500' || kind === 'html' || kind === '302') {
      plain(kind);
      return { kind };
    }
  } else {
    if (kind === '503') return { kind: '503', seconds: seconds(name, arg, DEFAULT_RETRY_AFTER) };
    if (kind === '401' || kind === '500' || kind === 'down') {
      plain(kind);
      return { kind };
    }
  }
  throw new DevError(`${name} must be one of ${FAULT_SPELLINGS[side].join(', ')}; got '${raw}'`);
}

/** The spelling `parseFault` reads back: `slow:3`, `429:2`, `none`. */
export function formatFault(fault: StorefrontFault | BackendFault): string {
  return 'seconds' in fault ? `${fault.kind}:${fault.seconds}` : fault.kind;
}

/** Resolves after `seconds`; used by both sides' `slow`. */
export const delay = (seconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, seconds * 1000));
