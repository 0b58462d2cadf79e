/**
 * Dashboard figures (issue 13): trace count, errors, latency percentiles, tokens, cost and
 * feedback/score averages per time bucket and group, the per-model table, and two releases
 * side by side. Read from the roll-up rows when the filter allows it (stats-rollups.ts:
 * percentiles from a DDSketch, within 1%), otherwise computed on read here with exact
 * percentiles. Why and what it costs: docs/dashboards.md (measured at 1,000,000 spans).
 *
 * Every on-read statement starts from traces started in [since, until) of one project, through
 * traces_project_start (project, start_time), narrowed by the shared filter language, as
 * the alert check does (workers/monitoring/alert-check.ts `metricQuery`).
 */
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { compileQuery } from '../store/filter.ts';
import {
  MAX_STATS_GROUPS,
  MAX_STATS_RANGE_DAYS,
  parseStatsTime,
  type StatsModels,
  type StatsPoint,
  type StatsReleases,
  type StatsSeries,
  type StatsSummary,
  type StatsTimeseries,
  type StatsTimeseriesQuery,
} from '../../schema/wire/stats.ts';
import { cellPercentiles, emptyCell, EXACT_METHOD, mergeCell, readRollups, rollupPlan, SKETCH_METHOD, topGroups, type Cell } from './stats-rollups.ts';

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
/** The label of the series that sums every group past the top MAX_STATS_GROUPS. */
export const OTHER_GROUP = '(other)';

/** A resolved, checked range: epoch ms, `until` exclusive. */
export interface StatsRange {
  since: number;
  until: number;
}

/** Resolves `since`/`until` against `now`; a range over 90 days or inverted is a 400 naming the field. */
export function statsRange(q: { since: string; until?: string }, now: number): StatsRange {
  const since = parseStatsTime(q.since, now);
  if (typeof since === 'string') throw new ApiError(400, 'invalid_request', `since: ${since}`, 'since');
  const until = q.until === undefined ? now : parseStatsTime(q.until, now);
  if (typeof until === 'string') throw new ApiError(400, 'invalid_request', `until: ${until}`, 'until');
  if (until <= since) throw new ApiError(400, 'invalid_request', 'until: must be after since', 'until');
  if (until - since > MAX_STATS_RANGE_DAYS * 86_400_000) throw new ApiError(400, 'invalid_request', `since: the range is over ${MAX_STATS_RANGE_DAYS} days; narrow it`, 'since');
  return { since, until };
}

/** The nearest-rank position of percentile `p` among `n` sorted values (1-based), as alert-check computes it. */
export function nearestRank(p: number, n: number): number {
  return Math.max(1, Math.floor(n * p + 0.999999999));
}

type Split = StatsTimeseriesQuery['split'];

/**
 * The statement prefix every figure shares: `tr` (the traces counted), `g` (each trace with
 * its group; a trace with two models or tags is in both), `top` (the MAX_STATS_GROUPS groups
 * with most traces) and `lab` (each trace once per shown series; the rest fold into
 * "(other)", where DISTINCT keeps a trace with two folded tags from counting twice).
 *
 * Bucket widths come from an enum, so they are inlined; everything else is bound. D1 allows
 * 100 bound parameters per statement: the filter takes at most 80 (MAX_FILTER_PARAMS), the
 * prefix 4 more, a release comparison 2, the feedback join 1.
 */
