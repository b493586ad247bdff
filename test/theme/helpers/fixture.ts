// The theme fixture (test/fixtures/theme/, Cornerstone-shaped), copied to a temporary folder before anything
// touches it, and helpers to compare theme folders byte for byte. The real Cornerstone is in ./cornerstone.ts.
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's Cornerstone-shaped theme fixture (read-only: tests copy it). */
export const FIXTURE_THEME = fileURLToPath(new URL('../../fixtures/theme/', import.meta.url));

const made: string[] = [];

/** A fresh temporary copy of the theme fixture (or of `source`). */
export function copyTheme(source: string = FIXTURE_THEME): string {
  const dir = mkdtempSync(join(tmpdir(), 'current-customer-theme-'));
  cpSync(source, dir, { recursive: true });
  made.push(dir);
  return dir;
}

/** An empty temporary folder. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'current-customer-'));
  made.push(dir);
  return dir;
}

/** Removes every folder made by copyTheme and tempDir. */
export function cleanUp(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Every file under `dir` (folders too, with a trailing slash), mapped to its bytes; a symbolic link to the
 * text `link -> <target>`, not followed.
 */
export function snapshot(dir: string): Map<string, Buffer | null> {
  const out = new Map<string, Buffer | null>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      const key = relative(dir, path).split(sep).join('/');
      if (entry.isSymbolicLink()) out.set(key, Buffer.from(`link -> ${readlinkSync(path)}`));
      else if (entry.isDirectory()) {
        out.set(`${key}/`, null);
        walk(path);
      } else out.set(key, readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

/** The paths whose bytes differ between two snapshots (added, removed or changed). */
export function differences(
  a: Map<string, Buffer | null>,
  b: Map<string, Buffer | null>,
): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (!a.has(key) || !b.has(key)) out.push(key);
    else if (x && y && !x.equals(y)) out.push(key);
  }
  return out.sort();
}
