/**
 * Queue message shapes, as zod schemas: producers build them, and every consumer checks
 * each body against its schema before acting on it (a body that does not match is logged
 * and dropped: retrying it could never succeed). Queue messages are <= 128 KB, so they
 * carry pointers (ids, R2 keys), never payloads.
 */
import { z } from 'zod';

const Id = z.string().min(1).max(256);

/** Queue "ingest": one durable R2 batch of normalized spans to index into D1. */
export const IngestMessage = z.object({
  v: z.literal(1),
  project_id: Id,
  /** R2 key of an NDJSON object of NormalizedSpan lines. */
  key: z.string().min(1).max(1024),
  /** Set when the sweeper re-sent it from the ledger (its first message was lost). */
  swept: z.literal(true).optional(),
});
export type IngestMessage = z.infer<typeof IngestMessage>;

/**
 * Queue "evals", sent by the indexer: these traces have an ended root span. Sent with a
 * delay (the quiet period, TRACE_QUIET_SECONDS); on delivery a trace counts as complete
 * only if it was not indexed again since (`updated_at` unchanged), because any later
 * batch for it sent its own message. Each entry is [trace_id, traces.updated_at].
 */
export const TracesCompletedMessage = z.object({
  v: z.literal(1),
  type: z.literal('traces_completed'),
  project_id: Id,
  traces: z.array(z.tuple([Id, z.number()])),
});
export type TracesCompletedMessage = z.infer<typeof TracesCompletedMessage>;

/** Queue "evals": scan the next page of a rule's backfill (its cursor lives in D1, eval_runs). */
export const BackfillMessage = z.object({
  v: z.literal(1),
  type: z.literal('backfill'),
  project_id: Id,
  rule_id: Id,
  run_id: Id,
});
export type BackfillMessage = z.infer<typeof BackfillMessage>;

/**
 * Queue "evals": run one evaluator (its newest version) on one trace, or on one span when
 * `span_id` is set. The score's feedback id is derived from (evaluator, version, trace,
 * span), so a redelivered job overwrites its own score instead of adding one.
 */
export const EvaluateMessage = z.object({
  v: z.literal(1),
  type: z.literal('evaluate'),
  project_id: Id,
  rule_id: Id,
  run_id: Id,
  trace_id: Id,
  evaluator_id: Id,
  span_id: Id.optional(),
});
export type EvaluateMessage = z.infer<typeof EvaluateMessage>;

/** Every message on the "evals" queue. */
export const EvalMessage = z.discriminatedUnion('type', [TracesCompletedMessage, BackfillMessage, EvaluateMessage]);
export type EvalMessage = z.infer<typeof EvalMessage>;

/** Most traces one TracesCompletedMessage carries: ids are <= 128 chars, so 500 stay far under 128 KB. */
export const MAX_TRACES_PER_COMPLETED_MESSAGE = 500;

/**
 * Queue "review": these traces completed, or got feedback or scores, so the project's
 * review routing rules should look at them again. Sent by the ingest consumer (completed
 * traces, after the quiet period) and the feedback writer (every stored feedback, score or
 * review). Matching is idempotent (a trace enters a queue at most once), so redelivery and
 * duplicates are harmless.
 */
export const ReviewRouteMessage = z.object({
  v: z.literal(1),
  type: z.literal('route'),
  project_id: Id,
  reason: z.enum(['completed', 'feedback']),
  trace_ids: z.array(Id),
  /** Epoch ms when the signal was sent (routing latency is measured from here). */
  at: z.number(),
});
export type ReviewRouteMessage = z.infer<typeof ReviewRouteMessage>;

/** Most traces one ReviewRouteMessage carries (ids <= 128 chars: far under 128 KB). */
export const MAX_TRACES_PER_ROUTE_MESSAGE = 500;

/**
 * Queue "experiments": one worker slot of a server-side experiment. The consumer claims the
 * next pending run in D1 (at most the target's concurrency running at once), calls the
 * target, records the run, and sends the slot on. The runs live in D1, so a lost slot is
 * re-driven by the scheduled handler; a duplicate slot finds the concurrency taken and ends.
 */
export const ExperimentSlotMessage = z.object({
  v: z.literal(1),
  type: z.literal('slot'),
  project_id: Id,
  experiment_id: Id,
});
export type ExperimentSlotMessage = z.infer<typeof ExperimentSlotMessage>;

/**
 * Queue "datasets", sent by the evals matcher for a rule with an "add to dataset" action:
 * add these completed, matched traces to the dataset. The example id is derived from
 * (dataset, trace) and an existing one is left alone, so redelivery adds nothing twice.
 */
export const DatasetAddMessage = z.object({
  v: z.literal(1),
  type: z.literal('add_traces'),
  project_id: Id,
  dataset_id: Id,
  rule_id: Id,
  trace_ids: z.array(Id).min(1),
});
export type DatasetAddMessage = z.infer<typeof DatasetAddMessage>;

/** Most traces one DatasetAddMessage carries (ids <= 128 chars: far under 128 KB). */
export const MAX_TRACES_PER_DATASET_MESSAGE = 500;
