/**
 * Bookkeeping for the write-behind ingest path. Every acknowledged batch is in the ledger
 * until it is indexed (the sweeper re-enqueues what a lost queue message left behind), and
 * a batch that keeps failing to index is recorded (its R2 object is kept), so nothing
 * acknowledged is silently lost.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

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
