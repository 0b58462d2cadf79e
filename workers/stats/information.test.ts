import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mutualInformation, normalizedMutualInformation } from './information.ts';

describe('normalised mutual information (scikit-learn, arithmetic mean)', () => {
  it("matches scikit-learn's documented examples", () => {
    // sklearn.metrics.normalized_mutual_info_score docstring.
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(normalizedMutualInformation([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 14);
    expect(normalizedMutualInformation([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it("equals scikit-learn's V-measure values from its test suite (V-measure = arithmetic NMI)", () => {
    // sklearn/metrics/cluster/tests/test_supervised.py: v = 0.81, 0.73, 0.52 (2 decimals).
    expect(normalizedMutualInformation([0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 2, 2])).toBeCloseTo(0.81, 2);
    expect(normalizedMutualInformation([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 1, 1])).toBeCloseTo(0.73, 2);
    expect(normalizedMutualInformation([0, 0, 0, 1, 1, 1], [0, 1, 0, 1, 2, 2])).toBeCloseTo(0.52, 2);
    // Label values with gaps give the same score.
    expect(normalizedMutualInformation([0, 0, 0, 2, 2, 2], [0, 1, 0, 1, 2, 2])).toBeCloseTo(0.52, 2);
  });

  it("matches scikit-learn's mutual information of its 17-item test labelling (0.41022 nats)", () => {
    const a = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3];
    const b = [1, 1, 1, 1, 2, 1, 2, 2, 2, 2, 3, 1, 3, 3, 3, 2, 2];
    expect(mutualInformation(a, b)).toBeCloseTo(0.41022, 5);
  });

  it('equals MI over the mean entropy worked by hand', () => {
    // Classes [0,0,0,1,1,1], clusters [0,0,1,1,2,2]: MI = (2/3) ln 2, H = ln 2 and ln 3.
    expect(normalizedMutualInformation([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(((2 / 3) * Math.log(2)) / ((Math.log(2) + Math.log(3)) / 2), 14);
  });

  it('follows scikit-learn at the edges, except no items (null, not 1)', () => {
    expect(normalizedMutualInformation([0, 0, 0], [0, 0, 0])).toBe(1);
    expect(normalizedMutualInformation(['x'], ['y'])).toBe(1);
    expect(normalizedMutualInformation(Array(100).fill(1), Array.from({ length: 100 }, (_, i) => i))).toBe(0);
    expect(normalizedMutualInformation([], [])).toBeNull();
    expect(mutualInformation([], [])).toBeNull();
    expect(() => normalizedMutualInformation([1, 2], [1])).toThrow(RangeError);
  });

  it('is symmetric, within [0, 1], and 1 for any relabelling of the same partition', () => {
    const labels = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 200 });
    fc.assert(
      fc.property(labels, labels, (x, y) => {
        const n = Math.min(x.length, y.length);
        const a = x.slice(0, n);
        const b = y.slice(0, n);
        const nmi = normalizedMutualInformation(a, b)!;
        expect(nmi).toBeGreaterThanOrEqual(0);
        expect(nmi).toBeLessThanOrEqual(1);
        expect(normalizedMutualInformation(b, a)).toBeCloseTo(nmi, 12);
        expect(normalizedMutualInformation(a, a.map((v) => `cluster-${v * 7}`))).toBeCloseTo(1, 12);
      }),
    );
  });
});
