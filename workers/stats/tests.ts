/**
 * Significance tests on counts: McNemar's exact test for paired pass/fail results (did the
 * candidate fix more examples than it broke?), Fisher's exact test for a 2×2 table (does a
 * pattern's failure rate differ from the rest's?) and the pooled two-proportion z test for
 * large independent samples. Exact tests because eval sets and patterns are often small,
 * where the chi-square approximations are poor.
 */
import { binomialCdf, normalCdf } from './distributions.ts';
import { checkCount } from './checks.ts';

/**
 * McNemar's (1947) test in its exact form: under "no change" each discordant example is
 * as likely to have improved as regressed, so improved ~ Binomial(improved + regressed,
 * 1/2), and p = min(1, 2·P(X <= min(improved, regressed))). Concordant examples carry no
 * information. p = 1 when nothing changed (n = 0).
 */
export function mcnemarExact(improved: number, regressed: number): { p: number; n: number } {
  checkCount(improved, 'improved');
  checkCount(regressed, 'regressed');
  const n = improved + regressed;
  if (n === 0) return { p: 1, n };
  return { p: Math.min(1, 2 * binomialCdf(Math.min(improved, regressed), n, 0.5)), n };
}

// R's fisher.test (and scipy) count tables "as likely as" the observed one within a
// relative 1e-7, so that ties broken by rounding are still ties.
const LOG_TIE = Math.log1p(1e-7);
// Beyond e^-800 of the mode's weight a table cannot move a double sum; stop walking there.
const LOG_NEGLIGIBLE = -800;

/**
 * Fisher's exact test, two-sided, of the table [[a, b], [c, d]]: the probability, with
 * the margins fixed, of a table no more likely than the observed one (the hypergeometric
 * terms <= the observed term, as R's fisher.test and scipy.stats.fisher_exact sum them).
 * Terms come from the ratio of consecutive hypergeometric probabilities walked outward
 * from the mode in log space, so tables of 100,000 traces need no factorials. p values
 * below about 1e-300 are reported as 0.
 */
export function fisherExact(a: number, b: number, c: number, d: number): { p: number } {
  checkCount(a, 'a');
  checkCount(b, 'b');
  checkCount(c, 'c');
  checkCount(d, 'd');
  const row1 = a + b;
  const col1 = a + c;
  const total = a + b + c + d;
  const lo = Math.max(0, row1 + col1 - total);
  const hi = Math.min(row1, col1);
  if (lo === hi) return { p: 1 };
  // log f(x+1) - log f(x) for the number x in the top-left cell.
  const step = (x: number) => Math.log(((col1 - x) * (row1 - x)) / ((x + 1) * (total - row1 - col1 + x + 1)));
  const mode = Math.min(hi, Math.max(lo, Math.floor(((row1 + 1) * (col1 + 1)) / (total + 2))));
  const logWeights = new Map<number, number>([[mode, 0]]);
  for (let x = mode, lw = 0; x < hi && lw > LOG_NEGLIGIBLE; x++) logWeights.set(x + 1, (lw += step(x)));
  for (let x = mode, lw = 0; x > lo && lw > LOG_NEGLIGIBLE; x--) logWeights.set(x - 1, (lw -= step(x - 1)));
  const observed = logWeights.get(a);
  if (observed === undefined) return { p: 0 };
  let all = 0;
  let asExtreme = 0;
  for (const lw of logWeights.values()) {
    const w = Math.exp(lw);
    all += w;
    if (lw <= observed + LOG_TIE) asExtreme += w;
  }
  return { p: Math.min(1, asExtreme / all) };
}

/**
 * Pooled two-proportion z test of x1/n1 against x2/n2 (Agresti 2013, §3.1.2): for large
 * independent samples. z and p are null, with the reason, when a group is empty or every
 * observation is the same.
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): { z: number | null; p: number | null; reason?: string } {
  for (const [v, name] of [[x1, 'x1'], [n1, 'n1'], [x2, 'x2'], [n2, 'n2']] as const) checkCount(v, name);
  if (x1 > n1 || x2 > n2) throw new RangeError(`successes must not exceed their group (x1 ${x1} of ${n1}, x2 ${x2} of ${n2})`);
  if (n1 === 0 || n2 === 0) return { z: null, p: null, reason: 'a group is empty' };
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance === 0) return { z: null, p: null, reason: 'no variation: every observation is the same' };
  const z = (x1 / n1 - x2 / n2) / Math.sqrt(variance);
  return { z, p: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}
