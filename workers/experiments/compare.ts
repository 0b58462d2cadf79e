/**
 * Comparing a candidate experiment with a baseline on the examples they share: per metric
 * the paired difference with its interval (Miller 2024: per-example differences, clustered
 * by example when there are repetitions), the exact McNemar test for pass/fail metrics
 * with one run per example; per example improved / regressed / unchanged / errored /
 * missing, regressions first, with latency and cost deltas. Pure. Formulas:
 * docs/experiments.md.
 */
import {
  clusteredPairedDifference,
  DEFAULT_CONFIDENCE,
  mcnemarExact,
  pairedDifference,
  type DifferenceEstimate,
} from '../stats/index.ts';
import { groupByExample, isBinaryMetric, meanOf, metricKeys, scoresOf, type RunScores } from './runs.ts';
import { summarizeMetric, type MetricSummary } from './summary.ts';

/** What happened to one example between baseline and candidate. */
export type ExampleStatus = 'regressed' | 'errored' | 'missing' | 'improved' | 'unchanged';

/** The order examples are listed in: what needs attention first. */
export const STATUS_ORDER: readonly ExampleStatus[] = ['regressed', 'errored', 'missing', 'improved', 'unchanged'];

/** One example's verdict with its per-metric and cost deltas (candidate - baseline). */
export interface ExampleComparison {
  exampleId: string;
  status: ExampleStatus;
  /** Per metric: the baseline's and candidate's mean score over repetitions, and the delta. */
  metrics: Record<string, { baseline: number | null; candidate: number | null; delta: number | null }>;
  latencyDeltaMs: number | null;
  costDelta: number | null;
  tokensDelta: number | null;
  baselineErrors: number;
  candidateErrors: number;
}

/** One metric compared. */
export interface MetricComparison {
  key: string;
  kind: 'pass_rate' | 'mean';
  baseline: MetricSummary;
  candidate: MetricSummary;
  /** candidate - baseline over the shared examples, paired (clustered with repetitions). */
  delta: DifferenceEstimate & { method: 'paired' | 'clustered' };
  /** Exact McNemar on pass/fail with one run per example: improved vs regressed examples. */
  mcnemar?: { improved: number; regressed: number; p: number };
  improved: number;
  regressed: number;
}

/** A full comparison of a candidate against a baseline. */
export interface Comparison {
  /** Examples compared: those both sides were asked to run (different versions: the shared ones). */
  shared: number;
  metrics: MetricComparison[];
  /** Every compared example, regressions first. */
  examples: ExampleComparison[];
  counts: Record<ExampleStatus, number>;
}

