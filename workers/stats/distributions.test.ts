import { describe, it, expect } from 'vitest';
import { binomialCdf, normalCdf, normalQuantile, tQuantile, twoSidedT, twoSidedZ } from './distributions.ts';

describe('distributions', () => {
  it('gives the standard normal quantiles of the printed tables', () => {
    // Abramowitz & Stegun (1964), Table 26.5; any z table.
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829304, 8);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644853627, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963985, 8);
    expect(twoSidedZ(0.95)).toBeCloseTo(1.959963985, 8);
    expect(twoSidedZ(0.9)).toBeCloseTo(1.644853627, 8);
  });

  it('gives the normal cdf', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 9);
    expect(normalCdf(-1)).toBeCloseTo(0.158655254, 8);
  });

  it("gives Student's t quantiles of the printed tables", () => {
    // Fisher & Yates' table of t (two-sided 5% column): 12.706 (1 df), 2.262 (9), 2.042 (30), 1.984 (100).
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062047, 6);
    expect(twoSidedT(0.95, 9)).toBeCloseTo(2.2621572, 6);
    expect(twoSidedT(0.95, 30)).toBeCloseTo(2.0422725, 6);
    expect(twoSidedT(0.95, 100)).toBeCloseTo(1.9839715, 6);
    expect(twoSidedT(0.99, 4)).toBeCloseTo(4.6040949, 6);
    // Large df tends to the normal.
    expect(twoSidedT(0.95, 1e7)).toBeCloseTo(1.959964, 5);
  });

  it('gives the binomial cdf, equal to the hand sum of binomial terms', () => {
    // P(X <= 1), X ~ Bin(8, 1/2) = (1 + 8) / 256.
    expect(binomialCdf(1, 8, 0.5)).toBeCloseTo(9 / 256, 14);
    // P(X <= 3), X ~ Bin(10, 1/2) = (1 + 10 + 45 + 120) / 1024.
    expect(binomialCdf(3, 10, 0.5)).toBeCloseTo(176 / 1024, 14);
    expect(binomialCdf(-1, 10, 0.5)).toBe(0);
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
    expect(binomialCdf(0, 0, 0.5)).toBe(1);
  });

  it('refuses levels and probabilities outside (0, 1)', () => {
    expect(() => twoSidedZ(1)).toThrow(RangeError);
    expect(() => twoSidedZ(0)).toThrow(RangeError);
    expect(() => twoSidedZ(Number.NaN)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
    expect(() => tQuantile(0.5, 0)).toThrow(RangeError);
    expect(() => binomialCdf(1, 2.5, 0.5)).toThrow(RangeError);
  });
});
