import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { clusteredMeanInterval, meanInterval } from './means.ts';

describe('mean with a t interval', () => {
  it("matches R's t.test on Student's sleep data (drug 2 - drug 1, Cushny & Peebles 1905)", () => {
    // R: with(sleep, t.test(extra[group == 2] - extra[group == 1])): mean 1.58,
    // 95 percent CI 0.7001142 2.4598858, t = 4.0621, df = 9.
    const diffs = [1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4];
    const m = meanInterval(diffs);
    expect(m.mean).toBeCloseTo(1.58, 12);
    expect(m.n).toBe(10);
    expect(m.interval!.low).toBeCloseTo(0.7001142, 6);
    expect(m.interval!.high).toBeCloseTo(2.4598858, 6);
    expect(m.mean! / m.se!).toBeCloseTo(4.0621, 4);
  });

  it('computes sd and se by hand on a small table', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample variance 32/7.
    const m = meanInterval([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(m.mean).toBe(5);
    expect(m.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(m.se).toBeCloseTo(Math.sqrt(32 / 7 / 8), 12);
  });

  it('keeps precision for values with a large common offset', () => {
    const m = meanInterval([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    expect(m.mean).toBe(1e9 + 10);
    expect(m.sd).toBeCloseTo(Math.sqrt(30), 6);
  });

  it('has no mean for no values and no interval for one value, with the reason', () => {
    expect(meanInterval([])).toEqual({ mean: null, n: 0, sd: null, se: null, interval: null, reason: 'no values' });
    expect(meanInterval([0.5])).toEqual({ mean: 0.5, n: 1, sd: null, se: null, interval: null, reason: 'fewer than 2 values' });
  });

  it('gives a zero-width interval when every value is the same', () => {
    expect(meanInterval([1, 1, 1])).toMatchObject({ mean: 1, se: 0, interval: { low: 1, high: 1 } });
  });

  it('refuses a confidence level outside (0, 1), even with too few values for an interval', () => {
    expect(() => meanInterval([1, 2], 95)).toThrow(/confidence/);
    expect(() => meanInterval([], 0)).toThrow(/confidence/);
    expect(() => clusteredMeanInterval([[1]], 1)).toThrow(/confidence/);
  });

  it('refuses NaN and Infinity among the values', () => {
    expect(() => meanInterval([1, Number.NaN])).toThrow(/values\[1\]/);
    expect(() => meanInterval([Infinity, 1])).toThrow(RangeError);
  });

  it('always contains the mean, and widens with the confidence level', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 200 }), (values) => {
        const m95 = meanInterval(values);
        const m99 = meanInterval(values, 0.99);
        expect(m95.interval!.low).toBeLessThanOrEqual(m95.mean!);
        expect(m95.interval!.high).toBeGreaterThanOrEqual(m95.mean!);
        expect(m99.interval!.high - m99.interval!.low).toBeGreaterThanOrEqual(m95.interval!.high - m95.interval!.low);
        expect(Number.isFinite(m95.se)).toBe(true);
      }),
    );
  });
});

describe('clustered mean (repetitions of one example form a cluster)', () => {
  it('equals the t interval of the plain mean with one value per cluster', () => {
    const values = [1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4];
    const c = clusteredMeanInterval(values.map((v) => [v]));
    const m = meanInterval(values);
    expect(c.mean).toBeCloseTo(m.mean!, 12);
    expect(c.se).toBeCloseTo(m.se!, 12);
    expect(c.interval!.low).toBeCloseTo(m.interval!.low, 10);
    expect(c).toMatchObject({ n: 10, observations: 10 });
  });

  it('computes the cluster-robust error of a hand-worked table', () => {
    // Pass/fail, 3 examples x 2 runs: [1,1] [1,0] [0,0]. Mean 0.5; cluster sums of
    // residuals 1, 0, -1; se² = 3/2 · 2 / 36 = 1/12.
    const c = clusteredMeanInterval([[1, 1], [1, 0], [0, 0]]);
    expect(c.mean).toBe(0.5);
    expect(c.se).toBeCloseTo(Math.sqrt(1 / 12), 12);
    expect(c.observations).toBe(6);
  });

  it('is wider than the interval that treats every run as independent when runs of an example agree', () => {
    const clusters = [[1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]];
    const clustered = clusteredMeanInterval(clusters);
    const naive = meanInterval(clusters.flat());
    expect(clustered.mean).toBeCloseTo(naive.mean!, 12);
    expect(clustered.se!).toBeGreaterThan(naive.se! * 1.5);
  });

  it('says why when there are too few clusters, and refuses an empty cluster', () => {
    expect(clusteredMeanInterval([])).toMatchObject({ mean: null, n: 0, interval: null, reason: 'no values' });
    expect(clusteredMeanInterval([[1, 0]])).toMatchObject({ mean: 0.5, n: 1, se: null, interval: null, reason: 'fewer than 2 clusters' });
    expect(() => clusteredMeanInterval([[1], []])).toThrow(/clusters\[1\]/);
  });
});
