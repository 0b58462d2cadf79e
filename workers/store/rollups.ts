/**
 * Dashboard roll-ups (schema/db/rollups.ts, docs/dashboards.md): the SQL that recomputes
 * the roll-up rows of stale hours, shared by every writer that changes what a chart shows
 * (the indexer, the feedback writer, deletions) and by the cron pass for the migration's
 * backfill. Each writer marks the hours it touches in stats_dirty with its own token and
 * appends `recomputeStatements` to its D1 batch, so the roll-ups change in the same
 * transaction as the rows they summarise.
 *
 * Hours are recomputed from the traces rows (and their model spans and feedback), never
 * incremented: a late span that moves a trace's start into an earlier hour, a span posted
 * again with another status, feedback added later and deletions all come out right because
 * the old hour and the new hour are both marked and both rebuilt from what is stored.
 */
import { binSql } from './latency-sketch.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The split dimensions kept as roll-ups; `call` is the per-model table (LLM calls per model). */
export const ROLLUP_DIMS = ['none', 'release', 'environment', 'name', 'tag', 'model', 'call'] as const;
export type RollupDim = (typeof ROLLUP_DIMS)[number];

// CROSS JOIN fixes SQLite's join order (the left table outer): without it the planner may walk
// every feedback row or trace of the project and probe the few touched ones, not the reverse.

/** Every dimension, as SQL, so statements on stats_rollups can seek its primary key (project_id, dim, ...) instead of scanning the project. */
const DIMS_SQL = `(${ROLLUP_DIMS.map((d) => `'${d}'`).join(', ')})`;

/**
 * A SELECT of roll-up figures per (b, grp) over the traces of project ?1 started in the
 * intervals `intervals` (a CTE body yielding non-overlapping `lo, hi` rows), b being the
 * start of each trace's `bucketMs` bucket. Columns: b, grp, n, errors, tokens, cost,
 * input_tokens, output_tokens, sketch, feedback — the stats_rollups row shape. Readers run the
 * same SELECT over the parts of a range no row covers yet, so both paths agree by construction.
 */
export function rollupSelect(dim: RollupDim, intervals: string, bucketMs: number): string {
  const tr = `iv(lo, hi) AS (${intervals}),
    tr AS (SELECT t.trace_id, t.start_time - (t.start_time % ${bucketMs}) AS b, t.duration_ms AS d, t.has_error AS e, t.total_tokens AS tok, t.cost_usd AS c,
                  t.release, t.environment, t.name, t.tags
             FROM iv CROSS JOIN traces t ON t.project_id = ?1 AND t.start_time >= iv.lo AND t.start_time < iv.hi)`;
  if (dim === 'call') {
    // Through spans_trace_model (project, trace, model, ...) WHERE model IS NOT NULL: covers every column used.
    return `WITH ${tr},
      g AS (SELECT tr.b, json_quote(s.model) AS grp, s.duration_ms AS d, s.status = 'error' AS e, s.total_tokens AS tok, s.cost_usd AS c, s.input_tokens AS it, s.output_tokens AS ot
              FROM tr CROSS JOIN spans s INDEXED BY spans_trace_model ON s.project_id = ?1 AND s.trace_id = tr.trace_id AND s.model IS NOT NULL),
      fig AS (SELECT b, grp, count(*) AS n, TOTAL(e) AS errors, TOTAL(tok) AS tokens, TOTAL(c) AS cost, TOTAL(it) AS input_tokens, TOTAL(ot) AS output_tokens FROM g GROUP BY b, grp),
      ${sketchCtes}
      SELECT fig.*, sk.sketch, NULL AS feedback FROM fig LEFT JOIN sk ON sk.b = fig.b AND sk.grp = fig.grp`;
  }
  let g: string;
  if (dim === 'tag') g = 'SELECT DISTINCT tr.trace_id, tr.b, tr.d, tr.e, tr.tok, tr.c, json_quote(j.value) AS grp FROM tr LEFT JOIN json_each(tr.tags) j';
  else if (dim === 'model')
    g = `SELECT DISTINCT tr.trace_id, tr.b, tr.d, tr.e, tr.tok, tr.c, json_quote(s.model) AS grp FROM tr LEFT JOIN spans s INDEXED BY spans_trace_model
           ON s.project_id = ?1 AND s.trace_id = tr.trace_id AND s.model IS NOT NULL`;
  else g = `SELECT tr.trace_id, tr.b, tr.d, tr.e, tr.tok, tr.c, json_quote(${dim === 'none' ? 'NULL' : `tr.${dim}`}) AS grp FROM tr`;
  // score.<key> is evaluator feedback, feedback.<key> every other source (as the on-read figures and alerts count them).
  return `WITH ${tr},
    g AS (${g}),
    fig AS (SELECT b, grp, count(*) AS n, TOTAL(e) AS errors, TOTAL(tok) AS tokens, TOTAL(c) AS cost, 0 AS input_tokens, 0 AS output_tokens FROM g GROUP BY b, grp),
    ${sketchCtes},
    f0 AS (SELECT g.b, g.grp, CASE WHEN f.source = 'evaluator' THEN 's:' ELSE 'f:' END || f.key AS fk, TOTAL(f.score) AS s, count(*) AS cnt
             FROM g CROSS JOIN feedback f INDEXED BY feedback_trace_source ON f.project_id = ?1 AND f.trace_id = g.trace_id AND f.score IS NOT NULL
            GROUP BY g.b, g.grp, fk),
    fb AS (SELECT b, grp, json_group_object(fk, json_array(s, cnt)) AS feedback FROM f0 GROUP BY b, grp)
    SELECT fig.*, sk.sketch, fb.feedback FROM fig LEFT JOIN sk ON sk.b = fig.b AND sk.grp = fig.grp LEFT JOIN fb ON fb.b = fig.b AND fb.grp = fig.grp`;
}

