import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { clusteredPairedDifference, pairedDifference } from './paired.ts';

// Student's sleep data (Cushny & Peebles 1905), as in R's `sleep`: extra hours of sleep
// of 10 patients under drug 1 (a) and drug 2 (b).
const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

const values = fc.double({ min: -100, max: 100, noNaN: true });

describe('paired difference of two experiments', () => {
  it("matches R's paired t.test on the sleep data", () => {
    // R: t.test(extra ~ group, data = sleep, paired = TRUE) prints mean difference -1.58,
    // 95 percent CI -2.4598858 -0.7001142 (group 1 - group 2); b - a flips the sign.
    const d = pairedDifference(drug1, drug2);
    expect(d.mean).toBeCloseTo(1.58, 12);
    expect(d.n).toBe(10);
    expect(d.interval!.low).toBeCloseTo(0.7001142, 6);
    expect(d.interval!.high).toBeCloseTo(2.4598858, 6);
  });

  it('is much narrower than the unpaired interval when the two runs are correlated', () => {
    // Welch's unpaired interval on the same data is -0.2054832 to 3.3654832 (R: t.test(extra ~ group, data = sleep)).
    const d = pairedDifference(drug1, drug2);
    expect(d.interval!.high - d.interval!.low).toBeLessThan(3.3654832 + 0.2054832);
  });

  it('is 0 with a zero-width interval for identical experiments', () => {
    fc.assert(
      fc.property(fc.array(values, { minLength: 2, maxLength: 100 }), (a) => {
        expect(pairedDifference(a, a)).toMatchObject({ mean: 0, se: 0, interval: { low: 0, high: 0 } });
      }),
    );
  });

  it('says why when there are too few examples, and refuses unequal lengths', () => {
    expect(pairedDifference([], [])).toEqual({ mean: null, n: 0, se: null, interval: null, reason: 'no examples' });
    expect(pairedDifference([1], [0])).toEqual({ mean: -1, n: 1, se: null, interval: null, reason: 'fewer than 2 examples' });
    expect(() => pairedDifference([1, 2], [1])).toThrow(RangeError);
    expect(() => pairedDifference([1, Number.NaN], [1, 2])).toThrow(/a\[1\]/);
    expect(() => pairedDifference([1, 2], [1, 2], 1.5)).toThrow(/confidence/);
    expect(() => clusteredPairedDifference([], -0.5)).toThrow(/confidence/);
  });
});

describe('clustered paired difference (repetitions of one example form a cluster)', () => {
  it('equals the paired difference with one run per side per example', () => {
    const d = clusteredPairedDifference(drug1.map((a, i) => ({ a: [a], b: [drug2[i]] })));
    const p = pairedDifference(drug1, drug2);
    expect(d.mean).toBeCloseTo(p.mean!, 12);
    expect(d.se).toBeCloseTo(p.se!, 12);
    expect(d.interval!.low).toBeCloseTo(p.interval!.low, 10);
    expect(d.observations).toBe(20);
  });

  it('does not shrink the error when each run is repeated identically (repeats are not new examples)', () => {
    const once = clusteredPairedDifference(drug1.map((a, i) => ({ a: [a], b: [drug2[i]] })));
    const fourTimes = clusteredPairedDifference(drug1.map((a, i) => ({ a: [a, a, a, a], b: [drug2[i], drug2[i], drug2[i], drug2[i]] })));
    expect(fourTimes.mean).toBeCloseTo(once.mean!, 12);
    expect(fourTimes.se).toBeCloseTo(once.se!, 12);
    expect(fourTimes.n).toBe(10);
  });

  it('computes the cluster-robust error of a hand-worked table', () => {
    // Three examples, pass/fail, 2 runs each. a: [1,1] [0,1] [0,0]  b: [1,1] [1,1] [1,0]
    // ā = 3/6 = 0.5, b̄ = 5/6, difference 1/3. Per cluster u = Σ(b - b̄)/6 - Σ(a - ā)/6:
    // c1: (2 - 10/6)/6 - (2 - 1)/6 = (1/3 - 1)/6 = -1/9
    // c2: (2 - 10/6)/6 - (1 - 1)/6 = 1/18
    // c3: (1 - 10/6)/6 - (0 - 1)/6 = (-2/3 + 1)/6 = 1/18
    // Var = 3/2 · (1/81 + 1/324 + 1/324) = 3/2 · 6/324 = 1/36, se = 1/6.
    const d = clusteredPairedDifference([
      { a: [1, 1], b: [1, 1] },
      { a: [0, 1], b: [1, 1] },
      { a: [0, 0], b: [1, 0] },
    ]);
    expect(d.mean).toBeCloseTo(1 / 3, 12);
    expect(d.se).toBeCloseTo(1 / 6, 12);
    // t(0.975, 2) = 4.302653
    expect(d.interval!.low).toBeCloseTo(1 / 3 - 4.302653 / 6, 5);
    expect(d.observations).toBe(12);
  });

  it('equals the paired difference of per-example means when every example has the same number of runs', () => {
    const example = (m: number) => fc.record({ a: fc.array(values, { minLength: m, maxLength: m }), b: fc.array(values, { minLength: m, maxLength: m }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((m) => fc.array(example(m), { minLength: 2, maxLength: 30 })), (clusters) => {
        const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
        const d = clusteredPairedDifference(clusters);
        const p = pairedDifference(clusters.map((c) => mean(c.a)), clusters.map((c) => mean(c.b)));
        expect(d.mean).toBeCloseTo(p.mean!, 9);
        expect(d.se).toBeCloseTo(p.se!, 9);
      }),
    );
  });

  it('weighs every run the same when repetition counts differ (the delta equals the difference of the run means)', () => {
    const clusters = [
      { a: [1, 0, 1], b: [1] },
      { a: [0], b: [1, 1] },
      { a: [1, 1], b: [0, 1, 1] },
    ];
    const d = clusteredPairedDifference(clusters);
    // Runs of a: 4 passes of 6; runs of b: 5 of 6. (The mean of per-example differences would be 1/3.)
    expect(d.mean).toBeCloseTo(5 / 6 - 4 / 6, 12);
    expect(d.se).toBeGreaterThan(0);
  });

  it('says why when there are too few examples, and refuses an example missing a side', () => {
    expect(clusteredPairedDifference([])).toMatchObject({ mean: null, n: 0, interval: null, reason: 'no examples' });
    expect(clusteredPairedDifference([{ a: [0, 1], b: [1, 1] }])).toMatchObject({ mean: 0.5, n: 1, se: null, interval: null, reason: 'fewer than 2 examples' });
    expect(() => clusteredPairedDifference([{ a: [], b: [1] }])).toThrow(/clusters\[0\]/);
  });

  it('is 0 for identical experiments, and its interval always contains the difference', () => {
    const cluster = fc.array(values, { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.record({ a: cluster, b: cluster }), { minLength: 2, maxLength: 40 }), (clusters) => {
        const same = clusteredPairedDifference(clusters.map((c) => ({ a: c.a, b: c.a })));
        expect(same.mean).toBeCloseTo(0, 9);
        const d = clusteredPairedDifference(clusters);
        expect(d.interval!.low).toBeLessThanOrEqual(d.mean!);
        expect(d.interval!.high).toBeGreaterThanOrEqual(d.mean!);
        expect(Number.isFinite(d.se)).toBe(true);
      }),
    );
  });
});
