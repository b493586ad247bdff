/**
 * Why a Current Customer token was refused. The codes are stable: apps may branch on them, and the request
 * handler sends them to the browser as `{"error": "<code>"}`.
 */
export type CurrentCustomerTokenErrorCode =
  | 'token_missing'
  | 'token_malformed'
  | 'signature_invalid'
  | 'algorithm_not_allowed'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'claim_invalid'
  | 'store_not_allowed'
  | 'store_lookup_failed';

/** `Error` with V8's (and JavaScriptCore's) `stackTraceLimit`, which the standard library's types lack. */
const ErrorWithLimit = Error as ErrorConstructor & { stackTraceLimit?: number };

/** False where the runtime (or a frozen realm) does not let `Error.stackTraceLimit` be set. */
const STACK_LIMIT_WRITABLE =
  Object.getOwnPropertyDescriptor(ErrorWithLimit, 'stackTraceLimit')?.writable === true;

/**
 * Thrown (as a rejected promise) by the verifier for every token it does not accept, and for nothing else.
 * The message describes the rule that failed; it never contains the secret or the token.
 * `store_lookup_failed` is the one code that is not about the token: the app's store lookup threw or rejected
 * (that error is the `cause`), so the token could be neither accepted nor refused; the handler answers 503.
 */
export class CurrentCustomerTokenError extends Error {
  override readonly name = 'CurrentCustomerTokenError';
  /** The stable reason code. */
  readonly code: CurrentCustomerTokenErrorCode;
  /** For `claim_invalid` (and the time and store checks): the name of the claim that failed, such as `aud`. */
  readonly claim: string | undefined;

  constructor(
    code: CurrentCustomerTokenErrorCode,
    message: string,
    claim?: string,
    options?: { cause?: unknown },
  ) {
    // A refusal is a verdict on a token, not a fault in the program: its stack would show only the verifier's own
    // frames, and capturing it cost about 14 µs a refused token under load on Node 20 (npm run bench:load), more
    // than the rest of the request, which made a refused token dearer to serve than a valid one. So no stack is
    // captured, as Node does for its own internal errors: the limit is 0 for the construction only.
    const limit = ErrorWithLimit.stackTraceLimit;
    if (STACK_LIMIT_WRITABLE) ErrorWithLimit.stackTraceLimit = 0;
    super(message, options);
    if (STACK_LIMIT_WRITABLE) ErrorWithLimit.stackTraceLimit = limit;
    this.code = code;
    this.claim = claim;
  }
}

/** The prefix of every message this entry writes for the app's developer (configuration errors, logs). */
export const MESSAGE_PREFIX = 'stencil-current-customer/server: ';

/** A configuration mistake, thrown when the verifier, handler or adapter is created, never per request. */
export function configError(message: string): TypeError {
  return new TypeError(`${MESSAGE_PREFIX}${message}`);
}

/** The longest given value quoted in a configuration message; longer ones are cut. */
const QUOTED_LENGTH = 60;

/**
 * What was given for an option, for a configuration message: its type, and its value for a short string, number
 * or boolean when `showValue` (never for a secret).
 */
export function describeGiven(value: unknown, showValue = true): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (value === '') return 'an empty string';
    if (!showValue) return 'a string';
    const quoted = JSON.stringify(
      value.length > QUOTED_LENGTH ? `${value.slice(0, QUOTED_LENGTH)}…` : value,
    );
    return `the string ${quoted}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return showValue ? `the ${typeof value} ${String(value)}` : `a ${typeof value}`;
  }
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The configuration problems found while reading options, each naming its option: every problem is collected,
 * then thrown at once as one TypeError, so a developer fixes them in one pass.
 */
export class ConfigProblems {
  readonly #problems: string[] = [];

  /** Records a problem; returns undefined, for `return problems.add(…)` in a reader. */
  add(problem: string): undefined {
    this.#problems.push(problem);
    return undefined;
  }

  /** Throws one TypeError listing every problem recorded, if there is any. */
  throwIfAny(): void {
    const problems = this.#problems;
    if (problems.length === 0) return;
    if (problems.length === 1) throw configError(problems[0] as string);
    throw configError(
      `${problems.length} configuration problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
}
