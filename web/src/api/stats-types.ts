/**
 * The dashboard API's answers (GET /v1/stats/timeseries, /models, /releases) as the UI reads
 * them. Written to the agreed contract until schema/wire/stats.ts lands from the API branch;
 * then this file only re-exports its types.
 */
export interface KeyAverage {
  avg: number;
  count: number;
}

interface Figures {
  trace_count: number;
  error_count: number;
  error_rate: number;
  latency_p50: number | null;
  latency_p95: number | null;
  latency_p99: number | null;
  tokens: number;
  cost_usd: number;
  feedback: Record<string, KeyAverage>;
  scores: Record<string, KeyAverage>;
}

export interface StatsPoint extends Figures {
  t: number;
}

export interface StatsSeries {
  group: string | null;
  other: boolean;
  points: StatsPoint[];
}

export interface StatsTimeseries {
  bucket: 'hour' | 'day';
  since: string;
  until: string;
  split: 'none' | 'model' | 'release' | 'environment' | 'name' | 'tag';
  series: StatsSeries[];
  keys: { feedback: string[]; scores: string[] };
}

export interface StatsModel {
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  latency_p50: number | null;
  latency_p95: number | null;
  error_rate: number;
}

export interface StatsModels {
  models: StatsModel[];
}

export interface StatsSummary extends Figures {
  release: string;
}

export interface StatsReleases {
  a: StatsSummary;
  b: StatsSummary;
}
