/**
 * Agreement between raters. Two uses:
 * - Inter-reviewer agreement on one rubric key (the review hub): percent agreement (the
 *   mean share of agreeing reviewer pairs per item) and a chance-corrected kappa. Cohen's
 *   kappa when the same two reviewers rated every item; Fleiss' kappa otherwise (any number
 *   of reviewers, different people per item), computed over the items with the most common
 *   number of ratings, as Fleiss' formula assumes a fixed count per item.
 * - Judge against human (calibration): a confusion matrix with accuracy, true-positive and
 *   true-negative rates and Cohen's kappa for boolean and categorical labels; Spearman's
 *   rank correlation, mean absolute error and the share within a tolerance for numbers.
 *   Each with its count and interval; undefined values are null with the reason, never NaN.
 */
import { twoSidedZ } from './distributions.ts';
import { checkFinite } from './checks.ts';
import { clamp, DEFAULT_CONFIDENCE, type Interval } from './interval.ts';
import { meanInterval } from './means.ts';
import { proportion } from './proportions.ts';

/** One reviewer's answer on one item, as a category label (numbers and booleans as text). */
export interface Rating {
  rater: string;
  value: string;
}

/** Agreement over a set of items. Null where it is undefined (fewer than two ratings, or no chance variance). */
export interface Agreement {
  items: number;
  raters: number;
  percent_agreement: number | null;
  kappa: number | null;
  method: 'cohen' | 'fleiss' | null;
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Share of agreeing pairs among an item's ratings. */
function pairAgreement(ratings: Rating[]): number {
  const counts = new Map<string, number>();
  for (const r of ratings) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
  const n = ratings.length;
  let agreeing = 0;
  for (const c of counts.values()) agreeing += c * (c - 1);
  return agreeing / (n * (n - 1));
}

/** Cohen's kappa for two raters who rated the same items: (po - pe) / (1 - pe). */
export function cohenKappa(pairs: [string, string][]): number | null {
  if (!pairs.length) return null;
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let agree = 0;
  for (const [x, y] of pairs) {
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
    if (x === y) agree++;
  }
  const n = pairs.length;
  const po = agree / n;
  let pe = 0;
  for (const [cat, ca] of a) pe += (ca / n) * ((b.get(cat) ?? 0) / n);
  return pe >= 1 ? null : (po - pe) / (1 - pe);
}

/** Fleiss' kappa over items that each carry exactly `n` ratings (n >= 2). */
export function fleissKappa(items: string[][]): number | null {
  if (!items.length) return null;
  const n = items[0].length;
  if (n < 2 || items.some((i) => i.length !== n)) return null;
  const totals = new Map<string, number>();
  let pBar = 0;
  for (const ratings of items) {
    const counts = new Map<string, number>();
    for (const v of ratings) {
      counts.set(v, (counts.get(v) ?? 0) + 1);
      totals.set(v, (totals.get(v) ?? 0) + 1);
    }
    let sq = 0;
    for (const c of counts.values()) sq += c * c;
    pBar += (sq - n) / (n * (n - 1));
  }
  pBar /= items.length;
  let pe = 0;
  for (const t of totals.values()) pe += (t / (items.length * n)) ** 2;
  return pe >= 1 ? null : (pBar - pe) / (1 - pe);
}

/** Agreement of the ratings of several items (items with fewer than two ratings are ignored). */
export function agreement(items: Rating[][]): Agreement {
  const rated = items.filter((i) => i.length >= 2);
  const raters = new Set(rated.flatMap((i) => i.map((r) => r.rater)));
  if (!rated.length) return { items: 0, raters: raters.size, percent_agreement: null, kappa: null, method: null };
  const percent = rated.reduce((s, i) => s + pairAgreement(i), 0) / rated.length;
  let kappa: number | null;
  let method: Agreement['method'];
  if (raters.size === 2 && rated.every((i) => i.length === 2)) {
    const [first, second] = [...raters].sort();
    method = 'cohen';
    kappa = cohenKappa(rated.map((i) => [i.find((r) => r.rater === first)!.value, i.find((r) => r.rater === second)!.value]));
  } else {
    // Fleiss assumes the same number of ratings per item: use the most common count.
    const sizes = new Map<number, number>();
    for (const i of rated) sizes.set(i.length, (sizes.get(i.length) ?? 0) + 1);
    const n = [...sizes].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0][0];
    method = 'fleiss';
    kappa = fleissKappa(rated.filter((i) => i.length === n).map((i) => i.map((r) => r.value)));
  }
  return { items: rated.length, raters: raters.size, percent_agreement: round(percent), kappa: kappa === null ? null : round(kappa), method };
}

