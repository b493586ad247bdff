// A theme that follows its files: on every page load the emulator compares the size and modification time
// of every file the theme is read from (config.json, templates/, lang/, the drop-in file) with the last
// load, and re-reads and recompiles the theme when any changed. No file watcher: an edit shows on the next
// load, and a theme that stopped compiling shows its error until the next edit fixes it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createThemeRenderer, type ThemeRenderer } from './renderer.js';
import type { Theme } from './theme.js';

export interface LoadedTheme {
  theme: Theme;
  renderer: ThemeRenderer;
}

export interface LiveTheme {
  /** The theme as its files are now: reloaded first when one changed since the last call. */
  current(): Promise<LoadedTheme>;
  /** The last theme that loaded (what the startup output and the panel describe). */
  readonly last: LoadedTheme;
}

/** One line per file under `paths` (recursively): path, size and modification time in nanoseconds. */
export function fileSignature(paths: readonly string[]): string {
  const lines: string[] = [];
  const visit = (path: string): void => {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path, { bigint: true });
    } catch {
      lines.push(`${path} missing`);
      return;
    }
    if (stats.isDirectory()) {
      lines.push(`${path}/`);
      for (const name of readdirSync(path).sort()) visit(join(path, name));
    } else {
      lines.push(`${path} ${stats.size} ${stats.mtimeNs}`);
    }
  };
  for (const path of paths) visit(path);
  return lines.join('\n');
}

/**
 * Loads the theme now (a `DevError` for one that is not a theme or does not compile), and again on a later
 * `current()` when its files changed. `onReload` hears of every successful reload.
 */
export async function createLiveTheme(
  load: () => Theme,
  onReload: (theme: Theme) => void = () => {},
): Promise<LiveTheme> {
  const first = load();
  let signature = fileSignature(first.watch);
  let last: LoadedTheme = { theme: first, renderer: await createThemeRenderer(first) };
  let reloading: Promise<LoadedTheme> | undefined;

  const reload = async (next: string): Promise<LoadedTheme> => {
    const theme = load();
    const loaded = { theme, renderer: await createThemeRenderer(theme) };
    signature = next;
    last = loaded;
    onReload(theme);
    return loaded;
  };

  return {
    get last() {
      return last;
    },
    current() {
      if (reloading) return reloading;
      const now = fileSignature(last.theme.watch);
      if (now === signature) return Promise.resolve(last);
      reloading = reload(now).finally(() => {
        reloading = undefined;
      });
      return reloading;
    },
  };
}