export interface CompareOptions {
  /** Metrics to compare; default every key either side scored. */
  metrics?: string[];
  confidence?: number;
  /**
   * The examples to compare (the ids both dataset versions hold). Default: the baseline's
   * examples. An id here without candidate runs is `missing`.
   */
  examples?: readonly string[];
  /** A score change smaller than this is no change (float noise in judge scores). */
  tolerance?: number;
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

/** The verdict on one example. */
export function compareExample(
  exampleId: string,
  baseline: readonly RunScores[],
  candidate: readonly RunScores[],
  metrics: readonly string[],
  tolerance = 1e-9,
): ExampleComparison {
  const out: ExampleComparison['metrics'] = {};
  let up = false;
  let down = false;
  for (const key of metrics) {
    const b = mean(scoresOf(baseline, key));
    const c = mean(scoresOf(candidate, key));
    const delta = b !== null && c !== null ? c - b : null;
    if (delta !== null && delta > tolerance) up = true;
    if (delta !== null && delta < -tolerance) down = true;
    out[key] = { baseline: b, candidate: c, delta };
  }
  const baselineErrors = baseline.filter((r) => r.error !== null).length;
  const candidateErrors = candidate.filter((r) => r.error !== null).length;
  // A scored regression outranks an error (it names the metric); an errored run the
  // baseline did not have is the next worst thing; missing means the candidate never ran it.
  const status: ExampleStatus = !candidate.length
    ? 'missing'
    : down
      ? 'regressed'
      : candidateErrors > 0 && candidateErrors * baseline.length > baselineErrors * candidate.length
        ? 'errored'
        : up
          ? 'improved'
          : 'unchanged';
  const delta = (f: (r: RunScores) => number | null) => {
    const b = meanOf(baseline.map(f));
    const c = meanOf(candidate.map(f));
    return b !== null && c !== null ? c - b : null;
  };
  return {
    exampleId,
    status,
    metrics: out,
    latencyDeltaMs: delta((r) => r.latencyMs),
    costDelta: delta((r) => r.cost),
    tokensDelta: delta((r) => r.tokens),
    baselineErrors,
    candidateErrors,
  };
}

/** Compares `candidate` with `baseline` on the shared examples. */
export function compareExperiments(baseline: readonly RunScores[], candidate: readonly RunScores[], options: CompareOptions = {}): Comparison {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const tolerance = options.tolerance ?? 1e-9;
  const byBase = groupByExample(baseline);
  const byCand = groupByExample(candidate);
  const ids = options.examples ? [...new Set(options.examples)] : [...byBase.keys()];
  const metrics = options.metrics ?? [...new Set([...metricKeys(baseline), ...metricKeys(candidate)])].sort();
  const sharedSet = new Set(ids);
  const baseShared = baseline.filter((r) => sharedSet.has(r.exampleId));
  const candShared = candidate.filter((r) => sharedSet.has(r.exampleId));

  const examples = ids.map((id) => compareExample(id, byBase.get(id) ?? [], byCand.get(id) ?? [], metrics, tolerance));
  const rank = (s: ExampleStatus) => STATUS_ORDER.indexOf(s);
  // Regressions first; within a status the largest drop of the first metric first.
  const firstDelta = (e: ExampleComparison) => (metrics.length ? (e.metrics[metrics[0]]?.delta ?? 0) : 0);
  examples.sort((a, b) => rank(a.status) - rank(b.status) || firstDelta(a) - firstDelta(b) || a.exampleId.localeCompare(b.exampleId));
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<ExampleStatus, number>;
  for (const e of examples) counts[e.status]++;

  const metricComparisons = metrics.map((key): MetricComparison => {
    const clusters: { a: number[]; b: number[] }[] = [];
    for (const id of ids) {
      const a = scoresOf(byBase.get(id) ?? [], key);
      const b = scoresOf(byCand.get(id) ?? [], key);
      if (a.length && b.length) clusters.push({ a, b });
    }
    const repeated = clusters.some((c) => c.a.length > 1 || c.b.length > 1);
    const delta = repeated
      ? { ...clusteredPairedDifference(clusters, confidence), method: 'clustered' as const }
      : {
          ...pairedDifference(
            clusters.map((c) => c.a[0]),
            clusters.map((c) => c.b[0]),
            confidence,
          ),
          method: 'paired' as const,
        };
    const binary = isBinaryMetric(baseShared, key) || isBinaryMetric(candShared, key);
    const bothBinary = [...baseShared, ...candShared].every((r) => r.scores[key] === undefined || r.scores[key] === 0 || r.scores[key] === 1);
    let improved = 0;
    let regressed = 0;
    for (const c of clusters) {
      const d = mean(c.b)! - mean(c.a)!;
      if (d > tolerance) improved++;
      else if (d < -tolerance) regressed++;
    }
    const out: MetricComparison = {
      key,
      kind: binary && bothBinary ? 'pass_rate' : 'mean',
      baseline: summarizeMetric(baseShared, key, confidence),
      candidate: summarizeMetric(candShared, key, confidence),
      delta,
      improved,
      regressed,
    };
    // McNemar needs one pass/fail outcome per example on each side; with repetitions the
    // clustered interval is the test.
    if (binary && bothBinary && !repeated) out.mcnemar = { improved, regressed, p: mcnemarExact(improved, regressed).p };
    return out;
  });

  return { shared: ids.length, metrics: metricComparisons, examples, counts };
}
