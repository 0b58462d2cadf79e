/**
 * One call of a server-side experiment's target: POST the example's inputs as JSON (the
 * same body `loupe experiments run --endpoint` sends), signed like Loupe's webhooks:
 * `x-loupe-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * `x-loupe-delivery` is stable across retries of one run, for deduplication, and
 * `traceparent` names the run's trace so an instrumented endpoint's spans join it.
 * No retries here: the queue retries with backoff (experiments/target-slots.ts).
 */
import { retryAfterMs, isRetryableStatus, errorMessageOf, readBoundedText, MAX_RESPONSE_BYTES, OutboundError } from '../platform/outbound.ts';
import { redact } from '../platform/secrets.ts';
import { signedHeaders } from '../platform/webhook-signature.ts';

/** What the call needs to know. */
export interface TargetRequest {
  url: string;
  secret: string | null;
  headers: Record<string, string>;
  timeoutMs: number;
  experimentId: string;
  exampleId: string;
  repetition: number;
  traceId: string;
  inputs: unknown;
}

/** The answer: an output, or an error that may be worth another attempt. */
export type TargetOutcome =
  | { ok: true; output: unknown; latencyMs: number }
  | { ok: false; error: string; retryable: boolean; retryAfterMs?: number; latencyMs: number };

/** Calls the target once. Never throws. */
export async function callTarget(r: TargetRequest): Promise<TargetOutcome> {
  const body = JSON.stringify(r.inputs ?? null);
  const headers: Record<string, string> = {
    ...r.headers,
    ...(await signedHeaders(r.secret, body, `${r.experimentId}:${r.exampleId}:${r.repetition}`, 'Loupe-Experiment/1')),
    'x-loupe-experiment-id': r.experimentId,
    'x-loupe-example-id': r.exampleId,
    'x-loupe-repetition': String(r.repetition),
    traceparent: `00-${r.traceId}-${r.traceId.slice(0, 16)}-01`,
  };
  const host = new URL(r.url).host;
  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(r.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(r.timeoutMs) });
  } catch (err) {
    const latencyMs = Date.now() - started;
    const name = (err as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: `the target (${host}) did not answer within ${r.timeoutMs} ms`, retryable: true, latencyMs };
    return { ok: false, error: redact(`the target (${host}) could not be reached: ${(err as Error)?.message ?? err}`, [r.secret]), retryable: true, latencyMs };
  }
  let text: string;
  try {
    text = await readBoundedText(res, res.ok ? MAX_RESPONSE_BYTES : 64 * 1024, `the target (${host})`);
  } catch (err) {
    // Too large is the target's answer, not a passing fault: recorded, not retried.
    if (err instanceof OutboundError) return { ok: false, error: err.message, retryable: false, latencyMs: Date.now() - started };
    text = '';
  }
  const latencyMs = Date.now() - started;
  if (!res.ok) {
    const error = redact(`the target (${host}) answered ${res.status}: ${errorMessageOf(text)}`, [r.secret]);
    return { ok: false, error, retryable: isRetryableStatus(res.status), retryAfterMs: retryAfterMs(res.headers), latencyMs };
  }
  try {
    return { ok: true, output: JSON.parse(text), latencyMs };
  } catch {
    return { ok: false, error: `the target (${host}) answered ${res.status} without JSON: ${text.slice(0, 200) || '(empty body)'}`, retryable: false, latencyMs };
  }
}
