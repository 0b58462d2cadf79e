import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { meanPassAtK, meanPassHatK, passAtK, passHatK } from './reliability.ts';

/** Exact reference: C(x, k) / C(n, k) as a ratio of BigInts. */
function chooseRatio(x: number, n: number, k: number): number {
  const choose = (m: number, j: number) => {
    if (j > m) return 0n;
    let r = 1n;
    for (let i = 1; i <= j; i++) r = (r * BigInt(m - j + i)) / BigInt(i);
    return r;
  };
  return Number((choose(x, k) * 10n ** 18n) / choose(n, k)) / 1e18;
}

const runs = fc.integer({ min: 1, max: 60 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 1, max: n })));

describe('pass@k and pass^k', () => {
  it('match the combinatorial definitions worked by hand', () => {
    // n = 5 runs, c = 2 passed, k = 2: pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10; pass^2 = C(2,2)/C(5,2) = 1/10.
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 15);
    expect(passHatK(5, 2, 2)).toBeCloseTo(0.1, 15);
    // k = 1 is the plain pass rate for both.
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 15);
    expect(passHatK(10, 3, 1)).toBeCloseTo(0.3, 15);
    // τ-bench's reading: 4 trials, 3 passed: pass^4 = 0, pass^3 = C(3,3)/C(4,3) = 1/4.
    expect(passHatK(4, 3, 4)).toBe(0);
    expect(passHatK(4, 3, 3)).toBeCloseTo(0.25, 15);
  });

  it("equal the exact binomial-coefficient ratios (Chen et al.'s and Yao et al.'s formulas)", () => {
    fc.assert(
      fc.property(runs, ([n, c, k]) => {
        expect(passAtK(n, c, k)).toBeCloseTo(1 - chooseRatio(n - c, n, k), 12);
        expect(passHatK(n, c, k)).toBeCloseTo(chooseRatio(c, n, k), 12);
      }),
    );
  });

  it('stay finite for large n, where factorials overflow', () => {
    expect(passAtK(10_000, 10, 100)).toBeCloseTo(1 - chooseRatio(9_990, 10_000, 100), 12);
    expect(passHatK(10_000, 9_990, 100)).toBeCloseTo(chooseRatio(9_990, 10_000, 100), 12);
    expect(Number.isFinite(passAtK(1e6, 5e5, 1000))).toBe(true);
  });

  it('are 0 and 1 at the ends: all runs failed, all passed', () => {
    expect(passAtK(8, 0, 3)).toBe(0);
    expect(passHatK(8, 0, 3)).toBe(0);
    expect(passAtK(8, 8, 3)).toBe(1);
    expect(passHatK(8, 8, 3)).toBe(1);
  });

  it('are undefined (null) when k is more runs than there were', () => {
    expect(passAtK(3, 1, 4)).toBeNull();
    expect(passHatK(3, 3, 4)).toBeNull();
    expect(passAtK(0, 0, 1)).toBeNull();
  });

  it('refuse impossible counts', () => {
    expect(() => passAtK(3, 4, 1)).toThrow(RangeError);
    expect(() => passAtK(3, 1, 0)).toThrow(RangeError);
    expect(() => passHatK(3, 1, 1.5)).toThrow(RangeError);
  });

  it('order as a reliability measure should: pass^k <= pass rate <= pass@k, both monotone in k', () => {
    fc.assert(
      fc.property(runs, ([n, c, k]) => {
        const rate = c / n;
        expect(passHatK(n, c, k)!).toBeLessThanOrEqual(rate + 1e-12);
        expect(passAtK(n, c, k)!).toBeGreaterThanOrEqual(rate - 1e-12);
        if (k < n) {
          expect(passHatK(n, c, k + 1)!).toBeLessThanOrEqual(passHatK(n, c, k)! + 1e-12);
          expect(passAtK(n, c, k + 1)!).toBeGreaterThanOrEqual(passAtK(n, c, k)! - 1e-12);
        }
      }),
    );
  });
});

describe('pass@k and pass^k of an experiment (mean over examples)', () => {
  it('average the per-example estimates with an interval, skipping examples with too few runs', () => {
    const examples = [{ n: 4, c: 4 }, { n: 4, c: 2 }, { n: 4, c: 0 }, { n: 1, c: 1 }];
    const hat = meanPassHatK(examples, 2);
    // pass^2 per example: 1, C(2,2)/C(4,2) = 1/6, 0; the one-run example is skipped.
    expect(hat.mean).toBeCloseTo((1 + 1 / 6 + 0) / 3, 12);
    expect(hat.n).toBe(3);
    expect(hat.skipped).toBe(1);
    expect(hat.interval).not.toBeNull();
    const at = meanPassAtK(examples, 2);
    expect(at.mean).toBeCloseTo((1 + (1 - 1 / 6) + 0) / 3, 12);
  });

  it('say why when no example has k runs', () => {
    expect(meanPassAtK([{ n: 1, c: 1 }], 3)).toMatchObject({ mean: null, n: 0, skipped: 1, reason: 'no example has 3 or more runs' });
    expect(meanPassHatK([], 2)).toMatchObject({ mean: null, n: 0, skipped: 0, reason: 'no examples' });
  });
});
