/**
 * Evaluator errors. An error is never a score: it lands in the run log (or the try-it
 * answer) with a stable code. `retryable` errors (429, 5xx, timeouts, network) are retried
 * with backoff, honouring the provider's Retry-After when it sends one.
 */

import { OutboundError, type OutboundErrorCode } from '../platform/outbound.ts';

/** Stable codes clients can act on: an outbound call's (provider, webhook) and the evaluator's own. */
export type EvalErrorCode =
  | OutboundErrorCode
  | 'missing_variable'
  | 'missing_reference'
  | 'invalid_config'
  | 'trace_not_found'
  | 'spend_cap'
  | 'webhook_error'
  | 'internal';

/** An evaluator could not produce a score. */
export class EvalError extends OutboundError {
  declare readonly code: EvalErrorCode;
  constructor(code: EvalErrorCode, message: string, retryable = false, retryAfterMs?: number) {
    super(code, message, retryable, retryAfterMs);
  }
}

/** Any thrown value as an EvalError: a failed provider or webhook call keeps its code; unknown failures are internal, not retried. */
export function asEvalError(err: unknown): EvalError {
  if (err instanceof EvalError) return err;
  if (err instanceof OutboundError) return new EvalError(err.code as EvalErrorCode, err.message, err.retryable, err.retryAfterMs);
  return new EvalError('internal', err instanceof Error ? err.message : String(err));
}
