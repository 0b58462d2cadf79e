/**
 * A pass rate (or any share) with its Wilson score interval. Wilson's interval, not the
 * textbook p ± z·sqrt(p(1-p)/n): that one collapses to [0, 0] or [1, 1] at 0% and 100%
 * and covers badly for small n (Agresti & Coull 1998; Brown, Cai & DasGupta 2001), and
 * eval sets are often small with rates near the ends.
 */
import { twoSidedZ } from './distributions.ts';
import { checkFinite } from './checks.ts';
import { clamp, DEFAULT_CONFIDENCE, type Interval } from './interval.ts';

/** A share of successes among n, with its interval. `rate` is null (and `reason` says why) when n = 0. */
export interface Proportion {
  rate: number | null;
  successes: number;
  n: number;
  interval: Interval;
  reason?: string;
}

function checkCounts(successes: number, n: number): void {
  checkFinite(successes, 'successes');
  checkFinite(n, 'n');
  if (n < 0) throw new RangeError(`n must be >= 0, got ${n}`);
  if (successes < 0 || successes > n) throw new RangeError(`successes must be between 0 and n (${n}), got ${successes}`);
}

/**
 * Wilson (1927) score interval for successes out of n: the p whose score test does not
 * reject at the level. Null when n = 0. Counts may be fractional (weighted shares).
 */
export function wilsonInterval(successes: number, n: number, confidence = DEFAULT_CONFIDENCE): Interval {
  checkCounts(successes, n);
  const z = twoSidedZ(confidence);
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // The exact bound at 0 successes is 0 (and 1 at n): say so rather than leave 1e-17.
  return {
    low: successes === 0 ? 0 : clamp(centre - half, 0, p),
    high: successes === n ? 1 : clamp(centre + half, p, 1),
  };
}

/** successes / n with its Wilson interval; rate and interval null (with the reason) when n = 0. */
export function proportion(successes: number, n: number, confidence = DEFAULT_CONFIDENCE): Proportion {
  const interval = wilsonInterval(successes, n, confidence);
  if (n === 0) return { rate: null, successes, n, interval, reason: 'no observations' };
  return { rate: successes / n, successes, n, interval };
}