const sketchCtes = `bins AS (SELECT b, grp, ${binSql('d')} AS k, count(*) AS cnt FROM g WHERE d IS NOT NULL GROUP BY b, grp, k),
      sk AS (SELECT b, grp, json_group_object(k, cnt) AS sketch FROM bins GROUP BY b, grp)`;

const COLUMNS = 'project_id, dim, grain, bucket, grp, n, errors, tokens, cost, input_tokens, output_tokens, sketch, feedback';
/** The hours marked with token ?2, as intervals. */
const MARKED = `SELECT hour, hour + ${HOUR_MS} FROM stats_dirty WHERE project_id = ?1 AND token = ?2`;

/** Day rows of the days holding hours marked with token ?2, merged from their hour rows (sketch bins and feedback sums add up). */
const MERGE_DAYS = `
WITH days(day) AS (SELECT DISTINCT hour - (hour % ${DAY_MS}) FROM stats_dirty WHERE project_id = ?1 AND token = ?2),
h AS (SELECT days.day, r.dim, r.grp, r.n, r.errors, r.tokens, r.cost, r.input_tokens, r.output_tokens, r.sketch, r.feedback
        FROM days CROSS JOIN stats_rollups r ON r.project_id = ?1 AND r.dim IN ${DIMS_SQL} AND r.grain = 'hour' AND r.bucket >= days.day AND r.bucket < days.day + ${DAY_MS}),
sums AS (SELECT day, dim, grp, sum(n) AS n, sum(errors) AS errors, TOTAL(tokens) AS tokens, TOTAL(cost) AS cost, TOTAL(input_tokens) AS it, TOTAL(output_tokens) AS ot FROM h GROUP BY day, dim, grp),
skb AS (SELECT h.day, h.dim, h.grp, j.key, sum(j.value) AS c FROM h, json_each(h.sketch) j GROUP BY h.day, h.dim, h.grp, j.key),
sk AS (SELECT day, dim, grp, json_group_object(key, c) AS sketch FROM skb GROUP BY day, dim, grp),
fbk AS (SELECT h.day, h.dim, h.grp, j.key, TOTAL(j.value ->> 0) AS s, sum(j.value ->> 1) AS c FROM h, json_each(h.feedback) j GROUP BY h.day, h.dim, h.grp, j.key),
fb AS (SELECT day, dim, grp, json_group_object(key, json_array(s, c)) AS feedback FROM fbk GROUP BY day, dim, grp)
INSERT INTO stats_rollups (${COLUMNS})
SELECT ?1, sums.dim, 'day', sums.day, sums.grp, sums.n, sums.errors, sums.tokens, sums.cost, sums.it, sums.ot, sk.sketch, fb.feedback
  FROM sums LEFT JOIN sk ON sk.day = sums.day AND sk.dim = sums.dim AND sk.grp = sums.grp
            LEFT JOIN fb ON fb.day = sums.day AND fb.dim = sums.dim AND fb.grp = sums.grp
 WHERE true`;