function prefix(projectId: string, range: StatsRange, filter: string, split: Split, bucketMs: number | null, now: number, releases?: [string, string]) {
  const { where, params: fp } = compileQuery(filter, 'traces', projectId, now, 'filter');
  const b = bucketMs === null ? '0' : `t.start_time - (t.start_time % ${bucketMs})`;
  const col = { none: 'NULL', release: 't.release', environment: 't.environment', name: 't.name', tag: 't.tags', model: 'NULL' }[split];
  const params: unknown[] = [projectId, range.since, range.until, ...fp];
  let rel = '';
  if (releases) {
    rel = ' AND t.release IN (?, ?)';
    params.push(...releases);
  }
  // Only tag and model put one trace in several groups; the others need no DISTINCT (a sort of every trace).
  const multi = split === 'tag' || split === 'model';
  let g: string;
  if (split === 'tag') g = 'SELECT DISTINCT tr.trace_id, tr.b, tr.d, tr.e, tr.tok, tr.c, j.value AS grp FROM tr LEFT JOIN json_each(tr.col) j';
  else if (split === 'model') {
    // Through spans_trace_model (project, trace, model) WHERE model IS NOT NULL: one seek per
    // trace into an index holding LLM spans only.
    g = `SELECT DISTINCT tr.trace_id, tr.b, tr.d, tr.e, tr.tok, tr.c, s.model AS grp FROM tr LEFT JOIN spans s INDEXED BY spans_trace_model
           ON s.project_id = ? AND s.trace_id = tr.trace_id AND s.model IS NOT NULL`;
    params.push(projectId);
  } else g = 'SELECT tr.trace_id, tr.b, tr.d, tr.e, tr.tok, tr.c, tr.col AS grp FROM tr';
  const sql = `WITH tr AS (
      SELECT t.trace_id, ${b} AS b, t.duration_ms AS d, t.has_error AS e, t.total_tokens AS tok, t.cost_usd AS c, ${col} AS col
        FROM traces t WHERE t.project_id = ? AND t.start_time >= ? AND t.start_time < ? AND (${where})${rel}),
    g AS (${g}),
    top AS (SELECT grp FROM g GROUP BY grp ORDER BY count(*) DESC, grp LIMIT ${MAX_STATS_GROUPS}),
    lab AS (SELECT ${multi ? 'DISTINCT ' : ''}g.trace_id, g.b, g.d, g.e, g.tok, g.c,
                   CASE WHEN EXISTS (SELECT 1 FROM top WHERE top.grp IS g.grp) THEN g.grp ELSE '${OTHER_GROUP}' END AS grp,
                   NOT EXISTS (SELECT 1 FROM top WHERE top.grp IS g.grp) AS other
              FROM g)`;
  return { sql, params };
}

/** Exact nearest-rank percentile of `d` within the window partition, as SQL (`rn`, `nd` from ranked). */
const pct = (p: number) => `MIN(CASE WHEN d IS NOT NULL AND rn = MAX(1, CAST(nd * ${p} + 0.999999999 AS INTEGER)) THEN d END)`;

interface FigureRow {
  grp: string | null;
  other: number;
  b: number;
  n: number;
  errors: number;
  tokens: number;
  cost: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}
interface FeedbackRow {
  grp: string | null;
  other: number;
  b: number;
  kind: 'feedback' | 'scores';
  key: string;
  avg: number;
  n: number;
}

/** Runs the figures and the feedback averages per (group, bucket) in one D1 round trip. */
async function figureRows(db: D1Database, projectId: string, range: StatsRange, filter: string, split: Split, bucketMs: number | null, now: number, releases?: [string, string]) {
  const p = prefix(projectId, range, filter, split, bucketMs, now, releases);
  const figuresSql = `${p.sql},
    ranked AS (SELECT lab.*, ROW_NUMBER() OVER (PARTITION BY grp, other, b ORDER BY d IS NULL, d) AS rn, COUNT(d) OVER (PARTITION BY grp, other, b) AS nd FROM lab)
    SELECT grp, other, b, count(*) AS n, TOTAL(e) AS errors, TOTAL(tok) AS tokens, TOTAL(c) AS cost, ${pct(0.5)} AS p50, ${pct(0.95)} AS p95, ${pct(0.99)} AS p99
      FROM ranked GROUP BY grp, other, b`;
  // score.<key> is evaluator feedback, feedback.<key> every other source (as alerts count them).
  const feedbackSql = `${p.sql}
    SELECT lab.grp, lab.other, lab.b, CASE WHEN f.source = 'evaluator' THEN 'scores' ELSE 'feedback' END AS kind, f.key, AVG(f.score) AS avg, count(*) AS n
      FROM lab JOIN feedback f INDEXED BY feedback_trace_source ON f.project_id = ? AND f.trace_id = lab.trace_id AND f.score IS NOT NULL
     GROUP BY lab.grp, lab.other, lab.b, kind, f.key`;
  const [figs, fbs] = await db.batch([db.prepare(figuresSql).bind(...p.params), db.prepare(feedbackSql).bind(...p.params, projectId)]);
  return { figures: figs.results as unknown as FigureRow[], feedback: fbs.results as unknown as FeedbackRow[] };
}

