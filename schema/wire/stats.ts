/**
 * Wire schemas for dashboards (issue 13): figures over time, per model, and two releases
 * side by side. Every figure is computed on read from the trace index; see docs/dashboards.md.
 */
import { z } from 'zod';
import { parseTimestamp } from './time.ts';

/** The widest range a dashboard reads (hourly buckets over it are 2,160 points per series). */
export const MAX_STATS_RANGE_DAYS = 90;
/** Series returned per split: the groups with the most traces; the rest are summed into one "other" series. */
export const MAX_STATS_GROUPS = 10;

export const STATS_SPLITS = ['none', 'model', 'release', 'environment', 'name', 'tag'] as const;
export const STATS_BUCKETS = ['hour', 'day'] as const;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const RELATIVE = /^(\d{1,6})(m|h|d|w)$/;

/**
 * A time in a stats query: a duration back from now (`30m`, `24h`, `7d`, `2w`), a date
 * (`2026-01-31`, UTC midnight), RFC 3339 or epoch ms. Answers epoch ms, or an error message.
 */
export function parseStatsTime(value: string, now: number): number | string {
  const rel = RELATIVE.exec(value.trim());
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  // A bare date is its UTC midnight, as the CLI's --since takes it elsewhere.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) {
    const ms = Date.parse(`${value.trim()}T00:00:00Z`);
    return Number.isNaN(ms) ? 'is not a valid date' : ms;
  }
  const parsed = parseTimestamp(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  return typeof parsed === 'string' ? `${parsed}, or a duration back from now such as 7d, 24h, 30m` : parsed;
}

/** A `since` / `until` parameter: checked here, resolved against the clock by the handler. */
const StatsTime = z
  .string()
  .max(64)
  .refine((v) => typeof parseStatsTime(v, 0) === 'number', { message: 'must be an RFC 3339 timestamp, epoch milliseconds, or a duration back from now such as 7d, 24h, 30m' });

const range = {
  since: StatsTime.default('7d').meta({ description: 'Start of the range: RFC 3339, epoch ms, or a duration back from now (7d, 24h)', example: '7d' }),
  until: StatsTime.optional().meta({ description: 'End of the range (exclusive; default now)', example: '2026-01-31T00:00:00Z' }),
  filter: z.string().max(4000).default('').meta({ description: 'Traces counted, in the filter language (docs/filter-language.md)', example: 'env=production' }),
};

/** GET /v1/stats/timeseries. */
export const StatsTimeseriesQuery = z.object({
  ...range,
  bucket: z.enum(STATS_BUCKETS).default('day').meta({ description: 'Bucket width: UTC hours or UTC days' }),
  split: z.enum(STATS_SPLITS).default('none').meta({ description: 'One series per value of this field (a trace with several models or tags is in each of their series)' }),
});
export type StatsTimeseriesQuery = z.infer<typeof StatsTimeseriesQuery>;

/** GET /v1/stats/models. */
export const StatsModelsQuery = z.object(range);
export type StatsModelsQuery = z.infer<typeof StatsModelsQuery>;

/** GET /v1/stats/releases. */
export const StatsReleasesQuery = z.object({
  ...range,
  a: z.string().min(1).max(200).meta({ description: 'The first release (e.g. before a deploy)', example: 'v1.4.1' }),
  b: z.string().min(1).max(200).meta({ description: 'The second release', example: 'v1.4.2' }),
});
export type StatsReleasesQuery = z.infer<typeof StatsReleasesQuery>;

/** The average of one feedback or score key and how many values it is over. */
export const KeyAverage = z.object({ avg: z.number(), count: z.number() }).meta({ id: 'StatsKeyAverage' });
const KeyAverages = z.record(z.string(), KeyAverage);

/** Trace-level figures of a set of traces (one bucket of a series, or one release). */
const figures = {
  trace_count: z.number(),
  error_count: z.number(),
  error_rate: z.number().meta({ description: 'error_count / trace_count (0..1)' }),
  latency_p50: z.number().nullable().meta({ description: 'ms, exact nearest rank over trace durations; null when no trace has a duration' }),
  latency_p95: z.number().nullable(),
  latency_p99: z.number().nullable(),
  tokens: z.number(),
  cost_usd: z.number(),
  feedback: KeyAverages.meta({ description: 'Per key: the average score of feedback from every source but evaluators (end users, reviewers, the API)' }),
  scores: KeyAverages.meta({ description: 'Per key: the average score of evaluator feedback' }),
};

/** One bucket of a series. */
export const StatsPoint = z.object({ t: z.number().meta({ description: 'Bucket start, epoch ms (UTC)' }), ...figures }).meta({ id: 'StatsPoint' });
export type StatsPoint = z.infer<typeof StatsPoint>;

