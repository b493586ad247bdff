// The plan/apply core of install and uninstall. Planning reads the theme and prepares every file in memory;
// nothing is written until applyChanges, which checks where every path lands (theme-paths.ts), writes each
// file through a temporary file and a rename, and puts back what it already wrote if a later write fails. The planners of each file kind are beside it:
// config-plan.ts, schema-plan.ts, translations-plan.ts, layout-plan.ts and copies-plan.ts.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ThemeError } from './errors.js';
import { readOptional, type ThemePath } from './theme-files.js';
import { findLeftovers, isInside, realTheme, resolveTargets, tempFileFor } from './theme-paths.js';

/** One file the plan creates, rewrites or deletes. */
export interface FileChange {
  /** Relative to the theme folder, with forward slashes. */
  path: ThemePath;
  action: 'create' | 'update' | 'delete';
  /** The file's bytes now (null when it does not exist yet). */
  before: Buffer | null;
  /** The file's bytes after the change (null when it is deleted). */
  after: Buffer | null;
  /** What changes, one line each, for people. */
  details: string[];
}

export interface Plan {
  /** The theme folder, absolute. */
  themeDir: string;
  changes: FileChange[];
  /** Folders (theme paths) to remove after the changes when they are left empty. */
  removeIfEmpty: ThemePath[];
  /** Worth knowing, for people, changes or not (a setting kept instead of an option's value). */
  notes: string[];
}

/** The bytes of a theme file, or null when it does not exist. */
export function readTheme(themeDir: string, path: ThemePath): Buffer | null {
  return readOptional(join(themeDir, path));
}

/** The change from `before` to `after`, or null when there is none. */
export function change(
  path: ThemePath,
  before: Buffer | null,
  after: Buffer | null,
  details: string[],
): FileChange | null {
  if (before !== null && after !== null && before.equals(after)) return null;
  if (before === null && after === null) return null;
  const action = before === null ? 'create' : after === null ? 'delete' : 'update';
  return { path, action, before, after, details };
}

/** File operations applyChanges uses; tests replace them to make a write fail midway. */
export interface FileSystemOps {
  writeFile(path: string, data: Buffer): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
}

const nodeOps: FileSystemOps = {
  writeFile: (path, data) => writeFileSync(path, data),
  rename: (from, to) => renameSync(from, to),
  unlink: (path) => unlinkSync(path),
};

function writeAtomically(ops: FileSystemOps, path: string, data: Buffer): void {
  const temp = tempFileFor(path, randomBytes(4).toString('hex'));
  try {
    ops.writeFile(temp, data);
    ops.rename(temp, path);
  } catch (error) {
    if (existsSync(temp)) unlinkSync(temp);
    throw error;
  }
}

/**
 * Removes the theme folder `dir` when it is empty, unless a link leads to it or on the way to it: a folder
 * is only ever removed at its own place in the theme.
 */
function removeEmptyDir(root: string, dir: string): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return;
  }
  if (real !== dir || !isInside(root, real)) return;
  if (readdirSync(real).length === 0) rmdirSync(real);
}

/**
 * Writes a plan. Every path is resolved first (a link out of the theme, or two paths that are one file,
 * is a ThemeError before anything is written). Each file goes through a temporary file beside it and a
 * rename; if one fails, the files already changed are put back as they were and the folders created are
 * removed, then a ThemeError is thrown. A process killed midway leaves each file either as it was or as
 * planned, and at most one temporary file (see TEMP_FILE), which the next plan removes.
 */
export function applyChanges(plan: Plan, ops: FileSystemOps = nodeOps): void {
  const root = realTheme(plan.themeDir);
  const targets = resolveTargets(plan.themeDir, plan.changes);
  const done: { change: FileChange; target: string }[] = [];
  const createdDirs: string[] = [];
  const ensureDir = (dir: string): void => {
    if (existsSync(dir)) return;
    ensureDir(dirname(dir));
    mkdirSync(dir);
    createdDirs.push(dir);
  };
  for (const [index, c] of plan.changes.entries()) {
    const file = join(plan.themeDir, c.path);
    const target = targets[index] as string;
    try {
      if (c.after === null) ops.unlink(target);
      else {
        ensureDir(dirname(target));
        writeAtomically(ops, target, c.after);
      }
      done.push({ change: c, target });
    } catch (error) {
      const notRestored: string[] = [];
      for (const { change: undo, target: undoTarget } of done.reverse()) {
        try {
          if (undo.before === null) unlinkSync(undoTarget);
          else {
            mkdirSync(dirname(undoTarget), { recursive: true });
            writeAtomically(nodeOps, undoTarget, undo.before);
          }
        } catch {
          notRestored.push(join(plan.themeDir, undo.path));
        }
      }
      for (const dir of createdDirs.reverse()) {
        try {
          removeEmptyDir(root, dir);
        } catch {
          // A folder that cannot be removed is left; it is empty.
        }
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new ThemeError(
        'write_failed',
        `cannot write ${file}: ${reason}; ${
          notRestored.length === 0
            ? 'the files already written were put back, the theme is unchanged'
            : `could not put back ${notRestored.join(', ')}`
        }`,
        file,
        { cause: error },
      );
    }
  }
  for (const dir of plan.removeIfEmpty) removeEmptyDir(root, join(root, dir));
}

/** Plans the removal of the temporary files a killed run left (see TEMP_FILE). */
export function planLeftoversRemoval(themeDir: string): FileChange[] {
  return findLeftovers(themeDir).flatMap((path) => {
    const c = change(path, readTheme(themeDir, path), null, [
      'remove the temporary file an interrupted install or uninstall left',
    ]);
    return c ? [c] : [];
  });
}
