import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fisherExact, mcnemarExact, twoProportionZ } from './tests.ts';

/** Exact reference: binomial coefficients as BigInt, so no rounding before the last division. */
function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** Fisher's two-sided p summed over exact hypergeometric numerators (common denominator C(N, row1)). */
function fisherByHand(a: number, b: number, c: number, d: number): number {
  const row1 = a + b, col1 = a + c, total = a + b + c + d;
  const term = (x: number) => choose(col1, x) * choose(total - col1, row1 - x);
  const observed = term(a);
  let sum = 0n;
  for (let x = Math.max(0, row1 + col1 - total); x <= Math.min(row1, col1); x++) if (term(x) <= observed) sum += term(x);
  return Number((sum * 10n ** 15n) / choose(total, row1)) / 1e15;
}

/** McNemar's exact p by hand: 2 · Σ_{i <= min} C(n, i) / 2^n, capped at 1. */
function mcnemarByHand(b: number, c: number): number {
  const n = b + c;
  let sum = 0n;
  for (let i = 0; i <= Math.min(b, c); i++) sum += choose(n, i);
  return Math.min(1, Number((2n * sum * 10n ** 15n) / 2n ** BigInt(n)) / 1e15);
}

describe("McNemar's exact test on discordant pairs", () => {
  it('matches the published example of Fagerland, Lydersen & Laake (2013)', () => {
    // BMC Med Res Methodol 13:91, airway hyper-responsiveness before/after: 1 vs 7
    // discordant pairs, exact conditional p = 0.070 (= 2 · 9/256).
    expect(mcnemarExact(1, 7)).toEqual({ p: 18 / 256, n: 8 });
  });

  it("matches the exact binomial sum on Agresti's presidential approval table (150 vs 86)", () => {
    // Agresti (2013), Categorical Data Analysis, Table 11.1; the hand sum gives 3.7159e-5.
    expect(mcnemarExact(86, 150).p).toBeCloseTo(3.715936e-5, 9);
    expect(mcnemarExact(150, 86).p).toBe(mcnemarExact(86, 150).p);
  });

  it('gives p = 1 when as many examples improved as regressed, or none changed', () => {
    expect(mcnemarExact(5, 5).p).toBe(1);
    expect(mcnemarExact(0, 0)).toEqual({ p: 1, n: 0 });
    expect(mcnemarExact(0, 1).p).toBe(1);
    expect(mcnemarExact(0, 10).p).toBeCloseTo(2 / 1024, 15);
  });

  it('equals the exact binomial sum for any counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (b, c) => {
        expect(mcnemarExact(b, c).p).toBeCloseTo(mcnemarByHand(b, c), 10);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses counts that are not whole numbers >= 0', () => {
    expect(() => mcnemarExact(-1, 2)).toThrow(RangeError);
    expect(() => mcnemarExact(1.5, 2)).toThrow(RangeError);
  });
});

describe("Fisher's exact test (two-sided)", () => {
  it("matches the lady tasting tea (Fisher 1935; R's fisher.test(TeaTasting): 0.4857)", () => {
    expect(fisherExact(3, 1, 1, 3).p).toBeCloseTo(17 / 35, 12);
  });

  it('matches the worked examples of the scipy.stats.fisher_exact documentation', () => {
    expect(fisherExact(8, 2, 1, 5).p).toBeCloseTo(0.034965034965035, 12); // = 5/143
    expect(fisherExact(6, 2, 1, 4).p).toBeCloseTo(0.10256410256410256, 12); // = 4/39
  });

  it("matches R's Convictions example (Fisher 1962), two-sided = 3571/6653325", () => {
    // R: fisher.test(Convictions, alternative = "less") gives 0.0004652; two-sided by hand 0.000536724.
    expect(fisherExact(2, 10, 15, 3).p).toBeCloseTo(3571 / 6653325, 12);
  });

  it('is 1 for degenerate margins (an empty row or column)', () => {
    expect(fisherExact(0, 5, 0, 5).p).toBe(1);
    expect(fisherExact(7, 12, 0, 0).p).toBe(1);
    expect(fisherExact(0, 0, 0, 0).p).toBe(1);
  });

  it('equals the exact hypergeometric sum for any small table', () => {
    const cell = fc.integer({ min: 0, max: 40 });
    fc.assert(
      fc.property(cell, cell, cell, cell, (a, b, c, d) => {
        expect(fisherExact(a, b, c, d).p).toBeCloseTo(fisherByHand(a, b, c, d), 10);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps full precision on tables of 100,000 traces', () => {
    // Reference values: the exact sum of big-integer hypergeometric terms (every table of
    // the margins enumerated), divided once at the end.
    const strong = fisherExact(900, 9_100, 4_100, 85_900).p;
    expect(Math.abs(strong / 3.794640216543856e-70 - 1)).toBeLessThan(1e-9);
    expect(fisherExact(520, 9_480, 4_480, 85_520).p).toBeCloseTo(0.33337338795416005, 10);
    expect(fisherExact(500, 9_500, 4_500, 85_500).p).toBe(1);
  });
});

describe('two-proportion z test', () => {
  it('matches the pooled z computed by hand', () => {
    // 45/100 vs 30/100: pooled 0.375, se = sqrt(0.375·0.625·0.02) = 0.0684653, z = 2.19089.
    const r = twoProportionZ(45, 100, 30, 100);
    expect(r.z).toBeCloseTo(0.15 / Math.sqrt(0.375 * 0.625 * 0.02), 12);
    expect(r.p).toBeCloseTo(0.028459, 5);
  });

  it('is undefined, with the reason, for an empty group or no variation', () => {
    expect(twoProportionZ(0, 0, 3, 10)).toEqual({ z: null, p: null, reason: 'a group is empty' });
    expect(twoProportionZ(10, 10, 5, 5)).toMatchObject({ z: null, p: null });
  });
});
