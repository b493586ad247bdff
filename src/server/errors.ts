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
  | 'store_not_allowed';

/**
 * Thrown (as a rejected promise) by the verifier for every token it refuses, and for nothing else.
 * The message describes the rule that failed; it never contains the secret or the token.
 */
export class CurrentCustomerTokenError extends Error {
  override readonly name = 'CurrentCustomerTokenError';
  /** The stable reason code. */
  readonly code: CurrentCustomerTokenErrorCode;
  /** For `claim_invalid` (and the time checks): the name of the claim that failed, such as `aud`. */
  readonly claim: string | undefined;

  constructor(code: CurrentCustomerTokenErrorCode, message: string, claim?: string) {
    super(message);
    this.code = code;
    this.claim = claim;
  }
}
