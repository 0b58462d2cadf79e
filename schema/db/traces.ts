/**
 * The trace store's index in D1. Full span inputs and outputs live in R2 (NDJSON batch
 * objects); a span row points at its bytes with `input_ref` / `output_ref`
 * ("<r2 key>#<offset>,<length>") so a trace loads with range reads.
 * D1 limits shape this: ~2 MB per row and 10 GB per database, so rows keep previews only.
 */
import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, real, primaryKey, uniqueIndex, index } from 'drizzle-orm/sqlite-core';

/** One span: an LLM call, tool call, retrieval or any step of an agent. */
export const spans = sqliteTable(
  'spans',
  {
    // An implicit integer rowid keys the FTS5 index (spans_fts.rowid = spans.rowid).
    projectId: text('project_id').notNull(),
    traceId: text('trace_id').notNull(),
    spanId: text('span_id').notNull(),
    parentId: text('parent_id'),
    name: text('name'),
    kind: text('kind'),
    /** ok | error | null (unset). */
    status: text('status'),
    error: text('error'),
    /** Epoch milliseconds. */
    startTime: integer('start_time'),
    endTime: integer('end_time'),
    durationMs: integer('duration_ms'),
    model: text('model'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    totalTokens: integer('total_tokens'),
    costUsd: real('cost_usd'),
    /** JSON array of strings. */
    tags: text('tags'),
    /** JSON object. */
    metadata: text('metadata'),
    environment: text('environment'),
    release: text('release'),
    sessionId: text('session_id'),
    userId: text('user_id'),
    inputPreview: text('input_preview'),
    outputPreview: text('output_preview'),
    inputRef: text('input_ref'),
    outputRef: text('output_ref'),
    /** When the indexer last changed this row (epoch ms). */
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('spans_key').on(t.projectId, t.traceId, t.spanId),
    index('spans_project_start').on(t.projectId, t.startTime),
    // Dashboards (workers/monitoring/stats.ts): a trace's LLM calls with every figure the
    // per-model table and the model split read, so they never open a span row. Partial
    // (model IS NOT NULL): only LLM spans pay its write cost; docs/dashboards.md.
    index('spans_trace_model')
      .on(t.projectId, t.traceId, t.model, t.durationMs, t.status, t.inputTokens, t.outputTokens, t.totalTokens, t.costUsd)
      .where(sql`model IS NOT NULL`),
  ],
);

/**
 * Per-trace roll-ups, recomputed from `spans` whenever a batch touches the trace, so
 * the recomputation is idempotent and independent of arrival order.
 */
export const traces = sqliteTable(
  'traces',
  {
    projectId: text('project_id').notNull(),
    traceId: text('trace_id').notNull(),
    rootSpanId: text('root_span_id'),
    /** The root span's name (null until the root arrives). */
    name: text('name'),
    startTime: integer('start_time'),
    endTime: integer('end_time'),
    durationMs: integer('duration_ms'),
    spanCount: integer('span_count').notNull(),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    totalTokens: integer('total_tokens'),
    costUsd: real('cost_usd'),
    /** 1 when any span has status error. */
    hasError: integer('has_error').notNull(),
    /** 1 once the root span has an end time (the trace is complete, modulo late children). */
    rootEnded: integer('root_ended').notNull(),
    environment: text('environment'),
    release: text('release'),
    sessionId: text('session_id'),
    userId: text('user_id'),
    /** JSON array: the union of every span's tags. */
    tags: text('tags'),
    /** JSON object: the root span's metadata. */
    metadata: text('metadata'),
    inputPreview: text('input_preview'),
    outputPreview: text('output_preview'),
    /** Epoch ms of the last indexing that touched this trace (drives "complete after a quiet period"). */
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.traceId] }),
    index('traces_project_start').on(t.projectId, t.startTime, t.traceId),
    index('traces_project_updated').on(t.projectId, t.updatedAt),
    // Dashboards (workers/monitoring/stats.ts): every trace-level figure and split field, so
    // a 30-day chart reads index entries only; a trace row carries previews and metadata and
    // spans several pages, which a scan of 50,000 traces would otherwise read. docs/dashboards.md.
    index('traces_stats').on(t.projectId, t.startTime, t.durationMs, t.hasError, t.totalTokens, t.costUsd, t.release, t.environment, t.name, t.traceId),
    // Threads (traces sharing a session_id): one thread's turns in time order are one range
    // of this index, for GET /v1/threads and the idle-thread evaluator sweep.
    index('traces_project_session').on(t.projectId, t.sessionId, t.startTime),
  ],
);

/**
 * Every R2 batch that holds a line of a trace, written by the indexer with the spans. A
 * span's refs point only at the batch its latest payload came in; a span posted twice, or a
 * patch that carried no payload, leaves lines in batches no ref names. Deletion and
 * retention re-pack every batch listed here, so no copy of a deleted trace stays in R2
 * (and a rebuild from R2 cannot bring it back). docs/lifecycle.md.
 */
export const traceBatches = sqliteTable(
  'trace_batches',
  {
    projectId: text('project_id').notNull(),
    traceId: text('trace_id').notNull(),
    batchKey: text('batch_key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.traceId, t.batchKey] }), index('trace_batches_key').on(t.projectId, t.batchKey)],
);

/** Where a feedback row came from. */
export const FEEDBACK_SOURCES = ['api', 'user', 'human', 'evaluator', 'sdk'] as const;

/**
 * Feedback on a trace or one of its spans: end-user thumbs, reviewer scores, evaluator
 * scores, corrections. `score` is numeric; `value` is any JSON (a category, a label).
 */
export const feedback = sqliteTable(
  'feedback',
  {
    /** Client-made or derived id, unique within the project. */
    id: text('id').notNull(),
    projectId: text('project_id').notNull(),
    traceId: text('trace_id').notNull(),
    spanId: text('span_id'),
    key: text('key').notNull(),
    score: real('score'),
    /** JSON. */
    value: text('value'),
    comment: text('comment'),
    /** JSON: the corrected output. */
    correction: text('correction'),
    source: text('source').notNull(),
    /** Who gave it: a user id, an end-user id, or an evaluator id. */
    author: text('author'),
    evaluatorId: text('evaluator_id'),
    evaluatorVersion: integer('evaluator_version'),
    queueId: text('queue_id'),
    /** JSON object. */
    metadata: text('metadata'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    // (trace, key, score) lets a trace's feedback summary and `feedback.<key>` filters read
    // only this index: without key here, SQLite walked feedback_key over the whole project.
    index('feedback_trace').on(t.projectId, t.traceId, t.key, t.score),
    index('feedback_key').on(t.projectId, t.key, t.score),
    // Dashboards: a trace's scores with their source (evaluator scores vs other feedback), read from the index alone.
    index('feedback_trace_source').on(t.projectId, t.traceId, t.source, t.key, t.score),
    // An evaluator's scores, newest first (GET /v1/evaluators/{id}/scores).
    index('feedback_evaluator').on(t.projectId, t.evaluatorId, t.createdAt),
  ],
);
