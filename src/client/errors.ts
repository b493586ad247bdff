/** Stable error codes: match on `code`, not on `message`. */
export type CurrentCustomerErrorCode =
  | 'config_invalid'
  | 'token_malformed'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'customer_changed'
  | `storefront_http_${number}`
  | `backend_http_${number}`;

/** Every failure the module reports, as an `error` event or a rejected promise, is one of these. */
export class CurrentCustomerError extends Error {
  /** Stable machine-readable code. */
  declare readonly code: CurrentCustomerErrorCode;
  /** The HTTP status, for `*_http_*` codes. */
  declare readonly status?: number;
  /** Milliseconds the server asked to wait (its `Retry-After`), if it did. */
  declare readonly retryAfter?: number;

  /** The message defaults to the code, which says it all for every code but `config_invalid`. */
  constructor(
    code: CurrentCustomerErrorCode,
    message: string = code,
    cause?: unknown,
    status?: number,
    retryAfter?: number,
  ) {
    super(message, { cause });
    this.name = 'CurrentCustomerError';
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}
