/**
 * Lift of a failure pattern: how much likelier a trace with the pattern fails than a trace
 * in general (its failure rate over the base rate), with the pattern's support, a
 * confidence interval and Fisher's exact test of the pattern against the rest. Ranking by
 * lift alone favours tiny patterns (2 of 2 failed); the interval and p say which lifts
 * are real, and benjaminiHochberg (or liftsAcrossPatterns) corrects for testing many.
 */
import { twoSidedZ } from './distributions.ts';
import { checkCount } from './checks.ts';
import { checkConfidence, DEFAULT_CONFIDENCE, type Interval } from './interval.ts';
import { benjaminiHochberg } from './multiple.ts';
import { fisherExact } from './tests.ts';

/** Counts of one pattern: failing and all traces with it, failing and all traces overall. */
export interface PatternCounts {
  failuresWith: number;
  totalWith: number;
  failuresAll: number;
  totalAll: number;
}

/** A pattern's lift with its support, interval and p value. Null fields come with the reason. */
export interface Lift {
  /** rate / baseRate. */
  lift: number | null;
  /** Traces with the pattern (totalWith). */
  support: number;
  /** Share of all traces with the pattern. */
  share: number | null;
  /** Failure rate of traces with the pattern. */
  rate: number | null;
  /** Failure rate of all traces. */
  baseRate: number | null;
  interval: Interval;
  /** Two-sided Fisher exact p: traces with the pattern against traces without. */
  p: number;
  reason?: string;
}

/**
 * Katz et al. (1978) log interval for the risk ratio (x1/n1)/(x2/n2):
 * exp(log RR ± z·sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2)). With a zero count, 0.5 is added to
 * each cell (Haldane-Anscombe), as the log of 0 has no interval. Null when a group is
 * empty or nothing failed at all.
 */
export function riskRatioInterval(x1: number, n1: number, x2: number, n2: number, confidence = DEFAULT_CONFIDENCE): Interval {
  const z = twoSidedZ(confidence);
  if (n1 === 0 || n2 === 0 || x1 + x2 === 0) return null;
  const corrected = x1 === 0 || x2 === 0;
  const [a, m, b, n] = corrected ? [x1 + 0.5, n1 + 1, x2 + 0.5, n2 + 1] : [x1, n1, x2, n2];
  const logRatio = Math.log(a / m / (b / n));
  const se = Math.sqrt(1 / a - 1 / m + 1 / b - 1 / n);
  return { low: Math.exp(logRatio - z * se), high: Math.exp(logRatio + z * se) };
}

function checkPattern({ failuresWith, totalWith, failuresAll, totalAll }: PatternCounts): void {
  checkCount(failuresWith, 'failuresWith');
  checkCount(totalWith, 'totalWith');
  checkCount(failuresAll, 'failuresAll');
  checkCount(totalAll, 'totalAll');
  if (failuresWith > totalWith) throw new RangeError(`failuresWith (${failuresWith}) must not exceed totalWith (${totalWith})`);
  if (totalWith > totalAll) throw new RangeError(`totalWith (${totalWith}) must not exceed totalAll (${totalAll})`);
  if (failuresAll > totalAll) throw new RangeError(`failuresAll (${failuresAll}) must not exceed totalAll (${totalAll})`);
  if (failuresWith > failuresAll) throw new RangeError(`failuresWith (${failuresWith}) must not exceed failuresAll (${failuresAll})`);
  if (failuresAll - failuresWith > totalAll - totalWith) throw new RangeError(`failures without the pattern (${failuresAll - failuresWith}) exceed the traces without it (${totalAll - totalWith})`);
}

/**
 * Lift of one pattern. Its interval is Katz's interval for the risk ratio of the pattern
 * against the rest, RR, mapped onto lift: with w the pattern's share,
 * lift = RR / (w·RR + 1 - w), increasing in RR, so the bounds map to bounds (0 and the
 * largest possible lift 1/w stand in where a zero count leaves a bound open).
 */
export function lift(counts: PatternCounts, confidence = DEFAULT_CONFIDENCE): Lift {
  checkPattern(counts);
  checkConfidence(confidence);
  const { failuresWith, totalWith, failuresAll, totalAll } = counts;
  const failuresWithout = failuresAll - failuresWith;
  const totalWithout = totalAll - totalWith;
  const p = fisherExact(failuresWith, totalWith - failuresWith, failuresWithout, totalWithout - failuresWithout).p;
  const support = totalWith;
  if (totalAll === 0) return { lift: null, support, share: null, rate: null, baseRate: null, interval: null, p, reason: 'no traces' };
  const share = totalWith / totalAll;
  const baseRate = failuresAll / totalAll;
  if (totalWith === 0) return { lift: null, support, share, rate: null, baseRate, interval: null, p, reason: 'the pattern matches no trace' };
  const rate = failuresWith / totalWith;
  if (failuresAll === 0) return { lift: null, support, share, rate, baseRate, interval: null, p, reason: 'no trace failed' };
  const value = rate / baseRate;
  if (totalWithout === 0) return { lift: value, support, share, rate, baseRate, interval: null, p, reason: 'the pattern matches every trace' };
  const ratio = riskRatioInterval(failuresWith, totalWith, failuresWithout, totalWithout, confidence)!;
  const toLift = (rr: number) => rr / (share * rr + 1 - share);
  const low = failuresWith === 0 ? 0 : toLift(ratio.low);
  const high = failuresWithout === 0 ? 1 / share : toLift(ratio.high);
  return { lift: value, support, share, rate, baseRate, interval: { low: Math.min(low, value), high: Math.max(high, value) }, p };
}

/**
 * Lifts of many patterns over the same traces, in the order given, each with its
 * Benjamini-Hochberg q value: report patterns with q below the chosen false discovery rate.
 */
export function liftsAcrossPatterns(patterns: readonly PatternCounts[], confidence = DEFAULT_CONFIDENCE): (Lift & { q: number })[] {
  const lifts = patterns.map((p) => lift(p, confidence));
  const q = benjaminiHochberg(lifts.map((l) => l.p));
  return lifts.map((l, i) => ({ ...l, q: q[i] }));
}
