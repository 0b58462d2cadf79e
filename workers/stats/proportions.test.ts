import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { proportion, wilsonInterval } from './proportions.ts';

/** Wilson's interval worked by hand: the roots in p of (p̂ - p)² = z² p (1 - p) / n. */
function wilsonByQuadratic(x: number, n: number, z: number) {
  const ph = x / n;
  const a = 1 + (z * z) / n;
  const b = -(2 * ph + (z * z) / n);
  const c = ph * ph;
  const root = Math.sqrt(b * b - 4 * a * c);
  return { low: (-b - root) / (2 * a), high: (-b + root) / (2 * a) };
}

describe('Wilson interval of a pass rate', () => {
  it("matches Newcombe's (1998) published Wilson intervals", () => {
    // Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
    // seven methods", Stat Med 17:857-872, Table II, method 3 (score, no continuity correction).
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0.0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [x, n, low, high] of cases) {
      const ci = wilsonInterval(x, n)!;
      expect(ci.low).toBeCloseTo(low, 4);
      expect(ci.high).toBeCloseTo(high, 4);
    }
  });

  it('equals the roots of the score-test quadratic worked by hand', () => {
    const z = 1.959963984540054;
    for (const [x, n] of [[7, 10], [1, 3], [50, 100], [999, 1000]]) {
      const ci = wilsonInterval(x, n)!;
      const hand = wilsonByQuadratic(x, n, z);
      expect(ci.low).toBeCloseTo(hand.low, 12);
      expect(ci.high).toBeCloseTo(hand.high, 12);
    }
  });

  it('keeps a non-degenerate interval at 0% and 100% (10 of 10 passes is not certainty)', () => {
    const all = wilsonInterval(10, 10)!;
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.7225, 4); // n / (n + z²)
    const none = wilsonInterval(0, 10)!;
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
  });

  it('narrows as the confidence level drops', () => {
    const ci95 = wilsonInterval(30, 100)!;
    const ci80 = wilsonInterval(30, 100, 0.8)!;
    expect(ci80.high - ci80.low).toBeLessThan(ci95.high - ci95.low);
  });

  it('has no rate and no interval for zero observations, and says why', () => {
    expect(proportion(0, 0)).toEqual({ rate: null, successes: 0, n: 0, interval: null, reason: 'no observations' });
    expect(proportion(3, 4)).toMatchObject({ rate: 0.75, n: 4 });
  });

  it('refuses counts that cannot be (more successes than trials, negative, NaN)', () => {
    expect(() => proportion(5, 4)).toThrow(RangeError);
    expect(() => proportion(-1, 4)).toThrow(RangeError);
    expect(() => proportion(Number.NaN, 4)).toThrow(RangeError);
    expect(() => proportion(1, 4, 1.5)).toThrow(RangeError);
  });

  it('always contains the observed rate, within [0, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.5, max: 0.999, noNaN: true }), (n, share, confidence) => {
        const x = Math.round(share * n);
        const { rate, interval } = proportion(x, n, confidence);
        expect(interval!.low).toBeGreaterThanOrEqual(0);
        expect(interval!.high).toBeLessThanOrEqual(1);
        expect(interval!.low).toBeLessThanOrEqual(rate!);
        expect(interval!.high).toBeGreaterThanOrEqual(rate!);
      }),
    );
  });
});
