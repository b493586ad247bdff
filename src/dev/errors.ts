/**
 * A problem the developer can fix (a bad flag, a folder that is not a theme, a port in use). The dev command
 * prints its message as one line and exits non-zero; anything else is a bug and keeps its stack.
 */
export class DevError extends Error {
  override readonly name = 'DevError';
}
