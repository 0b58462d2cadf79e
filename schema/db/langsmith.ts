/**
 * Bookkeeping for the LangSmith-compatible run API. Runs themselves become ordinary spans
 * (workers/ingest/langsmith); these tables only remember what the span store cannot
 * answer before the indexer has run:
 * - which run ids were created (a duplicate create gets 409) and in which trace (feedback
 *   and patches that name only a run id find their trace without waiting for indexing);
 * - feedback and patches that arrived before the run they refer to.
 */
import { sqliteTable, text, integer, primaryKey, index } from 'drizzle-orm/sqlite-core';

/**
 * A run created through the LangSmith API: its trace, known from the moment it is accepted.
 * A root run that names a dataset example (`reference_example_id`, what evaluate() and the
 * vitest/jest runners send) also keeps its session (LangSmith project) name and id and the
 * example: that is how an experiment finds its runs (workers/experiments/langsmith-runs.ts).
 */
export const langsmithRuns = sqliteTable(
  'langsmith_runs',
  {
    projectId: text('project_id').notNull(),
    runId: text('run_id').notNull(),
    traceId: text('trace_id').notNull(),
    createdAt: integer('created_at').notNull(),
    sessionName: text('session_name'),
    sessionId: text('session_id'),
    referenceExampleId: text('reference_example_id'),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.runId] }),
    index('langsmith_runs_session_name').on(t.projectId, t.sessionName),
    index('langsmith_runs_session_id').on(t.projectId, t.sessionId),
  ],
);

/** What a pending item is. */
export const LANGSMITH_PENDING_KINDS = ['feedback', 'patch'] as const;

/**
 * Feedback (`body`: the feedback row as JSON) or a run patch (`body`: the R2 key of the
 * patch JSON) naming a run id not created yet. Resolved, then deleted, when the run's
 * create arrives; until then nothing is lost.
 */
export const langsmithPending = sqliteTable(
  'langsmith_pending',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    runId: text('run_id').notNull(),
    kind: text('kind', { enum: LANGSMITH_PENDING_KINDS }).notNull(),
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('langsmith_pending_run').on(t.projectId, t.runId)],
);
