/**
 * Bookkeeping for the write-behind ingest path. Every acknowledged batch is in the ledger
 * until it is indexed (the sweeper re-enqueues what a lost queue message left behind), and
 * a batch that keeps failing to index is recorded (its R2 object is kept), so nothing
 * acknowledged is silently lost.
 */
import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';

/** An R2 span batch whose indexing failed at least once. */
export const ingestFailures = sqliteTable(
  'ingest_failures',
  {
    /** The R2 key of the batch. */
    key: text('key').primaryKey(),
    projectId: text('project_id').notNull(),
    attempts: integer('attempts').notNull(),
    lastError: text('last_error'),
    failedAt: integer('failed_at').notNull(),
    /** Set when the batch reached the dead-letter queue (retries exhausted). */
    deadAt: integer('dead_at'),
  },
  (t) => [index('ingest_failures_project').on(t.projectId)],
);

/**
 * The ledger of acknowledged batches not yet indexed: written before the 202, deleted once
 * the indexer committed the batch. A queue message can be lost (a killed `wrangler dev`
 * drops local queues; deployed, a delivery can exhaust its retries), but a row here stays
 * until its batch is in D1, and the sweeper (workers/store/sweeper.ts) re-enqueues rows
 * older than a minute. Small by design: only in-flight batches are in it.
 */
export const ingestBatches = sqliteTable(
  'ingest_batches',
  {
    /** The R2 key of the batch. */
    key: text('key').primaryKey(),
    projectId: text('project_id').notNull(),
    spans: integer('spans').notNull(),
    createdAt: integer('created_at').notNull(),
    /** When it was last put on the ingest queue (by the ingest route, then by the sweeper). */
    enqueuedAt: integer('enqueued_at').notNull(),
    /** How many times the sweeper re-enqueued it. */
    sweeps: integer('sweeps').notNull().default(0),
  },
  (t) => [index('ingest_batches_enqueued').on(t.enqueuedAt)],
);

/**
 * The ledger of "look at this trace" signals not yet handled: a trace completed (channel
 * `evals`: match it against the evaluation rules) or completed/got feedback (channel
 * `review`: match it against the routing rules). Written before the message is sent,
 * deleted by the consumer once handled; the sweeper re-sends rows overdue by a minute, so a
 * delayed message lost in a crash still gets its trace evaluated and routed. One row per
 * (project, channel, trace): a newer signal for the same trace moves `updated_at` and
 * `due_at` forward, and only a consumer that saw that newer state clears it.
 */
export const traceSignals = sqliteTable(
  'trace_signals',
  {
    projectId: text('project_id').notNull(),
    channel: text('channel', { enum: ['evals', 'review'] }).notNull(),
    traceId: text('trace_id').notNull(),
    /** evals: the trace's `updated_at` the signal was for; review: when it was sent. */
    updatedAt: integer('updated_at').notNull(),
    /** When the message is delivered at the earliest (sent with the quiet period as delay). */
    dueAt: integer('due_at').notNull(),
    sweeps: integer('sweeps').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.channel, t.traceId] }), index('trace_signals_due').on(t.dueAt)],
);
