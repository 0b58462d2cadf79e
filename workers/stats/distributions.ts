/**
 * Distribution functions the intervals and tests stand on. They come from stdlib
 * (@stdlib/stats-base-dists-*: small, maintained, each function its own package, pure
 * JavaScript that runs in workerd), not from code of our own: a quantile or an incomplete
 * beta function is easy to get subtly wrong in the tails.
 */
import binomialCdfStd from '@stdlib/stats-base-dists-binomial-cdf';
import normalCdfStd from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileStd from '@stdlib/stats-base-dists-normal-quantile';
import tQuantileStd from '@stdlib/stats-base-dists-t-quantile';
import { checkCount } from './checks.ts';
import { checkConfidence } from './interval.ts';

/** Quantile of the standard normal distribution: the x with P(Z <= x) = p, for 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be between 0 and 1 (exclusive), got ${p}`);
  return normalQuantileStd(p, 0, 1);
}

/** Cumulative distribution of the standard normal: P(Z <= x). */
export function normalCdf(x: number): number {
  return normalCdfStd(x, 0, 1);
}

/** Quantile of Student's t distribution with `df` (> 0) degrees of freedom, for 0 < p < 1. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be between 0 and 1 (exclusive), got ${p}`);
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`df must be a finite number > 0, got ${df}`);
  return tQuantileStd(p, df);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  checkCount(n, 'n');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be between 0 and 1, got ${p}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  return binomialCdfStd(Math.floor(k), n, p);
}

/** The z with a two-sided `confidence` interval of ±z (1.959964 for 95%). */
export function twoSidedZ(confidence: number): number {
  checkConfidence(confidence);
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** The t with a two-sided `confidence` interval of ±t at `df` degrees of freedom. */
export function twoSidedT(confidence: number, df: number): number {
  checkConfidence(confidence);
  return tQuantile(1 - (1 - confidence) / 2, df);
}
