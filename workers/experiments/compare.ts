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

// Ids compare as String#localeCompare does (V8 has a fast path for one-byte strings).
const byId = (a: string, b: string) => a.localeCompare(b);

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

/** Mean of `key` over the runs that scored it (as mean(scoresOf(runs, key))), without the array. */
function meanScore(runs: readonly RunScores[], key: string): number | null {
  let sum = 0;
  let n = 0;
  for (const r of runs) {
    const v = r.scores[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : null;
}

/** Mean of a run field over the runs that have it (as meanOf). */
function meanField(runs: readonly RunScores[], f: 'latencyMs' | 'cost' | 'tokens'): number | null {
  let sum = 0;
  let n = 0;
  for (const r of runs) {
    const v = r[f];
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n ? sum / n : null;
}

/** The verdict on one example. */
export function compareExample(
  exampleId: string,
  baseline: readonly RunScores[],
  candidate: readonly RunScores[],
  metrics: readonly string[],
  tolerance = 1e-9,
): ExampleComparison {
  // Loops rather than map/filter: this runs once per example (10,000 in a large comparison)
  // and the intermediate arrays were most of its time, in the garbage collector.
  const out: ExampleComparison['metrics'] = {};
  let up = false;
  let down = false;
  for (const key of metrics) {
    const b = meanScore(baseline, key);
    const c = meanScore(candidate, key);
    const delta = b !== null && c !== null ? c - b : null;
    if (delta !== null && delta > tolerance) up = true;
    if (delta !== null && delta < -tolerance) down = true;
    out[key] = { baseline: b, candidate: c, delta };
  }
  let baselineErrors = 0;
  for (const r of baseline) if (r.error !== null) baselineErrors++;
  let candidateErrors = 0;
  for (const r of candidate) if (r.error !== null) candidateErrors++;
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
  const delta = (f: 'latencyMs' | 'cost' | 'tokens') => {
    const b = meanField(baseline, f);
    const c = meanField(candidate, f);
    return b !== null && c !== null ? c - b : null;
  };
  return {
    exampleId,
    status,
    metrics: out,
    latencyDeltaMs: delta('latencyMs'),
    costDelta: delta('cost'),
    tokensDelta: delta('tokens'),
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
  // Regressions first; within a status the largest drop of the first metric first. The
  // keys are computed once: 10,000 examples mean ~130,000 comparisons.
  const first = metrics[0];
  const keyed = examples.map((e) => ({ e, rank: STATUS_ORDER.indexOf(e.status), delta: first === undefined ? 0 : (e.metrics[first]?.delta ?? 0) }));
  keyed.sort((a, b) => a.rank - b.rank || a.delta - b.delta || byId(a.e.exampleId, b.e.exampleId));
  for (const [i, k] of keyed.entries()) examples[i] = k.e;
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<ExampleStatus, number>;
  for (const e of examples) counts[e.status]++;

  // Grouped once for every metric's summary.
  const baseGroups = groupByExample(baseShared);
  const candGroups = groupByExample(candShared);
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
    const zeroOrOne = (r: RunScores) => r.scores[key] === undefined || r.scores[key] === 0 || r.scores[key] === 1;
    const bothBinary = baseShared.every(zeroOrOne) && candShared.every(zeroOrOne);
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
      baseline: summarizeMetric(baseShared, key, confidence, baseGroups),
      candidate: summarizeMetric(candShared, key, confidence, candGroups),
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
