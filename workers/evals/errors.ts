/**
 * Evaluator errors. An error is never a score: it lands in the run log (or the try-it
 * answer) with a stable code. `retryable` errors (429, 5xx, timeouts, network) are retried
 * with backoff, honouring the provider's Retry-After when it sends one.
 */

/** Stable codes clients can act on. */
export type EvalErrorCode =
  | 'rate_limited'
  | 'provider_unavailable'
  | 'timeout'
  | 'network'
  | 'provider_error'
  | 'malformed_answer'
  | 'missing_variable'
  | 'missing_reference'
  | 'invalid_config'
  | 'trace_not_found'
  | 'spend_cap'
  | 'webhook_error'
  | 'internal';

/** An evaluator could not produce a score. */
export class EvalError extends Error {
  constructor(
    readonly code: EvalErrorCode,
    message: string,
    readonly retryable = false,
    /** When the provider said to come back (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Any thrown value as an EvalError (unknown failures are internal, not retried). */
export function asEvalError(err: unknown): EvalError {
  if (err instanceof EvalError) return err;
  return new EvalError('internal', err instanceof Error ? err.message : String(err));
}
