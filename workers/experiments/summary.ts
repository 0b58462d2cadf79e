/**
 * One experiment's summary: per feedback key, the mean with its interval (Wilson for a
 * pass rate with one run per example; Miller's clustered interval when examples were run
 * more than once, since repetitions are not new examples), pass@k and pass^k when there
 * are repetitions; the error count, latency, tokens and cost. Formulas: docs/experiments.md.
 */
import {
  clusteredMeanInterval,
  DEFAULT_CONFIDENCE,
  meanInterval,
  meanPassAtK,
  meanPassHatK,
  proportion,
  type Interval,
} from '../stats/index.ts';
import { groupByExample, isBinaryMetric, meanOf, metricKeys, scoresOf, type RunScores } from './runs.ts';

/** A metric's estimate in one experiment. */
export interface MetricSummary {
  key: string;
  kind: 'pass_rate' | 'mean';
  mean: number | null;
  interval: Interval;
  /** Examples that have the score. */
  examples: number;
  /** Runs that have the score. */
  runs: number;
  /** How the interval was computed: wilson, t, clustered. */
  method: 'wilson' | 't' | 'clustered';
  /** pass@k and pass^k (k = the fewest repetitions of any scored example), for pass/fail metrics run more than once. */
  passAtK?: { k: number; mean: number | null; interval: Interval };
  passHatK?: { k: number; mean: number | null; interval: Interval };
  reason?: string;
}

/** The whole experiment at a glance. */
export interface ExperimentSummary {
  runs: number;
  examples: number;
  errors: number;
  latencyMs: { mean: number | null; p50: number | null; p95: number | null };
  tokens: number;
  cost: number;
  metrics: MetricSummary[];
}

/** The q-quantile (nearest rank) of the values, null when empty. */
function quantile(values: number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The estimate of one feedback key over an experiment's runs. */
export function summarizeMetric(runs: readonly RunScores[], key: string, confidence = DEFAULT_CONFIDENCE, groups: Map<string, RunScores[]> = groupByExample(runs)): MetricSummary {
  const clusters: number[][] = [];
  for (const group of groups.values()) {
    const s = scoresOf(group, key);
    if (s.length) clusters.push(s);
  }
  const binary = isBinaryMetric(runs, key);
  const observations = clusters.reduce((n, c) => n + c.length, 0);
  const repeated = clusters.some((c) => c.length > 1);
  const base = { key, kind: binary ? ('pass_rate' as const) : ('mean' as const), examples: clusters.length, runs: observations };
  if (!repeated) {
    const values = clusters.map((c) => c[0]);
    if (binary) {
      const p = proportion(values.filter((v) => v === 1).length, values.length, confidence);
      return { ...base, mean: p.rate, interval: p.interval, method: 'wilson', ...(p.reason ? { reason: p.reason } : {}) };
    }
    const m = meanInterval(values, confidence);
    return { ...base, mean: m.mean, interval: m.interval, method: 't', ...(m.reason ? { reason: m.reason } : {}) };
  }
  const m = clusteredMeanInterval(clusters, confidence);
  const out: MetricSummary = { ...base, mean: m.mean, interval: m.interval, method: 'clustered', ...(m.reason ? { reason: m.reason } : {}) };
  if (binary) {
    const k = Math.min(...clusters.map((c) => c.length));
    const perExample = clusters.map((c) => ({ n: c.length, c: c.filter((v) => v === 1).length }));
    const at = meanPassAtK(perExample, k, confidence);
    const hat = meanPassHatK(perExample, k, confidence);
    out.passAtK = { k, mean: at.mean, interval: at.interval };
    out.passHatK = { k, mean: hat.mean, interval: hat.interval };
  }
  return out;
}

/** The summary of an experiment: every key scored (or the ones asked for), errors, latency, tokens, cost. */
export function summarizeExperiment(runs: readonly RunScores[], options: { metrics?: string[]; confidence?: number } = {}): ExperimentSummary {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const latencies = runs.map((r) => r.latencyMs).filter((v): v is number => v !== null && Number.isFinite(v));
  const groups = groupByExample(runs);
  return {
    runs: runs.length,
    examples: groups.size,
    errors: runs.filter((r) => r.error !== null).length,
    latencyMs: { mean: meanOf(latencies), p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
    tokens: runs.reduce((n, r) => n + (r.tokens ?? 0), 0),
    cost: runs.reduce((n, r) => n + (r.cost ?? 0), 0),
    metrics: (options.metrics ?? metricKeys(runs)).map((k) => summarizeMetric(runs, k, confidence, groups)),
  };
}
