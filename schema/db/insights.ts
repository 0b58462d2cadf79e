/**
 * Insights reports (docs/insights.md). D1 holds each report's row (what it was asked,
 * its status and progress) and its memberships (which traces are in which cluster or
 * pattern: what `insight.<report>=<cluster>` reads). The report itself (~100 KB JSON)
 * and the Workflow's intermediate state (summaries, the fitted model) live in R2 under
 * `insights/<project>/<report>/`.
 */
import { sqliteTable, text, integer, real, primaryKey, index } from 'drizzle-orm/sqlite-core';

export const INSIGHT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type InsightStatus = (typeof INSIGHT_STATUSES)[number];

/** A report: queued, running (with progress), done (its R2 report exists) or failed. */
export const insightReports = sqliteTable(
  'insight_reports',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    status: text('status', { enum: INSIGHT_STATUSES }).notNull(),
    /** The report filter (shared language; '' = every trace). */
    filter: text('filter').notNull(),
    /** What failing means (shared language), or null for the default definition. */
    failureFilter: text('failure_filter'),
    /** Time range (epoch ms) over trace start times, resolved when the report was asked for. */
    since: integer('since'),
    until: integer('until'),
    /** JSON {step, done, total} of the running step. */
    progress: text('progress').notNull(),
    /** Who started it: api (REST, CLI, MCP, UI) or schedule (the cron). */
    source: text('source').notNull(),
    /** Once done: traces, failing traces, and whether traces were sampled (over the cap). */
    traces: integer('traces'),
    failures: integer('failures'),
    /** JSON ReportMethod + which path ran (offline / llm), once done. */
    method: text('method'),
    /** Why it failed. */
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('insight_reports_project_created').on(t.projectId, t.createdAt)],
);

/**
 * A trace in a cluster or pattern of a report. `cluster` is the id the report shows:
 * intent leaves and categories (`c1`, `c1.2`, `none`), failure clusters (`t1`, `r1`,
 * `t-none`, `r-none`) and patterns (`p1`, by rank). Written only under the report's own
 * id, so a new report never touches an older one's rows.
 */
export const insightMembers = sqliteTable(
  'insight_members',
  {
    projectId: text('project_id').notNull(),
    reportId: text('report_id').notNull(),
    cluster: text('cluster').notNull(),
    traceId: text('trace_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.reportId, t.cluster, t.traceId] }), index('insight_members_trace').on(t.projectId, t.traceId)],
);

/** Insights settings of a project: the scheduled report. */
export const insightSchedules = sqliteTable(
  'insight_schedules',
  {
    projectId: text('project_id').notNull().primaryKey(),
    /** daily | weekly | off */
    every: text('every').notNull(),
    filter: text('filter').notNull(),
    failureFilter: text('failure_filter'),
    /** Days of traces each scheduled report reads. */
    windowDays: integer('window_days').notNull(),
    lastRunAt: integer('last_run_at'),
    updatedAt: integer('updated_at').notNull(),
  },
);

/**
 * A tracked pattern: followed until fixed. Its rate is read from later reports (where the
 * pattern is among the ranked ones) and, when it has an equivalent filter, from the traces
 * themselves per release. Fixed once its failure rate stays below `threshold`.
 */
export const insightTracked = sqliteTable(
  'insight_tracked',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    reportId: text('report_id').notNull(),
    patternKey: text('pattern_key').notNull(),
    label: text('label').notNull(),
    /** The equivalent filter, or null (then only later reports measure it). */
    filter: text('filter'),
    failureFilter: text('failure_filter'),
    /** Failure rate under which it counts as fixed (default: the report's base rate). */
    threshold: real('threshold').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);