// ---------------------------------------------------------------------------------------
// Judge against human (calibration)
// ---------------------------------------------------------------------------------------

/** A label a judge or a person gives: a category, a boolean verdict or a number used as a category. */
export type Label = string | number | boolean;

/** One item labelled by the judge and by a person. */
export interface LabelPair<L> {
  judge: L;
  human: L;
}

/** A statistic with its count and interval. Null fields come with the reason. */
export interface Estimate {
  value: number | null;
  /** Pairs the statistic is computed over (for a rate: its denominator). */
  n: number;
  interval: Interval;
  reason?: string;
}

/** Cohen's kappa with its large-sample standard error. */
export interface KappaEstimate extends Estimate {
  se: number | null;
}

/** Counts of (human, judge) labels: counts[i][j] = items people labelled labels[i] and the judge labels[j]. */
export interface ConfusionMatrix<L> {
  labels: L[];
  counts: number[][];
}

function compareLabels(x: Label, y: Label): number {
  if (typeof x !== typeof y) return typeof x < typeof y ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Confusion matrix of judge against human: rows are the human label (the reference),
 * columns the judge's, as scikit-learn's confusion_matrix. Labels in the order given, or
 * every label seen, sorted. A label outside the given list is refused.
 */
export function confusionMatrix<L extends Label>(pairs: readonly LabelPair<L>[], labels?: readonly L[]): ConfusionMatrix<L> {
  const order = labels ? [...labels] : [...new Set(pairs.flatMap((p) => [p.human, p.judge]))].sort(compareLabels);
  const index = new Map<L, number>();
  order.forEach((l, i) => {
    if (index.has(l)) throw new RangeError(`labels must not repeat: ${String(l)}`);
    index.set(l, i);
  });
  const counts = order.map(() => order.map(() => 0));
  pairs.forEach((p, i) => {
    const h = index.get(p.human);
    const j = index.get(p.judge);
    if (h === undefined) throw new RangeError(`pairs[${i}].human is ${String(p.human)}, not one of the labels`);
    if (j === undefined) throw new RangeError(`pairs[${i}].judge is ${String(p.judge)}, not one of the labels`);
    counts[h][j]++;
  });
  return { labels: order, counts };
}

function rate(successes: number, n: number, confidence: number, none: string): Estimate {
  const p = proportion(successes, n, confidence);
  return n === 0 ? { value: null, n, interval: null, reason: none } : { value: p.rate, n, interval: p.interval };
}

/**
 * Cohen's (1960) kappa of a square confusion matrix, with the large-sample standard error
 * of Fleiss, Cohen & Everitt (1969) (the ASE that SAS PROC FREQ and statsmodels report):
 * Var(κ) = [A + B - C] / (n (1 - pe)²), with
 * A = Σ p_ii (1 - (p_i. + p_.i)(1 - κ))², B = (1 - κ)² Σ_{i≠j} p_ij (p_.i + p_j.)²,
 * C = (κ - pe (1 - κ))², and the interval κ ± z·se, within [-1, 1].
 */
export function kappaEstimate(counts: readonly (readonly number[])[], confidence = DEFAULT_CONFIDENCE): KappaEstimate {
  const z = twoSidedZ(confidence);
  const k = counts.length;
  if (counts.some((row) => row.length !== k)) throw new RangeError('the confusion matrix must be square');
  let n = 0;
  for (const row of counts) for (const c of row) n += c;
  if (n === 0) return { value: null, n, se: null, interval: null, reason: 'no pairs' };
  const p = counts.map((row) => row.map((c) => c / n));
  const rows = p.map((row) => row.reduce((s, x) => s + x, 0));
  const cols = p[0].map((_, j) => p.reduce((s, row) => s + row[j], 0));
  let po = 0;
  let pe = 0;
  for (let i = 0; i < k; i++) {
    po += p[i][i];
    pe += rows[i] * cols[i];
  }
  // pe = 1 only when both raters used one and the same class for every item.
  if (pe >= 1 - 1e-12) return { value: null, n, se: null, interval: null, reason: 'one class only' };
  const kappa = (po - pe) / (1 - pe);
  let a = 0;
  let b = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) a += p[i][i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2;
      else b += p[i][j] * (cols[i] + rows[j]) ** 2;
    }
  }
  b *= (1 - kappa) ** 2;
  const c = (kappa - pe * (1 - kappa)) ** 2;
  const variance = Math.max(0, a + b - c) / (n * (1 - pe) ** 2);
  const se = Math.sqrt(variance);
  // The large-sample variance is 0 at perfect agreement: an interval [1, 1] would claim
  // certainty that 10 items cannot give. Say so instead (accuracy keeps its Wilson interval).
  if (se < 1e-12) return { value: kappa, n, se, interval: null, reason: 'perfect agreement: the large-sample interval is degenerate' };
  return { value: kappa, n, se, interval: { low: clamp(kappa - z * se, -1, 1), high: clamp(kappa + z * se, -1, 1) } };
}

