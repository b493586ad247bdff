// The files copied as they are: the partials, the built drop-in file and the list add-on (with their source maps).
import { DROP_IN_FILE, LIST_ADD_ON_FILE } from '../paths.js';
import { change, type FileChange, readTheme } from './plan.js';
import type { PackageFiles } from './theme-files.js';

/** Plans the copies for install: each file created, or replaced when it differs from this package's. */
export function planCopies(themeDir: string, pkg: PackageFiles): FileChange[] {
  const out: FileChange[] = [];
  for (const [path, bytes] of pkg.files) {
    const before = readTheme(themeDir, path);
    const what =
      path === DROP_IN_FILE
        ? 'the drop-in file'
        : path === LIST_ADD_ON_FILE
          ? 'the list add-on'
          : path.endsWith('.map')
            ? 'its source map'
            : 'partial';
    const c = change(path, before, bytes, [
      before === null ? `copy ${what}` : `replace ${what} with this package's version`,
    ]);
    if (c) out.push(c);
  }
  return out;
}

/** Plans the copies for uninstall: each file this package ships is deleted. */
export function planCopiesRemoval(themeDir: string, pkg: PackageFiles): FileChange[] {
  return [...pkg.files.keys()].flatMap((path) => {
    const c = change(path, readTheme(themeDir, path), null, ['delete']);
    return c ? [c] : [];
  });
}
