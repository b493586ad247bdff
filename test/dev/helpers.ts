// Shared by the emulator tests: a theme folder written for the test (the demo theme plus the package's
// partials, as `install` leaves them, without or with the drop-in file) and a log in over HTTP.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DROP_IN_FILE, PARTIAL_DIR, packageRoot } from '../../src/paths.js';

export interface TempTheme {
  dir: string;
  remove(): void;
}

/** A copy of the demo theme with the partials installed; `withDropIn` also copies the built drop-in file. */
export function tempTheme(withDropIn: boolean): TempTheme {
  const root = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), 'emulator-theme-'));
  cpSync(join(root, 'src', 'dev', 'demo-theme'), dir, { recursive: true });
  cpSync(join(root, PARTIAL_DIR), join(dir, PARTIAL_DIR), { recursive: true });
  if (withDropIn) {
    mkdirSync(dirname(join(dir, DROP_IN_FILE)), { recursive: true });
    cpSync(join(root, DROP_IN_FILE), join(dir, DROP_IN_FILE));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Logs in at `storefrontUrl` as `customer` (default: the first demo customer); returns the cookie. */
export async function logIn(storefrontUrl: string, customer?: number): Promise<string> {
  const response = await fetch(new URL('/login', storefrontUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(customer ? { customer: String(customer) } : {}),
  });
  if (response.status !== 303) throw new Error(`log in answered ${response.status}`);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
}