const seriesKey = (grp: string | null, other: number) => `${other ? 1 : 0}\u0000${grp === null ? '\u0001' : grp}`;
type Figures = Omit<StatsPoint, 't'>;

function toFigures(r: FigureRow): Figures {
  return {
    trace_count: r.n,
    error_count: r.errors,
    error_rate: r.n ? r.errors / r.n : 0,
    latency_p50: r.p50,
    latency_p95: r.p95,
    latency_p99: r.p99,
    tokens: r.tokens,
    cost_usd: r.cost,
    feedback: {},
    scores: {},
  };
}

/** A roll-up cell as the API shows a point (feedback keys seen are added to `keys`). */
function cellFigures(c: Cell, keys?: { feedback: Set<string>; scores: Set<string> }): Figures {
  const [p50, p95, p99] = cellPercentiles(c);
  const feedback: Figures['feedback'] = {};
  const scores: Figures['scores'] = {};
  for (const [k, [sum, count]] of c.feedback) {
    const [kind, key] = [k.slice(0, 2) === 's:' ? 'scores' : 'feedback', k.slice(2)] as const;
    (kind === 'scores' ? scores : feedback)[key] = { avg: sum / count, count };
    keys?.[kind].add(key);
  }
  return { trace_count: c.n, error_count: c.errors, error_rate: c.n ? c.errors / c.n : 0, latency_p50: p50, latency_p95: p95, latency_p99: p99, tokens: c.tokens, cost_usd: c.cost, feedback, scores };
}

/** Joins figure and feedback rows per (group, bucket). */
function assemble(rows: { figures: FigureRow[]; feedback: FeedbackRow[] }) {
  const points = new Map<string, Map<number, Figures>>();
  const meta = new Map<string, { grp: string | null; other: boolean; total: number }>();
  for (const r of rows.figures) {
    const k = seriesKey(r.grp, r.other);
    if (!points.has(k)) points.set(k, new Map());
    points.get(k)!.set(r.b, toFigures(r));
    const m = meta.get(k) ?? { grp: r.grp, other: !!r.other, total: 0 };
    m.total += r.n;
    meta.set(k, m);
  }
  const keys = { feedback: new Set<string>(), scores: new Set<string>() };
  for (const f of rows.feedback) {
    const point = points.get(seriesKey(f.grp, f.other))?.get(f.b);
    if (!point) continue;
    point[f.kind][f.key] = { avg: f.avg, count: f.n };
    keys[f.kind].add(f.key);
  }
  return { points, meta, keys: { feedback: [...keys.feedback].sort(), scores: [...keys.scores].sort() } };
}

