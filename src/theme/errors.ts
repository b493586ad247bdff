/** Why the installer refused a theme. Stable: scripts may match on them. */
export type ThemeErrorCode =
  | 'invalid_option'
  | 'theme_not_found'
  | 'not_a_theme'
  | 'json_invalid'
  | 'json_unexpected'
  | 'json_too_deep'
  | 'layout_not_found'
  | 'layout_no_body_end'
  | 'layout_many_body_ends'
  | 'partial_in_use'
  | 'package_incomplete'
  | 'write_failed'
  | 'path_outside_theme'
  | 'path_aliased';

/** An installer error: one clear message naming the file, and a stable code. */
export class ThemeError extends Error {
  readonly code: ThemeErrorCode;
  /** The file or folder the error is about, when there is one. */
  readonly file: string | undefined;

  constructor(code: ThemeErrorCode, message: string, file?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ThemeError';
    this.code = code;
    this.file = file;
  }
}
