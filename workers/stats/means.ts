/**
 * The mean of a metric (a score per run or per example) with Student's t interval. The t
 * interval, not the normal one, because eval sets are often tens of examples, where
 * ±1.96·SE is too narrow; for large n the two agree.
 */
import { twoSidedT } from './distributions.ts';
import { checkFinite } from './checks.ts';
import { checkConfidence, DEFAULT_CONFIDENCE, type Interval } from './interval.ts';

/** A mean with its standard error and interval. Null fields come with the reason. */
export interface MeanEstimate {
  mean: number | null;
  n: number;
  /** Sample standard deviation (n - 1 in the denominator). */
  sd: number | null;
  se: number | null;
  interval: Interval;
  reason?: string;
}

/** Mean and sample variance by two passes (the second pass removes the first's rounding). */
export function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  const rough = sum / n;
  let correction = 0;
  let squares = 0;
  for (const v of values) {
    correction += v - rough;
    squares += (v - rough) ** 2;
  }
  const mean = rough + correction / n;
  const variance = n > 1 ? Math.max(0, (squares - (correction * correction) / n) / (n - 1)) : 0;
  return { mean, variance };
}

/** A t interval of ±t·se around `centre`, with n - 1 degrees of freedom. */
export function tInterval(centre: number, se: number, df: number, confidence: number): Interval {
  const half = twoSidedT(confidence, df) * se;
  return { low: centre - half, high: centre + half };
}

/**
 * Mean of `values` with a t interval (df = n - 1). No interval for fewer than 2 values
 * (one value says nothing about spread); an interval of width 0 when all values are equal.
 */
export function meanInterval(values: readonly number[], confidence = DEFAULT_CONFIDENCE): MeanEstimate {
  values.forEach((v, i) => checkFinite(v, `values[${i}]`));
  checkConfidence(confidence);
  const n = values.length;
  if (n === 0) return { mean: null, n, sd: null, se: null, interval: null, reason: 'no values' };
  const { mean, variance } = meanAndVariance(values);
  if (n === 1) return { mean, n, sd: null, se: null, interval: null, reason: 'fewer than 2 values' };
  const sd = Math.sqrt(variance);
  const se = sd / Math.sqrt(n);
  return { mean, n, sd, se, interval: tInterval(mean, se, n - 1, confidence) };
}

/**
 * Mean of runs grouped in clusters (the repetitions of one example), each run weighing the
 * same, with Miller's (2024) clustered standard error: se² = C/(C-1) · Σ_c (Σ_i (x_ci - x̄))² / N²
 * over C clusters and N runs (CR1), and a t interval with C - 1 degrees of freedom. Use it
 * for an experiment's mean when examples were run more than once: a Wilson interval over
 * all runs would count repetitions as new examples.
 */
export function clusteredMeanInterval(clusters: readonly (readonly number[])[], confidence = DEFAULT_CONFIDENCE): MeanEstimate & { observations: number } {
  checkConfidence(confidence);
  let sum = 0;
  let observations = 0;
  clusters.forEach((c, i) => {
    if (!c.length) throw new RangeError(`clusters[${i}] must hold at least one value`);
    c.forEach((v, j) => checkFinite(v, `clusters[${i}][${j}]`));
    for (const v of c) sum += v;
    observations += c.length;
  });
  const n = clusters.length;
  if (n === 0) return { mean: null, n, sd: null, se: null, interval: null, observations, reason: 'no values' };
  const { mean, variance } = meanAndVariance(clusters.flat());
  const sd = observations > 1 ? Math.sqrt(variance) : null;
  if (n === 1) return { mean, n, sd, se: null, interval: null, observations, reason: 'fewer than 2 clusters' };
  let sumSquares = 0;
  for (const c of clusters) {
    let u = 0;
    for (const v of c) u += v - mean;
    sumSquares += u * u;
  }
  const se = Math.sqrt((n / (n - 1)) * sumSquares) / observations;
  return { mean, n, sd, se, interval: tInterval(mean, se, n - 1, confidence), observations };
}
