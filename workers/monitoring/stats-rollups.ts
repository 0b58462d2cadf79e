/**
 * Dashboard figures read from the roll-up rows (workers/store/rollups.ts) instead of the
 * traces: used when the filter is expressible by the roll-up dimensions (no filter, or one
 * `field=value` / `field in (...)` on env, release, name, tag or model with no other split).
 *
 * A range [since, until) is read as: day rows for whole UTC days (when the answer is per
 * day or for the whole range), hour rows for the other whole hours, and the same roll-up
 * SELECT run over the traces for what no clean row covers: the partial first and last hour,
 * and hours still marked stale (stats_dirty). All three are one statement (one snapshot).
 * Latency percentiles come from the merged DDSketches (within 1% of exact; latency-sketch.ts).
 */
import { dbFor } from '../platform/db.ts';
import { parseQuery } from '../store/filter.ts';
import { DAY_MS, HOUR_MS, rollupSelect, type RollupDim } from '../store/rollups.ts';
import { mergeSketch, sketchPercentiles, SKETCH_RELATIVE_ACCURACY, type Sketch } from '../store/latency-sketch.ts';
import { MAX_STATS_GROUPS, type StatsTimeseriesQuery } from '../../schema/wire/stats.ts';

/** A roll-up row (stored or computed on read). */
interface RollupRow {
  b: number;
  grp: string;
  n: number;
  errors: number;
  tokens: number;
  cost: number;
  input_tokens: number;
  output_tokens: number;
  sketch: string | null;
  feedback: string | null;
}

/** Figures of one (group, bucket) cell being merged. */
export interface Cell {
  n: number;
  errors: number;
  tokens: number;
  cost: number;
  inputTokens: number;
  outputTokens: number;
  sketch: Sketch;
  /** `f:<key>` / `s:<key>` -> [sum, count]. */
  feedback: Map<string, [number, number]>;
}

export const SKETCH_METHOD = { method: 'ddsketch' as const, relative_error: SKETCH_RELATIVE_ACCURACY };
export const EXACT_METHOD = { method: 'exact' as const, relative_error: 0 };

/** Which roll-up rows answer a request: the dimension, and the only values wanted (the filter's). */
export interface RollupPlan {
  dim: RollupDim;
  only: string[] | null;
}

const FILTER_DIMS: Record<string, RollupDim> = { env: 'environment', release: 'release', name: 'name', tag: 'tag', model: 'model' };

/** The roll-up plan for a filter and split, or null when the filter needs the traces themselves. */
export function rollupPlan(filter: string, split: StatsTimeseriesQuery['split'] | 'call'): RollupPlan | null {
  const node = parseQuery(filter, 'filter');
  if (!node) return { dim: split, only: null };
  if (split !== 'none') return null;
  let field: string;
  let values: string[];
  if (node.type === 'compare' && node.op === '=' && !node.field.key) [field, values] = [node.field.name, [node.value.text]];
  else if (node.type === 'in' && !node.negated && !node.field.key) [field, values] = [node.field.name, node.values.map((v) => v.text)];
  else return null;
  const dim = FILTER_DIMS[field];
  // A bare number is compared as a number by the filter language; roll-ups keep text.
  if (!dim || values.some((v) => v.trim() !== '' && Number.isFinite(Number(v)))) return null;
  // A trace with two of the tags (models) would be counted twice in the merged series.
  if ((dim === 'tag' || dim === 'model') && values.length > 1) return null;
  return { dim, only: values };
}

/**
 * Reads the cells of `plan` over [since, until), per output bucket (`bucketMs`, or null for
 * one bucket over the whole range, keyed 0). Returns group (JSON text) -> bucket -> cell.
 * `db` is the project's database, or a batch of several charts' statements (stats-batch.ts).
 */
