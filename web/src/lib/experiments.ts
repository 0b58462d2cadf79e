/**
 * How experiment numbers read in the UI: pass rates as percentages, means with their
 * intervals, paired deltas signed (in points for pass rates), whether an interval excludes
 * zero, the sparkline's path, and the run filters of the experiment page. Pure.
 */
import type { ExperimentRunOut } from '../../../schema/wire/experiments.ts';
import { compareLink } from '../../../schema/render/experiments.ts';

export type MetricKind = 'pass_rate' | 'mean';
export type Interval = { low: number; high: number } | null;

/** An example's verdict in a comparison, in the order the API lists them (what needs attention first). */
export const EXAMPLE_STATUSES = ['regressed', 'errored', 'missing', 'improved', 'unchanged'] as const;
export type ExampleStatus = (typeof EXAMPLE_STATUSES)[number];

const trim = (n: number, digits: number) => String(Number(n.toFixed(digits)));

/** A metric's value: 72.5% for a pass rate, 0.734 for a mean score; null as a dash. */
export function formatMetric(value: number | null | undefined, kind: MetricKind): string {
  if (value == null) return '—';
  if (kind === 'pass_rate') return `${trim(value * 100, 1)}%`;
  return Math.abs(value) >= 100 ? trim(value, 0) : trim(value, 3);
}

/** An interval as "[64.1%, 80.2%]"; none as an empty string. */
export function formatInterval(interval: Interval | undefined, kind: MetricKind): string {
  if (!interval) return '';
  return `[${formatMetric(interval.low, kind)}, ${formatMetric(interval.high, kind)}]`;
}

/** A signed difference: "+4.2 pts" for pass rates (percentage points, not a relative change), "−0.12" for means. */
export function formatDelta(value: number | null | undefined, kind: MetricKind): string {
  if (value == null) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  const abs = Math.abs(value);
  return kind === 'pass_rate' ? `${sign}${trim(abs * 100, 1)} pts` : `${sign}${trim(abs, 3)}`;
}

/** A signed difference's interval: "[−3.1, +8.0] pts". */
export function formatDeltaInterval(interval: Interval | undefined, kind: MetricKind): string {
  if (!interval) return '';
  const one = (v: number) => {
    const s = formatDelta(v, kind);
    return kind === 'pass_rate' ? s.replace(' pts', '') : s;
  };
  return `[${one(interval.low)}, ${one(interval.high)}]${kind === 'pass_rate' ? ' pts' : ''}`;
}

/** Whether a delta is significant at the interval's confidence: its interval excludes zero. */
export function deltaDirection(interval: Interval | undefined): 'better' | 'worse' | 'unclear' {
  if (!interval) return 'unclear';
  if (interval.low > 0) return 'better';
  if (interval.high < 0) return 'worse';
  return 'unclear';
}

/**
 * The SVG path of a sparkline through `values` (nulls leave a gap) in a width x height
 * box. The vertical range is [0, 1] when every value lies in it (scores and pass rates, so
 * two datasets' lines read alike), else the values' own range.
 */
export function sparklinePath(values: readonly (number | null)[], width: number, height: number, pad = 2): string {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!present.length) return '';
  const unit = present.every((v) => v >= 0 && v <= 1);
  const lo = unit ? 0 : Math.min(...present);
  const hi = unit ? 1 : Math.max(...present);
  const span = hi - lo || 1;
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const parts: string[] = [];
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = values.length > 1 ? pad + i * step : width / 2;
    const y = pad + (1 - (v - lo) / span) * (height - 2 * pad);
    parts.push(`${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`);
    pen = true;
  });
  return parts.join(' ');
}

/** The experiment page's run filters. */
export interface RunFilter {
  /** Part of the example id. */
  search?: string;
  /** all, only errored runs, or only runs without an error. */
  errors?: 'all' | 'errored' | 'ok';
  /** A score condition: runs whose `metric` is below / at least `value`; runs without the score never match. */
  metric?: string;
  op?: 'lt' | 'gte';
  value?: number;
}

/** The runs matching the filter, in their order. */
export function filterRuns(runs: readonly ExperimentRunOut[], f: RunFilter): ExperimentRunOut[] {
  const needle = f.search?.trim().toLowerCase();
  return runs.filter((r) => {
    if (needle && !r.example_id.toLowerCase().includes(needle)) return false;
    if (f.errors === 'errored' && r.error === null) return false;
    if (f.errors === 'ok' && r.error !== null) return false;
    if (f.metric && f.value !== undefined && Number.isFinite(f.value)) {
      const s = r.scores[f.metric];
      if (s === undefined) return false;
      if (f.op === 'gte' ? s < f.value : s >= f.value) return false;
    }
    return true;
  });
}

/** Every score key of the runs, sorted. */
export function scoreKeys(runs: readonly ExperimentRunOut[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.scores)))].sort();
}

/** The experiment ids of a compare URL (`?ids=a,b`), trimmed, empty ones dropped. */
export function parseIds(ids: string | null): string[] {
  return (ids ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The compare page's path: built by the same function as the links in the CLI's gate markdown, so those links open it. */
export const comparePath = (ids: readonly string[], example?: string): string => compareLink('', ids, example);
