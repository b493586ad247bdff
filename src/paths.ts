import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'stencil-current-customer';

/**
 * The package's root folder, found by walking up from this module. It is the same whether the code runs
 * from `src/` (tests) or from the bundled `dist/` (the installed CLI).
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === PACKAGE_NAME) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${from}`);
    dir = parent;
  }
}

/** The theme partials that the installer copies: `templates/components/current-customer/`. */
export const PARTIAL_DIR = 'templates/components/current-customer';
/** The built drop-in file, relative to a theme's (and this package's) root. */
export const DROP_IN_FILE = 'assets/current-customer/current-customer.min.js';
/** The built list add-on (loaded by the list-script partial only where a theme shows a list). */
export const LIST_ADD_ON_FILE = 'assets/current-customer/current-customer-list.min.js';
/** The built files the installer copies into a theme's assets, each with its source map when built. */
export const BUILT_FILES = [DROP_IN_FILE, LIST_ADD_ON_FILE] as const;