/** One series: the traces of one group. */
export const StatsSeries = z
  .object({
    group: z.string().nullable().meta({ description: 'The value of the split field; null for split=none and for traces without the field; "(other)" with other=true for the groups past the top 10' }),
    other: z.boolean().meta({ description: 'True for the series summing every group past the top 10 (by trace count over the range)' }),
    points: z.array(StatsPoint).meta({ description: 'Buckets with traces only, oldest first (empty buckets are omitted)' }),
  })
  .meta({ id: 'StatsSeries' });
export type StatsSeries = z.infer<typeof StatsSeries>;

/** How a response's figures were computed (docs/dashboards.md). */
export const StatsMethod = {
  computed: z.enum(['rollups', 'on_read']).meta({ description: '`rollups`: read from the per-hour/day roll-up rows (no filter, or a filter on the split dimension only); `on_read`: computed from the traces for this request' }),
  percentiles: z
    .object({
      method: z.enum(['exact', 'ddsketch']).meta({ description: '`exact`: nearest rank over the durations; `ddsketch`: nearest rank over a DDSketch' }),
      relative_error: z.number().meta({ description: 'Bound on |reported − exact| / exact for every percentile: 0 when exact, 0.01 for the sketch' }),
    })
    .meta({ id: 'StatsPercentileMethod' }),
};

export const StatsTimeseries = z
  .object({
    ...StatsMethod,
    bucket: z.enum(STATS_BUCKETS),
    since: z.string(),
    until: z.string(),
    split: z.enum(STATS_SPLITS),
    series: z.array(StatsSeries),
    keys: z.object({ feedback: z.array(z.string()), scores: z.array(z.string()) }),
  })
  .meta({ id: 'StatsTimeseries' });
export type StatsTimeseries = z.infer<typeof StatsTimeseries>;

/** One row of the per-model table. */
export const StatsModel = z
  .object({
    model: z.string(),
    calls: z.number(),
    input_tokens: z.number(),
    output_tokens: z.number(),
    total_tokens: z.number(),
    cost_usd: z.number(),
    latency_p50: z.number().nullable(),
    latency_p95: z.number().nullable(),
    error_rate: z.number(),
  })
  .meta({ id: 'StatsModel' });
export type StatsModel = z.infer<typeof StatsModel>;

export const StatsModels = z.object({ ...StatsMethod, since: z.string(), until: z.string(), models: z.array(StatsModel) }).meta({ id: 'StatsModels' });
export type StatsModels = z.infer<typeof StatsModels>;

/** One release's figures over the range. */
export const StatsSummary = z.object({ release: z.string(), ...figures }).meta({ id: 'StatsSummary' });
export type StatsSummary = z.infer<typeof StatsSummary>;

export const StatsReleases = z.object({ ...StatsMethod, since: z.string(), until: z.string(), a: StatsSummary, b: StatsSummary }).meta({ id: 'StatsReleases' });
export type StatsReleases = z.infer<typeof StatsReleases>;

/** Most charts one POST /v1/stats/batch answers (a dashboard page has six). */
export const MAX_BATCH_CHARTS = 12;

const chartId = z.string().min(1).max(64).meta({ description: "The caller's name for the chart; the answer's chart carries it back", example: 'traces' });

/** One chart of a batch: `kind` picks the endpoint, the other fields are its query parameters. */
export const StatsBatchChart = z.discriminatedUnion('kind', [
  StatsTimeseriesQuery.extend({ id: chartId, kind: z.literal('timeseries') }),
  StatsModelsQuery.extend({ id: chartId, kind: z.literal('models') }),
  StatsReleasesQuery.extend({ id: chartId, kind: z.literal('releases') }),
]);
export type StatsBatchChart = z.infer<typeof StatsBatchChart>;

/** POST /v1/stats/batch. */
export const StatsBatchRequest = z.object({
  charts: z
    .array(StatsBatchChart)
    .min(1)
    .max(MAX_BATCH_CHARTS)
    .superRefine((charts, ctx) => {
      const seen = new Set<string>();
      charts.forEach((c, i) => {
        if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `is used by an earlier chart; ids must be unique` });
        seen.add(c.id);
      });
    })
    .meta({ description: `At most ${MAX_BATCH_CHARTS} charts, each answered as its single endpoint would` }),
});
export type StatsBatchRequest = z.infer<typeof StatsBatchRequest>;

const answered = { id: z.string() };
export const StatsBatch = z
  .object({
    charts: z.array(
      z.discriminatedUnion('kind', [
        StatsTimeseries.extend({ ...answered, kind: z.literal('timeseries') }),
        StatsModels.extend({ ...answered, kind: z.literal('models') }),
        StatsReleases.extend({ ...answered, kind: z.literal('releases') }),
      ]),
    ).meta({ description: 'One answer per chart, in the order asked' }),
  })
  .meta({ id: 'StatsBatch' });
export type StatsBatch = z.infer<typeof StatsBatch>;
