/**
 * Bookkeeping for the write-behind ingest path. A batch that keeps failing to index is
 * recorded here (and its R2 object is kept), so nothing acknowledged is silently lost.
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
