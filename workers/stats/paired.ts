/**
 * The difference between two experiments on the same examples, paired example by example
 * (Miller 2024, "Adding Error Bars to Evals", arXiv:2411.00640, section on paired
 * differences): the variance of b - a per example is Var(a) + Var(b) - 2 Cov(a, b), and
 * two runs on the same examples are strongly correlated, so the paired interval is much
 * narrower than one built from the two means' separate errors. With repetitions, the runs
 * of one example are not independent either: their differences are clustered by example
 * (Miller 2024, section on clustered standard errors).
 */
import { checkFinite } from './checks.ts';
import { checkConfidence, DEFAULT_CONFIDENCE, type Interval } from './interval.ts';
import { meanInterval, tInterval } from './means.ts';

/** The mean difference b - a with its standard error and interval. Null fields come with the reason. */
export interface DifferenceEstimate {
  mean: number | null;
  /** Examples compared (pairs; clusters when clustered). */
  n: number;
  se: number | null;
  interval: Interval;
  reason?: string;
}

/** One example's scores in the two experiments: one entry per repetition (counts may differ). */
export interface ExampleScores {
  a: readonly number[];
  b: readonly number[];
}

/**
 * Mean of b[i] - a[i] over examples with a t interval (df = n - 1): the paired
 * difference of experiment b over experiment a. Needs at least 2 examples for an interval.
 */
export function pairedDifference(a: readonly number[], b: readonly number[], confidence = DEFAULT_CONFIDENCE): DifferenceEstimate {
  if (a.length !== b.length) throw new RangeError(`a and b must score the same examples: ${a.length} values against ${b.length}`);
  const diffs = a.map((x, i) => {
    checkFinite(x, `a[${i}]`);
    checkFinite(b[i], `b[${i}]`);
    return b[i] - x;
  });
  const { mean, n, se, interval } = meanInterval(diffs, confidence);
  if (n === 0) return { mean: null, n, se: null, interval: null, reason: 'no examples' };
  if (n === 1) return { mean, n, se: null, interval: null, reason: 'fewer than 2 examples' };
  return { mean, n, se, interval };
}

/**
 * Difference of the run means (b - a, each repetition weighing the same) with a
 * cluster-robust standard error, the examples being the clusters. Each cluster's
 * contribution is u_c = Σ(b_ci - b̄)/N_b - Σ(a_ci - ā)/N_a and
 * Var = C/(C-1) · Σ u_c²: Miller's clustered SE (his formula, with the usual C/(C-1)
 * small-sample factor, CR1), which equals the SE of the experiment coefficient in a
 * regression of score on experiment clustered by example. With one run per side per
 * example it is exactly pairedDifference. t interval with C - 1 degrees of freedom.
 * Repetitions therefore never buy precision that independent examples would: ten runs of
 * one example are still one example.
 */
export function clusteredPairedDifference(
  clusters: readonly ExampleScores[],
  confidence = DEFAULT_CONFIDENCE,
): DifferenceEstimate & { observations: number } {
  checkConfidence(confidence);
  let sumA = 0;
  let sumB = 0;
  let countA = 0;
  let countB = 0;
  clusters.forEach((c, i) => {
    if (!c.a.length || !c.b.length) throw new RangeError(`clusters[${i}] must have at least one score on each side (a: ${c.a.length}, b: ${c.b.length})`);
    c.a.forEach((x, j) => checkFinite(x, `clusters[${i}].a[${j}]`));
    c.b.forEach((x, j) => checkFinite(x, `clusters[${i}].b[${j}]`));
    for (const x of c.a) sumA += x;
    for (const x of c.b) sumB += x;
    countA += c.a.length;
    countB += c.b.length;
  });
  const n = clusters.length;
  const observations = countA + countB;
  if (n === 0) return { mean: null, n, se: null, interval: null, observations, reason: 'no examples' };
  const meanA = sumA / countA;
  const meanB = sumB / countB;
  const mean = meanB - meanA;
  if (n === 1) return { mean, n, se: null, interval: null, observations, reason: 'fewer than 2 examples' };
  let sumSquares = 0;
  for (const c of clusters) {
    let u = 0;
    for (const x of c.b) u += (x - meanB) / countB;
    for (const x of c.a) u -= (x - meanA) / countA;
    sumSquares += u * u;
  }
  const se = Math.sqrt((n / (n - 1)) * sumSquares);
  return { mean, n, se, interval: tInterval(mean, se, n - 1, confidence), observations };
}