export async function readRollups(
  env: Env,
  projectId: string,
  plan: RollupPlan,
  since: number,
  until: number,
  bucketMs: number | null,
  db: D1Database = dbFor(env, projectId),
): Promise<Map<string, Map<number, Cell>>> {
  const h0 = Math.ceil(since / HOUR_MS) * HOUR_MS;
  const h1 = Math.floor(until / HOUR_MS) * HOUR_MS;
  const edges: [number, number][] = [];
  const useDays = bucketMs !== HOUR_MS;
  let d0 = 0;
  let d1 = 0;
  if (h0 >= h1) edges.push([since, until]);
  else {
    if (since < h0) edges.push([since, h0]);
    if (h1 < until) edges.push([h1, until]);
    d0 = Math.ceil(h0 / DAY_MS) * DAY_MS;
    d1 = Math.floor(h1 / DAY_MS) * DAY_MS;
  }
  // One statement (a UNION ALL of the three reads), so a chart costs D1 one statement, not
  // three. Parameters are numbered as they are bound: D1 wants exactly as many bindings as
  // the statement uses. ?1 is the project (rollupSelect reads it as ?1).
  const params: unknown[] = [projectId];
  const bind = (v: unknown) => `?${params.push(v)}`;
  const p = '?1';
  const dim = bind(plan.dim);
  const only = plan.only ? bind(JSON.stringify(plan.only)) : null;
  const onlySql = only ? ` AND r.grp IN (SELECT json_quote(value) FROM json_each(${only}))` : '';
  const cols = 'r.bucket AS b, r.grp, r.n, r.errors, r.tokens, r.cost, r.input_tokens, r.output_tokens, r.sketch, r.feedback';
  const dirtyIn = (lo: string, hi: string) => `EXISTS (SELECT 1 FROM stats_dirty d WHERE d.project_id = ${p} AND d.hour >= ${lo} AND d.hour < ${hi})`;
  const parts: string[] = [];
  if (h0 < h1) {
    const days = useDays && d0 < d1;
    if (days) {
      parts.push(`SELECT ${cols} FROM stats_rollups r WHERE r.project_id = ${p} AND r.dim = ${dim} AND r.grain = 'day' AND r.bucket >= ${bind(d0)} AND r.bucket < ${bind(d1)}${onlySql}
                    AND NOT ${dirtyIn('r.bucket', `r.bucket + ${DAY_MS}`)}`);
    }
    // Hour rows: the whole hours outside the whole days (all of them for hour buckets), and
    // every hour of a day that has a stale hour (its day row is not read). Ranges, not a
    // filter over every hour of the range: rows carry their sketch, so each one read costs.
    const hourRanges = days ? [[h0, d0], [d1, h1]].filter(([a, b]) => a < b) : [[h0, h1]];
    parts.push(`SELECT * FROM (WITH iv(lo, hi) AS (SELECT value ->> 0, value ->> 1 FROM json_each(${bind(JSON.stringify(hourRanges))})
                   UNION ALL SELECT DISTINCT hour - (hour % ${DAY_MS}), hour - (hour % ${DAY_MS}) + ${DAY_MS} FROM stats_dirty WHERE project_id = ${p} AND hour >= ${bind(days ? d0 : 0)} AND hour < ${bind(days ? d1 : 0)})
                SELECT ${cols} FROM iv CROSS JOIN stats_rollups r ON r.project_id = ${p} AND r.dim = ${dim} AND r.grain = 'hour' AND r.bucket >= iv.lo AND r.bucket < iv.hi
                 WHERE NOT EXISTS (SELECT 1 FROM stats_dirty d WHERE d.project_id = ${p} AND d.hour = r.bucket)${onlySql})`);
  }
  // What no clean row covers, computed from the traces with the writers' own SELECT.
  const intervals = `SELECT value ->> 0, value ->> 1 FROM json_each(${bind(JSON.stringify(edges))}) UNION ALL SELECT hour, hour + ${HOUR_MS} FROM stats_dirty WHERE project_id = ${p} AND hour >= ${bind(h0)} AND hour < ${bind(Math.max(h0, h1))}`;
  parts.push(`SELECT r.b, r.grp, r.n, r.errors, r.tokens, r.cost, r.input_tokens, r.output_tokens, r.sketch, r.feedback FROM (${rollupSelect(plan.dim, intervals, HOUR_MS)}) r WHERE true${onlySql}`);
  const statements = [db.prepare(parts.join('\n UNION ALL ')).bind(...params)];
  const results = await db.batch(statements);
  const cells = new Map<string, Map<number, Cell>>();
  for (const r of results) {
    for (const row of r.results as unknown as RollupRow[]) {
      const b = bucketMs === null ? 0 : row.b - (row.b % bucketMs);
      let byBucket = cells.get(row.grp);
      if (!byBucket) cells.set(row.grp, (byBucket = new Map()));
      let cell = byBucket.get(b);
      if (!cell) byBucket.set(b, (cell = emptyCell()));
      addRow(cell, row);
    }
  }
  return cells;
}

export function emptyCell(): Cell {
  return { n: 0, errors: 0, tokens: 0, cost: 0, inputTokens: 0, outputTokens: 0, sketch: new Map(), feedback: new Map() };
}

function addRow(cell: Cell, row: RollupRow): void {
  cell.n += row.n;
  cell.errors += row.errors;
  cell.tokens += row.tokens;
  cell.cost += row.cost;
  cell.inputTokens += row.input_tokens;
  cell.outputTokens += row.output_tokens;
  mergeSketch(cell.sketch, row.sketch);
  if (row.feedback) {
    const fb = JSON.parse(row.feedback) as Record<string, [number, number]>;
    for (const k in fb) {
      const have = cell.feedback.get(k);
      if (have) {
        have[0] += fb[k][0];
        have[1] += fb[k][1];
      } else cell.feedback.set(k, [fb[k][0], fb[k][1]]);
    }
  }
}

/** Merges `from` into `into` (the "(other)" series of a single-valued split). */
export function mergeCell(into: Cell, from: Cell): void {
  into.n += from.n;
  into.errors += from.errors;
  into.tokens += from.tokens;
  into.cost += from.cost;
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  for (const [k, c] of from.sketch) into.sketch.set(k, (into.sketch.get(k) ?? 0) + c);
  for (const [k, [s, c]] of from.feedback) {
    const have = into.feedback.get(k);
    if (have) {
      have[0] += s;
      have[1] += c;
    } else into.feedback.set(k, [s, c]);
  }
}

/** Top groups by traces over the range (most first, then by value), at most MAX_STATS_GROUPS; the rest are "other". */
export function topGroups(cells: Map<string, Map<number, Cell>>): { top: string[]; rest: string[] } {
  const totals = [...cells.entries()].map(([g, m]) => [g, [...m.values()].reduce((a, c) => a + c.n, 0)] as const);
  // The on-read statement orders equal counts by the value itself (SQLite's order: NULL first, then text by bytes).
  totals.sort((a, b) => b[1] - a[1] || cmpGroups(a[0], b[0]));
  return { top: totals.slice(0, MAX_STATS_GROUPS).map(([g]) => g), rest: totals.slice(MAX_STATS_GROUPS).map(([g]) => g) };
}

function cmpGroups(a: string, b: string): number {
  const x = JSON.parse(a) as string | null;
  const y = JSON.parse(b) as string | null;
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

/** p50/p95/p99 of a cell's sketch. */
export function cellPercentiles(cell: Cell): (number | null)[] {
  return sketchPercentiles(cell.sketch, [0.5, 0.95, 0.99]);
}