/** Agreement of a boolean judge with people: true is the positive class. */
export interface BinaryAgreement {
  n: number;
  matrix: { truePositive: number; falsePositive: number; falseNegative: number; trueNegative: number };
  accuracy: Estimate;
  /** Share of human-true items the judge called true (sensitivity, recall). */
  tpr: Estimate;
  /** Share of human-false items the judge called false (specificity). */
  tnr: Estimate;
  kappa: KappaEstimate;
}

/** Confusion matrix, accuracy, TPR and TNR (Wilson intervals) and Cohen's kappa of boolean labels. */
export function binaryAgreement(pairs: readonly LabelPair<boolean>[], confidence = DEFAULT_CONFIDENCE): BinaryAgreement {
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  let trueNegative = 0;
  pairs.forEach((p, i) => {
    if (typeof p.judge !== 'boolean' || typeof p.human !== 'boolean') throw new RangeError(`pairs[${i}] must hold two booleans`);
    if (p.human) p.judge ? truePositive++ : falseNegative++;
    else p.judge ? falsePositive++ : trueNegative++;
  });
  const n = pairs.length;
  return {
    n,
    matrix: { truePositive, falsePositive, falseNegative, trueNegative },
    accuracy: rate(truePositive + trueNegative, n, confidence, 'no pairs'),
    tpr: rate(truePositive, truePositive + falseNegative, confidence, n ? 'no item that people labelled true' : 'no pairs'),
    tnr: rate(trueNegative, trueNegative + falsePositive, confidence, n ? 'no item that people labelled false' : 'no pairs'),
    kappa: kappaEstimate([[truePositive, falseNegative], [falsePositive, trueNegative]], confidence),
  };
}

/** Agreement of a categorical judge with people. */
export interface CategoricalAgreement<L> {
  n: number;
  labels: L[];
  /** matrix[i][j]: items people labelled labels[i] and the judge labels[j]. */
  matrix: number[][];
  accuracy: Estimate;
  kappa: KappaEstimate;
}

/** Confusion matrix, accuracy (Wilson interval) and Cohen's kappa of categorical labels. */
export function categoricalAgreement<L extends Label>(pairs: readonly LabelPair<L>[], labels?: readonly L[], confidence = DEFAULT_CONFIDENCE): CategoricalAgreement<L> {
  const m = confusionMatrix(pairs, labels);
  let agree = 0;
  m.counts.forEach((row, i) => (agree += row[i]));
  const n = pairs.length;
  return { n, labels: m.labels, matrix: m.counts, accuracy: rate(agree, n, confidence, 'no pairs'), kappa: kappaEstimate(m.counts, confidence) };
}

