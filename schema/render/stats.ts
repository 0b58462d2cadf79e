/**
 * Dashboard figures as compact markdown (what `loupe stats` prints and the MCP `stats` tool
 * answers): one row per series and bucket, then the per-model table.
 */
import type { StatsModels, StatsPoint, StatsTimeseries } from '../wire/stats.ts';
import { duration, table } from './lists.ts';

/** Most rows printed: an hourly 90-day range would be thousands; the JSON has them all. */
export const MAX_STATS_ROWS = 300;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const usd = (x: number) => `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`;
const avgs = (o: StatsPoint['feedback']) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${Number(v.avg.toFixed(3))} (${v.count})`)
    .join(' · ');

/** A bucket start as people read it: the day, or the day and hour (UTC). */
function bucketLabel(t: number, bucket: StatsTimeseries['bucket']): string {
  const iso = new Date(t).toISOString();
  return bucket === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00Z`;
}

/** Series as one markdown table, newest bucket first within each group. */
export function statsMarkdown(s: StatsTimeseries, filter = ''): string {
  const head = `Stats per ${s.bucket} (UTC) from ${s.since} to ${s.until}${s.split === 'none' ? '' : `, by ${s.split}`}${filter ? `, where \`${filter}\`` : ''}. Latency percentiles are exact (nearest rank).`;
  if (!s.series.length) return `${head}\n\nNo traces in this range.\n`;
  const split = s.split !== 'none';
  const rows: (string | number | null)[][] = [];
  for (const series of s.series) {
    for (const p of [...series.points].reverse()) {
      rows.push([
        ...(split ? [series.group === null ? `(no ${s.split})` : series.group] : []),
        bucketLabel(p.t, s.bucket),
        p.trace_count,
        pct(p.error_rate),
        duration(p.latency_p50),
        duration(p.latency_p95),
        duration(p.latency_p99),
        p.tokens,
        usd(p.cost_usd),
        avgs(p.scores),
        avgs(p.feedback),
      ]);
    }
  }
  const shown = rows.slice(0, MAX_STATS_ROWS);
  const more = rows.length > shown.length ? `\n\n${rows.length - shown.length} more rows: narrow the range, use --bucket day, or --format json.` : '';
  return `${head}\n\n${table([...(split ? [s.split] : []), s.bucket, 'traces', 'errors', 'p50', 'p95', 'p99', 'tokens', 'cost', 'scores', 'feedback'], shown)}${more}\n`;
}

/** The per-model table. */
export function modelsMarkdown(m: StatsModels): string {
  if (!m.models.length) return `No LLM calls (spans with a model) from ${m.since} to ${m.until}.\n`;
  return `LLM calls per model from ${m.since} to ${m.until}:\n\n${table(
    ['model', 'calls', 'input tokens', 'output tokens', 'cost', 'p50', 'p95', 'errors'],
    m.models.map((r) => [r.model, r.calls, r.input_tokens, r.output_tokens, usd(r.cost_usd), duration(r.latency_p50), duration(r.latency_p95), pct(r.error_rate)]),
  )}\n`;
}
