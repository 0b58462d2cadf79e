/**
 * Dashboard roll-ups (issue 13, docs/dashboards.md): per project, per UTC hour and per UTC
 * day, per split value, the figures a chart shows, recomputed from the traces rows by the
 * writers that change them (indexer, feedback writer, deletions) in their own transaction.
 */
import { sqliteTable, text, integer, real, primaryKey } from 'drizzle-orm/sqlite-core';

/**
 * One roll-up row: the traces started in one hour (`grain` hour) or day (`grain` day) with
 * one value of one split dimension. `dim` is none | release | environment | name | tag |
 * model (trace figures of the traces in that group) or call (the LLM calls, spans with a
 * model, of those traces per model: the per-model table).
 */
export const statsRollups = sqliteTable(
  'stats_rollups',
  {
    projectId: text('project_id').notNull(),
    dim: text('dim').notNull(),
    /** hour | day. */
    grain: text('grain').notNull(),
    /** Start of the hour or day, epoch ms (UTC). */
    bucket: integer('bucket').notNull(),
    /** The split value as JSON (`null`, `"v1"`), so a missing value differs from an empty one. */
    grp: text('grp').notNull(),
    /** Traces (calls for dim call). */
    n: integer('n').notNull(),
    errors: integer('errors').notNull(),
    tokens: real('tokens').notNull(),
    cost: real('cost').notNull(),
    /** dim call only (0 otherwise). */
    inputTokens: real('input_tokens').notNull(),
    outputTokens: real('output_tokens').notNull(),
    /** Latency DDSketch (workers/store/latency-sketch.ts): JSON object bin index -> count. */
    sketch: text('sketch'),
    /** Feedback sums: JSON object `f:<key>` (feedback) / `s:<key>` (evaluator scores) -> [sum, count]. */
    feedback: text('feedback'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.dim, t.grain, t.bucket, t.grp] })],
);

/**
 * Hours whose roll-ups are stale. Writers mark the hours they touch with their own `token`
 * and recompute exactly those in the same transaction; rows with a null token (the
 * migration's backfill) wait for the cron pass, and readers compute them on read meanwhile.
 */
export const statsDirty = sqliteTable(
  'stats_dirty',
  {
    projectId: text('project_id').notNull(),
    hour: integer('hour').notNull(),
    token: text('token'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.hour] })],
);