/**
 * Statements that mark the hours of traces `traceIds` (a JSON array) as stale under `token`:
 * run one before the writer changes those traces (their old hours) and one after (their new
 * hours, e.g. a late span moved the trace's start).
 */
export function markTraces(db: D1Database, projectId: string, token: string, traceIds: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO stats_dirty (project_id, hour, token)
       SELECT DISTINCT ?1, t.start_time - (t.start_time % ${HOUR_MS}), ?2 FROM json_each(?3) j CROSS JOIN traces t ON t.project_id = ?1 AND t.trace_id = j.value WHERE true
       ON CONFLICT (project_id, hour) DO UPDATE SET token = excluded.token`,
    )
    .bind(projectId, token, traceIds);
}

/** Marks the hours of the traces that feedback rows `ids` (a JSON array) belong to; run before and after a feedback write (an update can move a row to another trace). */
export function markFeedback(db: D1Database, projectId: string, token: string, ids: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO stats_dirty (project_id, hour, token)
       SELECT DISTINCT ?1, t.start_time - (t.start_time % ${HOUR_MS}), ?2 FROM json_each(?3) j
         CROSS JOIN feedback f ON f.project_id = ?1 AND f.id = j.value CROSS JOIN traces t ON t.project_id = ?1 AND t.trace_id = f.trace_id WHERE true
       ON CONFLICT (project_id, hour) DO UPDATE SET token = excluded.token`,
    )
    .bind(projectId, token, ids);
}

/** Statement that claims up to `limit` backfill hours (null token) of a project under `token`. */
export function claimBackfill(db: D1Database, projectId: string, token: string, limit: number): D1PreparedStatement {
  return db
    .prepare(`UPDATE stats_dirty SET token = ?2 WHERE project_id = ?1 AND hour IN (SELECT hour FROM stats_dirty WHERE project_id = ?1 AND token IS NULL ORDER BY hour DESC LIMIT ${limit})`)
    .bind(projectId, token);
}

/**
 * The statements that rebuild the hour rows of the hours marked with `token`, then the day
 * rows of their days, then clear the marks. Run them in the marking writer's batch (one
 * transaction), after its own writes.
 */
export function recomputeStatements(db: D1Database, projectId: string, token: string): D1PreparedStatement[] {
  const run = (sql: string) => db.prepare(sql).bind(projectId, token);
  return [
    run(`DELETE FROM stats_rollups WHERE project_id = ?1 AND dim IN ${DIMS_SQL} AND grain = 'hour' AND bucket IN (SELECT hour FROM stats_dirty WHERE project_id = ?1 AND token = ?2)`),
    ...ROLLUP_DIMS.map((dim) =>
      run(`INSERT INTO stats_rollups (${COLUMNS}) SELECT ?1, '${dim}', 'hour', x.b, x.grp, x.n, x.errors, x.tokens, x.cost, x.input_tokens, x.output_tokens, x.sketch, x.feedback FROM (${rollupSelect(dim, MARKED, HOUR_MS)}) x WHERE true`),
    ),
    run(`DELETE FROM stats_rollups WHERE project_id = ?1 AND dim IN ${DIMS_SQL} AND grain = 'day' AND bucket IN (SELECT DISTINCT hour - (hour % ${DAY_MS}) FROM stats_dirty WHERE project_id = ?1 AND token = ?2)`),
    run(MERGE_DAYS),
    run(`DELETE FROM stats_dirty WHERE project_id = ?1 AND token = ?2`),
  ];
}

/** A fresh token for one writer's marks. */
export function rollupToken(): string {
  return crypto.randomUUID();
}