/** GET /v1/stats/timeseries: one series per group (top 10 by traces, then "(other)"), buckets with traces only. */
export async function statsTimeseries(env: Env, projectId: string, q: StatsTimeseriesQuery, now = Date.now(), db: D1Database = dbFor(env, projectId)): Promise<StatsTimeseries> {
  const range = statsRange(q, now);
  const plan = rollupPlan(q.filter, q.split);
  if (plan) {
    const cells = await readRollups(env, projectId, plan, range.since, range.until, BUCKET_MS[q.bucket], db);
    const { top, rest } = topGroups(cells);
    // "(other)" of a split where a trace is in several groups needs each trace once: only the traces can say.
    if (!(rest.length && (plan.dim === 'tag' || plan.dim === 'model'))) {
      const keys = { feedback: new Set<string>(), scores: new Set<string>() };
      const seriesOf = (group: string | null, other: boolean, byBucket: Map<number, Cell>) => {
        const points = [...byBucket.entries()].sort(([a], [b]) => a - b).map(([t, cell]) => ({ t, ...cellFigures(cell, keys) }));
        return { group, other, points, total: points.reduce((a, p) => a + p.trace_count, 0) };
      };
      let series: (StatsSeries & { total: number })[];
      if (q.split === 'none') {
        // A filter on one dimension: its wanted values' cells add up (a single-valued dimension, or one value).
        const merged = new Map<number, Cell>();
        for (const byBucket of cells.values()) for (const [t, c] of byBucket) mergeCell(merged.get(t) ?? merged.set(t, emptyCell()).get(t)!, c);
        series = merged.size ? [seriesOf(null, false, merged)] : [];
      } else {
        series = top.map((g) => seriesOf(JSON.parse(g) as string | null, false, cells.get(g)!));
        if (rest.length) {
          const merged = new Map<number, Cell>();
          for (const g of rest) for (const [t, c] of cells.get(g)!) mergeCell(merged.get(t) ?? merged.set(t, emptyCell()).get(t)!, c);
          series.push(seriesOf(OTHER_GROUP, true, merged));
        }
      }
      series.sort((a, b) => Number(a.other) - Number(b.other) || b.total - a.total || String(a.group).localeCompare(String(b.group)));
      return {
        computed: 'rollups',
        percentiles: SKETCH_METHOD,
        bucket: q.bucket,
        since: new Date(range.since).toISOString(),
        until: new Date(range.until).toISOString(),
        split: q.split,
        series: series.map(({ total: _, ...s }) => s),
        keys: { feedback: [...keys.feedback].sort(), scores: [...keys.scores].sort() },
      };
    }
  }
  const { points, meta, keys } = assemble(await figureRows(db, projectId, range, q.filter, q.split, BUCKET_MS[q.bucket], now));
  // Most traces first; "(other)" last.
  const order = [...meta.entries()].sort(([, a], [, b]) => Number(a.other) - Number(b.other) || b.total - a.total || String(a.grp).localeCompare(String(b.grp)));
  const series: StatsSeries[] = order.map(([k, m]) => ({
    group: m.grp,
    other: m.other,
    points: [...points.get(k)!.entries()].sort(([a], [b]) => a - b).map(([t, f]) => ({ t, ...f })),
  }));
  return { computed: 'on_read', percentiles: EXACT_METHOD, bucket: q.bucket, since: new Date(range.since).toISOString(), until: new Date(range.until).toISOString(), split: q.split, series, keys };
}

/** GET /v1/stats/releases: each release's figures over the range (zeros when it has no traces). */
export async function statsReleases(env: Env, projectId: string, q: { since: string; until?: string; filter: string; a: string; b: string }, now = Date.now(), db: D1Database = dbFor(env, projectId)): Promise<StatsReleases> {
  const range = statsRange(q, now);
  if (rollupPlan(q.filter, 'none')?.only === null) {
    const cells = await readRollups(env, projectId, { dim: 'release', only: [q.a, q.b] }, range.since, range.until, null, db);
    const summary = (release: string): StatsSummary => ({ release, ...cellFigures(cells.get(JSON.stringify(release))?.get(0) ?? emptyCell()) });
    return { computed: 'rollups', percentiles: SKETCH_METHOD, since: new Date(range.since).toISOString(), until: new Date(range.until).toISOString(), a: summary(q.a), b: summary(q.b) };
  }
  const { points, meta } = assemble(await figureRows(db, projectId, range, q.filter, 'release', null, now, [q.a, q.b]));
  const summary = (release: string): StatsSummary => {
    const k = [...meta.keys()].find((key) => meta.get(key)!.grp === release && !meta.get(key)!.other);
    const f = k ? points.get(k)!.get(0)! : toFigures({ grp: release, other: 0, b: 0, n: 0, errors: 0, tokens: 0, cost: 0, p50: null, p95: null, p99: null });
    return { release, ...f };
  };
  return { computed: 'on_read', percentiles: EXACT_METHOD, since: new Date(range.since).toISOString(), until: new Date(range.until).toISOString(), a: summary(q.a), b: summary(q.b) };
}

