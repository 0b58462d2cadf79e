/**
 * The dashboard's arithmetic, without React or uPlot: the bucket grid a chart draws (the API
 * omits empty buckets), the filter and time range behind a point (what /traces opens), and
 * the release comparison's deltas.
 */
import type { StatsPoint, StatsSeries } from '../api/stats-types.ts';

export type Bucket = 'hour' | 'day';
export type Split = 'none' | 'model' | 'release' | 'environment' | 'name' | 'tag';

/** The splits in the order the picker offers them. */
export const SPLITS: readonly { id: Split; label: string }[] = [
  { id: 'none', label: 'No split' },
  { id: 'model', label: 'Model' },
  { id: 'release', label: 'Release' },
  { id: 'environment', label: 'Environment' },
  { id: 'name', label: 'Trace name' },
  { id: 'tag', label: 'Tag' },
];

export const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** The filter-language field each split groups by (docs/filter-language.md). */
const SPLIT_FIELD: Record<Exclude<Split, 'none'>, string> = { model: 'model', release: 'release', environment: 'env', name: 'name', tag: 'tag' };

/**
 * Bucket starts from the one holding `since` up to `until` (exclusive), in UTC as the API
 * buckets, plus any start a series has off that grid (so no point is ever dropped).
 */
export function bucketGrid(since: number, until: number, bucket: Bucket, series: readonly StatsSeries[] = []): number[] {
  const step = BUCKET_MS[bucket];
  const starts = new Set<number>();
  // 90 days of hours is 2,160 buckets: the API's range limit keeps this loop small.
  for (let t = Math.floor(since / step) * step; t < until; t += step) starts.add(t);
  for (const s of series) for (const p of s.points) starts.add(p.t);
  return [...starts].sort((a, b) => a - b);
}

/**
 * One value per grid bucket for a series. Counts and sums (traces, errors, tokens, cost) are
 * 0 in a bucket without traces; rates, percentiles and averages are null there (no traces
 * means no figure, and uPlot leaves a gap rather than drawing a fake zero).
 */
export function alignSeries(grid: readonly number[], points: readonly StatsPoint[], value: (p: StatsPoint) => number | null | undefined, emptyAs: 0 | null): (number | null)[] {
  const byT = new Map(points.map((p) => [p.t, p]));
  return grid.map((t) => {
    const p = byT.get(t);
    if (!p) return emptyAs;
    const v = value(p);
    return v == null ? null : v;
  });
}

/** A value quoted for the filter language: double quotes, with `\` and `"` escaped. */
export function quoteFilterValue(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The filter clause picking one series' traces: `release="v2"`; a null group (traces
 * without the field) as `not release~""` (`~` never matches a missing value); the "(other)"
 * series as none of the named groups (`not in` also matches a missing value, so traces
 * without the field are in it unless they have their own series, `nullShown`). A trace with
 * a shown tag and a folded one is in both series but only the shown one's link.
 */
export function groupClause(split: Split, series: Pick<StatsSeries, 'group' | 'other'>, named: readonly string[] = [], nullShown = false): string {
  if (split === 'none') return '';
  const field = SPLIT_FIELD[split];
  if (series.other) {
    const notNamed = named.length ? `${field} not in (${named.map(quoteFilterValue).join(', ')})` : '';
    return nullShown ? [`${field}~""`, notNamed].filter(Boolean).join(' and ') : notNamed;
  }
  if (series.group === null) return `not ${field}~""`;
  return `${field}=${quoteFilterValue(series.group)}`;
}

/** The dashboard's filter and a series' clause as one filter (either may be empty). */
export function andFilters(...parts: string[]): string {
  const present = parts.map((p) => p.trim()).filter(Boolean);
  if (present.length <= 1) return present[0] ?? '';
  return present.map((p) => `(${p})`).join(' and ');
}

/**
 * The /traces link of one bucket: the filter, and the bucket's range clipped to the
 * dashboard's [since, until), as TracesPage reads it (q, range=custom, from, to; `to` is
 * exclusive there as in the stats API), so the list holds exactly the traces counted.
 */
export function bucketTracesLink(opts: { filter: string; t: number; bucket: Bucket; since: number; until: number }): string {
  const from = Math.max(opts.t, opts.since);
  const to = Math.min(opts.t + BUCKET_MS[opts.bucket], opts.until);
  const p = new URLSearchParams();
  if (opts.filter) p.set('q', opts.filter);
  p.set('range', 'custom');
  p.set('from', new Date(from).toISOString());
  p.set('to', new Date(to).toISOString());
  return `/traces?${p.toString()}`;
}

/** The /traces link of a whole range (a model row, a release column). */
export function rangeTracesLink(filter: string, since: number, until: number): string {
  const p = new URLSearchParams();
  if (filter) p.set('q', filter);
  p.set('range', 'custom');
  p.set('from', new Date(since).toISOString());
  p.set('to', new Date(until).toISOString());
  return `/traces?${p.toString()}`;
}

/** Whether a higher value of a figure is better, worse, or neither (trace volume). */
export type Direction = 'higher-better' | 'lower-better' | 'neutral';

/** How a release comparison row reads: b − a, its relative change, and whether it is good news. */
export interface Delta {
  diff: number | null;
  /** (b − a) / a; null when a is 0 or either side is missing. */
  relative: number | null;
  verdict: 'better' | 'worse' | 'same' | 'unknown';
}

/** The change from `a` to `b` of a figure that moves in `direction`. */
export function delta(a: number | null | undefined, b: number | null | undefined, direction: Direction): Delta {
  if (a == null || b == null) return { diff: null, relative: null, verdict: 'unknown' };
  const diff = b - a;
  const relative = a === 0 ? null : diff / Math.abs(a);
  if (diff === 0) return { diff, relative, verdict: 'same' };
  if (direction === 'neutral') return { diff, relative, verdict: 'unknown' };
  const up = diff > 0;
  return { diff, relative, verdict: up === (direction === 'higher-better') ? 'better' : 'worse' };
}

/** A series' name in legends and tables. */
export function seriesLabel(split: Split, s: Pick<StatsSeries, 'group' | 'other'>): string {
  if (split === 'none') return 'All traces';
  if (s.other) return '(other)';
  return s.group ?? `(no ${split === 'name' ? 'name' : split})`;
}
