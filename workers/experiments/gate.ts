/**
 * The release gate over a comparison: missing examples fail; examples tagged `pinned` in
 * the dataset (regression cases) must not regress or error at all; at most
 * `maxRegressions` examples may regress (errored examples count as regressions); and per
 * gated metric the paired difference must not be significantly negative, or, with
 * `minDelta`, its lower bound at `confidence` must reach minDelta (a negative minDelta is
 * a non-inferiority margin). Contradicting options are a usage error, not a failure.
 * Pure; the CLI maps pass/fail/usage to exit 0/1/2.
 */
import { DEFAULT_CONFIDENCE } from '../stats/index.ts';
import { compareExperiments, type Comparison, type ExampleComparison } from './compare.ts';
import type { RunScores } from './runs.ts';

/** What the gate is asked to check. */
export interface GateOptions {
  metrics?: string[];
  maxRegressions?: number;
  minDelta?: number;
  confidence?: number;
}

/** The gate's options as a user typed them (CLI flags or query parameters), before checking. */
export interface GateRequest extends GateOptions {
  baseline?: string;
  baselineTag?: string;
}

/** A usage error: the options contradict each other or are out of range. */
export class GateUsageError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Throws GateUsageError naming the flag when the options cannot be honoured. */
export function checkGateRequest(req: GateRequest): void {
  if (req.baseline !== undefined && req.baselineTag !== undefined) {
    throw new GateUsageError('--baseline and --baseline-tag name the baseline two ways: give one', 'baseline');
  }
  if (req.maxRegressions !== undefined && !(Number.isInteger(req.maxRegressions) && req.maxRegressions >= 0)) {
    throw new GateUsageError(`--max-regressions must be a whole number >= 0, got ${req.maxRegressions}`, 'max_regressions');
  }
  if (req.minDelta !== undefined && !(Number.isFinite(req.minDelta) && Math.abs(req.minDelta) <= 1e9)) {
    throw new GateUsageError(`--min-delta must be a finite number, got ${req.minDelta}`, 'min_delta');
  }
  if (req.confidence !== undefined && !(req.confidence > 0 && req.confidence < 1)) {
    throw new GateUsageError(`--confidence must be between 0 and 1 (exclusive), e.g. 0.95, got ${req.confidence}`, 'confidence');
  }
  const seen = new Set<string>();
  for (const m of req.metrics ?? []) {
    if (!m.trim()) throw new GateUsageError('--metric needs a feedback key', 'metric');
    if (seen.has(m)) throw new GateUsageError(`--metric ${m} is given twice`, 'metric');
    seen.add(m);
  }
}

/** One metric's verdict. */
export interface GateMetric {
  key: string;
  baseline: number | null;
  candidate: number | null;
  delta: number | null;
  interval: { low: number; high: number } | null;
  improved: number;
  regressed: number;
  pass: boolean;
  reason: string;
}

/** The gate's verdict, with every reason it failed. */
export interface GateResult {
  pass: boolean;
  reasons: string[];
  metrics: GateMetric[];
  regressed: ExampleComparison[];
  errored: ExampleComparison[];
  missing: string[];
  pinnedRegressed: string[];
  comparison: Comparison;
  confidence: number;
}

/**
 * Gates `candidate` against `baseline`. `examples` are the example ids the candidate had
 * to run (the shared ones); `pinned` those tagged `pinned` in the dataset.
 */
export function gate(
  baseline: readonly RunScores[],
  candidate: readonly RunScores[],
  options: GateOptions & { examples?: readonly string[]; pinned?: readonly string[] } = {},
): GateResult {
  checkGateRequest(options);
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const comparison = compareExperiments(baseline, candidate, { metrics: options.metrics, confidence, examples: options.examples });
  const known = new Set(comparison.metrics.filter((m) => m.baseline.runs || m.candidate.runs).map((m) => m.key));
  const reasons: string[] = [];
  for (const key of options.metrics ?? []) if (!known.has(key)) reasons.push(`metric ${key} was not scored in either experiment`);

  const regressed = comparison.examples.filter((e) => e.status === 'regressed');
  const errored = comparison.examples.filter((e) => e.status === 'errored');
  const missing = comparison.examples.filter((e) => e.status === 'missing').map((e) => e.exampleId);
  if (missing.length) reasons.push(`${missing.length} example(s) missing from the candidate`);
  const pinned = new Set(options.pinned ?? []);
  const pinnedRegressed = [...regressed, ...errored].filter((e) => pinned.has(e.exampleId)).map((e) => e.exampleId);
  const pinnedMissing = missing.filter((id) => pinned.has(id));
  if (pinnedRegressed.length) reasons.push(`${pinnedRegressed.length} pinned example(s) regressed: ${pinnedRegressed.join(', ')}`);
  if (pinnedMissing.length) pinnedRegressed.push(...pinnedMissing);
  const bad = regressed.length + errored.length;
  if (options.maxRegressions !== undefined && bad > options.maxRegressions) {
    reasons.push(`${bad} example(s) regressed or errored, more than --max-regressions ${options.maxRegressions}`);
  }

  const metrics = comparison.metrics.map((m): GateMetric => {
    const d = m.delta;
    const base = {
      key: m.key,
      baseline: m.baseline.mean,
      candidate: m.candidate.mean,
      delta: d.mean,
      interval: d.interval,
      improved: m.improved,
      regressed: m.regressed,
    };
    const pct = Math.round(confidence * 100);
    if (d.mean === null) return { ...base, pass: false, reason: 'no shared scored examples' };
    // With fewer than 2 examples there is no interval: judge on the point estimate.
    const low = d.interval ? d.interval.low : d.mean;
    const high = d.interval ? d.interval.high : d.mean;
    if (options.minDelta !== undefined) {
      const pass = low >= options.minDelta;
      return { ...base, pass, reason: pass ? `lower ${pct}% bound ${fmt(low)} >= min delta ${fmt(options.minDelta)}` : `lower ${pct}% bound ${fmt(low)} < min delta ${fmt(options.minDelta)}` };
    }
    const pass = high >= 0;
    return { ...base, pass, reason: pass ? `not significantly worse at ${pct}%` : `significantly worse: the ${pct}% interval ends at ${fmt(high)}` };
  });
  for (const m of metrics) if (!m.pass) reasons.push(`${m.key}: ${m.reason}`);
  return { pass: reasons.length === 0, reasons, metrics, regressed, errored, missing, pinnedRegressed, comparison, confidence };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4).replace(/0+$/, '');
}