/** Most rows the per-model table returns. */
const MAX_MODELS = 200;

/**
 * GET /v1/stats/models: the LLM calls (spans with a model) of the traces counted, per model.
 * The spans are read through spans_trace_model, which covers every column used, so no span
 * row is opened.
 */
export async function statsModels(env: Env, projectId: string, q: { since: string; until?: string; filter: string }, now = Date.now(), db: D1Database = dbFor(env, projectId)): Promise<StatsModels> {
  const range = statsRange(q, now);
  if (rollupPlan(q.filter, 'none')?.only === null) {
    const cells = await readRollups(env, projectId, { dim: 'call', only: null }, range.since, range.until, null, db);
    const models = [...cells.entries()]
      .map(([g, byBucket]) => {
        const c = byBucket.get(0)!;
        const [p50, p95] = cellPercentiles(c);
        return { model: JSON.parse(g) as string, calls: c.n, input_tokens: c.inputTokens, output_tokens: c.outputTokens, total_tokens: c.tokens, cost_usd: c.cost, latency_p50: p50, latency_p95: p95, error_rate: c.n ? c.errors / c.n : 0 };
      })
      .sort((a, b) => b.calls - a.calls || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))
      .slice(0, MAX_MODELS);
    return { computed: 'rollups', percentiles: SKETCH_METHOD, since: new Date(range.since).toISOString(), until: new Date(range.until).toISOString(), models };
  }
  const { where, params: fp } = compileQuery(q.filter, 'traces', projectId, now, 'filter');
  const sql = `WITH tr AS (SELECT t.trace_id FROM traces t WHERE t.project_id = ? AND t.start_time >= ? AND t.start_time < ? AND (${where})),
    c AS (SELECT s.model, s.duration_ms AS d, s.status, s.input_tokens, s.output_tokens, s.total_tokens, s.cost_usd
            FROM tr JOIN spans s INDEXED BY spans_trace_model ON s.project_id = ? AND s.trace_id = tr.trace_id AND s.model IS NOT NULL),
    ranked AS (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY model ORDER BY d IS NULL, d) AS rn, COUNT(d) OVER (PARTITION BY model) AS nd FROM c)
    SELECT model, count(*) AS calls, TOTAL(input_tokens) AS input_tokens, TOTAL(output_tokens) AS output_tokens, TOTAL(total_tokens) AS total_tokens,
           TOTAL(cost_usd) AS cost_usd, ${pct(0.5)} AS latency_p50, ${pct(0.95)} AS latency_p95, AVG(status IS 'error') AS error_rate
      FROM ranked GROUP BY model ORDER BY calls DESC, model LIMIT ${MAX_MODELS}`;
  // A batch of one, so a dashboard's batch request (stats-batch.ts) runs it with its other charts.
  const [{ results }] = await db.batch<StatsModels['models'][number]>([db.prepare(sql).bind(projectId, range.since, range.until, ...fp, projectId)]);
  return { computed: 'on_read', percentiles: EXACT_METHOD, since: new Date(range.since).toISOString(), until: new Date(range.until).toISOString(), models: results };
}
