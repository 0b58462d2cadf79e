import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { benjaminiHochberg } from './multiple.ts';

describe('Benjamini-Hochberg q values', () => {
  it("reject exactly the 4 hypotheses of Benjamini & Hochberg's (1995) example at FDR 0.05", () => {
    // J R Stat Soc B 57:289-300, section 4: 15 p values from a study of myocardial
    // infarction treatment; the procedure rejects the four smallest (Bonferroni, three).
    const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];
    const q = benjaminiHochberg(p);
    expect(q.filter((x) => x <= 0.05)).toHaveLength(4);
    // By hand: q_4 = 15·0.0095/4; q_5 = min(15·0.0201/5, q_6, ...) = 0.0603; q_6 = min(0.0695, 15·0.0298/7) = 0.063857.
    expect(q[3]).toBeCloseTo((15 * 0.0095) / 4, 12);
    expect(q[4]).toBeCloseTo(0.0603, 12);
    expect(q[5]).toBeCloseTo((15 * 0.0298) / 7, 12);
    expect(q[0]).toBeCloseTo(0.0015, 12); // q_1 = min(15·0.0001/1, q_2 = 15·0.0004/2)
    expect(q[14]).toBe(1);
  });

  it('keep the order they were given in, and handle ties', () => {
    // R: p.adjust(c(0.04, 0.01, 0.03, 0.01), "BH") = 0.04 0.02 0.04 0.02
    expect(benjaminiHochberg([0.04, 0.01, 0.03, 0.01])).toEqual([0.04, 0.02, 0.04, 0.02]);
  });

  it('are empty for no tests and unchanged for one', () => {
    expect(benjaminiHochberg([])).toEqual([]);
    expect(benjaminiHochberg([0.03])).toEqual([0.03]);
  });

  it('refuse values that are not probabilities', () => {
    expect(() => benjaminiHochberg([0.5, Number.NaN])).toThrow(/pValues\[1\]/);
    expect(() => benjaminiHochberg([1.2])).toThrow(RangeError);
  });

  it('are >= p, <= 1, and monotone in p', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 300 }), (p) => {
        const q = benjaminiHochberg(p);
        p.forEach((pi, i) => {
          expect(q[i]).toBeGreaterThanOrEqual(pi);
          expect(q[i]).toBeLessThanOrEqual(1);
          p.forEach((pj, j) => {
            if (pi < pj) expect(q[i]).toBeLessThanOrEqual(q[j]);
          });
        });
      }),
      { numRuns: 60 },
    );
  });
});