/** Agreement of a numeric judge with people. */
export interface NumericAgreement {
  n: number;
  spearman: Estimate;
  /** Mean |judge - human|, with a t interval (never below 0). */
  mae: Estimate;
  /** Mean judge - human: > 0 when the judge scores higher than people. */
  bias: Estimate;
  /** Share of pairs with |judge - human| <= tolerance, with its Wilson interval. */
  withinTolerance: Estimate;
}

/** Ranks 1..n, ties given the mean of the ranks they span. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((x, y) => values[x] - values[y]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) ranks[order[i]] = rank;
    start = end + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, ties at their average
 * rank (as scipy.stats.spearmanr). Interval by Fisher's z, atanh(r) ± z·sqrt(1.06/(n - 3))
 * (Fieller, Hartley & Pearson 1957), so it needs 4 pairs; the value needs 3.
 */
export function spearman(x: readonly number[], y: readonly number[], confidence = DEFAULT_CONFIDENCE): Estimate {
  const z = twoSidedZ(confidence);
  if (x.length !== y.length) throw new RangeError(`x and y must have the same length: ${x.length} against ${y.length}`);
  x.forEach((v, i) => checkFinite(v, `x[${i}]`));
  y.forEach((v, i) => checkFinite(v, `y[${i}]`));
  const n = x.length;
  if (n < 3) return { value: null, n, interval: null, reason: 'fewer than 3 pairs' };
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const mean = (n + 1) / 2; // the mean of ranks 1..n, ties or not
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) ** 2;
    syy += (ry[i] - mean) ** 2;
  }
  if (sxx === 0) return { value: null, n, interval: null, reason: 'no variation in x' };
  if (syy === 0) return { value: null, n, interval: null, reason: 'no variation in y' };
  const r = clamp(sxy / Math.sqrt(sxx * syy), -1, 1);
  if (n < 4) return { value: r, n, interval: null, reason: 'fewer than 4 pairs for an interval' };
  if (Math.abs(r) > 1 - 1e-12) return { value: r, n, interval: null, reason: 'perfect rank correlation: the Fisher z interval is undefined' };
  const centre = Math.atanh(r);
  const half = z * Math.sqrt(1.06 / (n - 3));
  return { value: r, n, interval: { low: Math.tanh(centre - half), high: Math.tanh(centre + half) } };
}

function meanEstimate(values: number[], confidence: number, floor?: number): Estimate {
  const m = meanInterval(values, confidence);
  if (m.mean === null) return { value: null, n: m.n, interval: null, reason: 'no pairs' };
  if (!m.interval) return { value: m.mean, n: m.n, interval: null, reason: 'fewer than 2 pairs' };
  return { value: m.mean, n: m.n, interval: floor === undefined ? m.interval : { low: Math.max(floor, m.interval.low), high: m.interval.high } };
}

/**
 * Spearman correlation, mean absolute error, bias and share within `tolerance` of numeric
 * scores. Within tolerance allows 1e-9 (relative) for decimal rounding: 0.8 - 0.6 is
 * 0.20000000000000007 in floating point, and is within 0.2.
 */
export function numericAgreement(pairs: readonly LabelPair<number>[], tolerance: number, confidence = DEFAULT_CONFIDENCE): NumericAgreement {
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new RangeError(`tolerance must be a finite number >= 0, got ${tolerance}`);
  pairs.forEach((p, i) => {
    checkFinite(p.judge, `pairs[${i}].judge`);
    checkFinite(p.human, `pairs[${i}].human`);
  });
  const n = pairs.length;
  const errors = pairs.map((p) => p.judge - p.human);
  const slack = tolerance + 1e-9 * Math.max(1, tolerance);
  const within = errors.filter((e) => Math.abs(e) <= slack).length;
  const rho = spearman(pairs.map((p) => p.judge), pairs.map((p) => p.human), confidence);
  const reason = { 'no variation in x': 'no variation in the judge scores', 'no variation in y': 'no variation in the human scores' }[rho.reason ?? ''];
  return {
    n,
    spearman: reason ? { ...rho, reason } : rho,
    mae: meanEstimate(errors.map(Math.abs), confidence, 0),
    bias: meanEstimate(errors, confidence),
    withinTolerance: rate(within, n, confidence, 'no pairs'),
  };
}
