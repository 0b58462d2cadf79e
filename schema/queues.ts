/** Queue message shapes. Queue messages are <= 128 KB, so they carry pointers, not payloads. */

/** Queue "ingest": one durable R2 batch of normalized spans to index into D1. */
export interface IngestMessage {
  v: 1;
  project_id: string;
  /** R2 key of an NDJSON object of NormalizedSpan lines. */
  key: string;
}

/**
 * Queue "evals", sent by the indexer: these traces have an ended root span. Sent with a
 * delay (the quiet period, TRACE_QUIET_SECONDS); on delivery a trace counts as complete
 * only if it was not indexed again since (`updated_at` unchanged), because any later
 * batch for it sent its own message. Each entry is [trace_id, traces.updated_at].
 */
export interface TracesCompletedMessage {
  v: 1;
  type: 'traces_completed';
  project_id: string;
  traces: [string, number][];
}

/** Queue "evals": scan the next page of a rule's backfill (its cursor lives in D1, eval_runs). */
export interface BackfillMessage {
  v: 1;
  type: 'backfill';
  project_id: string;
  rule_id: string;
  run_id: string;
}

/**
 * Queue "evals": run one evaluator (its newest version) on one trace, or on one span when
 * `span_id` is set. The score's feedback id is derived from (evaluator, version, trace,
 * span), so a redelivered job overwrites its own score instead of adding one.
 */
export interface EvaluateMessage {
  v: 1;
  type: 'evaluate';
  project_id: string;
  rule_id: string;
  run_id: string;
  trace_id: string;
  evaluator_id: string;
  span_id?: string;
}

/** Every message on the "evals" queue. */
export type EvalMessage = TracesCompletedMessage | BackfillMessage | EvaluateMessage;

/** Most traces one TracesCompletedMessage carries: ids are <= 128 chars, so 500 stay far under 128 KB. */
export const MAX_TRACES_PER_COMPLETED_MESSAGE = 500;

/**
 * Queue "review": these traces completed, or got feedback or scores, so the project's
 * review routing rules should look at them again. Sent by the evals consumer (completed
 * traces, evaluator scores), POST /v1/feedback and the review hub's own writes. Matching is
 * idempotent (a trace enters a queue at most once), so redelivery and duplicates are harmless.
 */
export interface ReviewRouteMessage {
  v: 1;
  type: 'route';
  project_id: string;
  reason: 'completed' | 'feedback';
  trace_ids: string[];
  /** Epoch ms when the signal was sent (routing latency is measured from here). */
  at: number;
}

/** Most traces one ReviewRouteMessage carries (ids <= 128 chars: far under 128 KB). */
export const MAX_TRACES_PER_ROUTE_MESSAGE = 500;
