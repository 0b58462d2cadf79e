/**
 * Data lifecycle: per-project retention and deletion jobs (workers/lifecycle). Both delete
 * D1 rows (traces, spans, feedback, full-text rows, ledgers) and the R2 bytes behind them.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

/** A project's retention policy; no row = keep forever. */
export const retentionSettings = sqliteTable('retention_settings', {
  projectId: text('project_id').primaryKey(),
  /** 14 | 30 | 90 | 400, or null for forever. */
  days: integer('days'),
  /** Days to keep traces with human feedback or a queue review (null = same as `days`; forever when `days` is null). */
  reviewedDays: integer('reviewed_days'),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * A deletion job: a trace, a filter or a user id. Runs in bounded steps from the cron; the
 * chunk being deleted is stored (`pending`) before any byte goes, so an interrupted step is
 * redone on the same traces and no trace is left half deleted.
 */
export const deletionJobs = sqliteTable(
  'deletion_jobs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    /** trace | filter | user | retention (a retention pass, target = JSON cut-offs) */
    kind: text('kind', { enum: ['trace', 'filter', 'user', 'retention'] }).notNull(),
    /** The trace id, filter text or user id. */
    target: text('target').notNull(),
    /** queued | running | done | failed */
    status: text('status', { enum: ['queued', 'running', 'done', 'failed'] }).notNull(),
    /** JSON array of trace ids of the chunk in progress (null between chunks). */
    pending: text('pending'),
    deletedTraces: integer('deleted_traces').notNull().default(0),
    rewrittenObjects: integer('rewritten_objects').notNull().default(0),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('deletion_jobs_project').on(t.projectId, t.createdAt), index('deletion_jobs_status').on(t.status)],
);
