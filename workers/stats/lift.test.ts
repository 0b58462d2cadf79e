import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { lift, liftsAcrossPatterns, riskRatioInterval } from './lift.ts';
import { fisherExact } from './tests.ts';

const z = 1.959963984540054;

describe('risk ratio interval (Katz et al. 1978)', () => {
  it("matches the log method worked by hand on the Physicians' Health Study table", () => {
    // Agresti (2013) §2.2: myocardial infarction, placebo 189 of 11,034, aspirin 104 of 11,037.
    // RR = 1.8178; se(log RR) = sqrt(1/189 - 1/11034 + 1/104 - 1/11037) = 0.121349; 95%: 1.433 to 2.306.
    const rr = (189 / 11034) / (104 / 11037);
    const se = Math.sqrt(1 / 189 - 1 / 11034 + 1 / 104 - 1 / 11037);
    const ci = riskRatioInterval(189, 11034, 104, 11037)!;
    expect(ci.low).toBeCloseTo(rr * Math.exp(-z * se), 12);
    expect(ci.high).toBeCloseTo(rr * Math.exp(z * se), 12);
    expect(ci.low).toBeCloseTo(1.433, 3);
    expect(ci.high).toBeCloseTo(2.306, 3);
  });

  it('adds 0.5 to every cell when a count is zero, and is null without failures', () => {
    const ci = riskRatioInterval(0, 10, 5, 90)!;
    const se = Math.sqrt(1 / 0.5 - 1 / 11 + 1 / 5.5 - 1 / 91);
    expect(ci.high).toBeCloseTo((0.5 / 11 / (5.5 / 91)) * Math.exp(z * se), 12);
    expect(riskRatioInterval(0, 10, 0, 90)).toBeNull();
    expect(riskRatioInterval(1, 0, 0, 90)).toBeNull();
  });
});

describe('lift of a failure pattern', () => {
  it('computes lift, support, share, rates, interval and Fisher p of a hand-worked table', () => {
    // 1,000 traces, 100 failed (base rate 0.1). The pattern: 50 traces, 20 failed (rate 0.4): lift 4.
    const l = lift({ failuresWith: 20, totalWith: 50, failuresAll: 100, totalAll: 1000 });
    expect(l).toMatchObject({ support: 50, share: 0.05, rate: 0.4, baseRate: 0.1, p: fisherExact(20, 30, 80, 870).p });
    expect(l.lift).toBeCloseTo(4, 12);
    // Against the rest: 80 of 950. RR = 0.4 / (80/950) = 4.75; lift = RR / (0.05·RR + 0.95).
    const se = Math.sqrt(1 / 20 - 1 / 50 + 1 / 80 - 1 / 950);
    const toLift = (rr: number) => rr / (0.05 * rr + 0.95);
    expect(l.interval!.low).toBeCloseTo(toLift(4.75 * Math.exp(-z * se)), 12);
    expect(l.interval!.high).toBeCloseTo(toLift(4.75 * Math.exp(z * se)), 12);
    expect(l.p).toBeLessThan(1e-8);
    expect(l.reason).toBeUndefined();
  });

  it('bounds the interval by 0 when the pattern never fails and by 1/share when only it fails', () => {
    const never = lift({ failuresWith: 0, totalWith: 30, failuresAll: 50, totalAll: 500 });
    expect(never.lift).toBe(0);
    expect(never.interval!.low).toBe(0);
    expect(never.interval!.high).toBeGreaterThan(0);
    const only = lift({ failuresWith: 25, totalWith: 25, failuresAll: 25, totalAll: 500 });
    expect(only.lift).toBeCloseTo(20, 12);
    expect(only.interval!.high).toBeCloseTo(20, 12);
    expect(only.interval!.low).toBeGreaterThan(1);
  });

  it('is undefined, with the reason, for no traces, an empty pattern or no failures', () => {
    expect(lift({ failuresWith: 0, totalWith: 0, failuresAll: 0, totalAll: 0 })).toMatchObject({ lift: null, interval: null, p: 1, reason: 'no traces' });
    expect(lift({ failuresWith: 0, totalWith: 0, failuresAll: 5, totalAll: 50 })).toMatchObject({ lift: null, rate: null, support: 0, p: 1, reason: 'the pattern matches no trace' });
    expect(lift({ failuresWith: 0, totalWith: 10, failuresAll: 0, totalAll: 50 })).toMatchObject({ lift: null, rate: 0, baseRate: 0, p: 1, reason: 'no trace failed' });
    expect(lift({ failuresWith: 5, totalWith: 50, failuresAll: 5, totalAll: 50 })).toMatchObject({ lift: 1, interval: null, p: 1, reason: 'the pattern matches every trace' });
  });

  it('refuses counts that cannot be', () => {
    expect(() => lift({ failuresWith: 6, totalWith: 5, failuresAll: 10, totalAll: 50 })).toThrow(/failuresWith/);
    expect(() => lift({ failuresWith: 1, totalWith: 60, failuresAll: 10, totalAll: 50 })).toThrow(/totalWith/);
    expect(() => lift({ failuresWith: 5, totalWith: 5, failuresAll: 4, totalAll: 50 })).toThrow(/failuresAll/);
    expect(() => lift({ failuresWith: 0, totalWith: 45, failuresAll: 10, totalAll: 50 })).toThrow(/without the pattern/);
    expect(() => lift({ failuresWith: 0, totalWith: 0, failuresAll: 0, totalAll: 0 }, 2)).toThrow(/confidence/);
  });

  it('has an interval that contains the lift and never exceeds the largest possible lift', () => {
    const counts = fc
      .record({ totalAll: fc.integer({ min: 2, max: 5000 }), a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }), c: fc.double({ min: 0, max: 1, noNaN: true }) })
      .map(({ totalAll, a, b, c }) => {
        const totalWith = Math.max(1, Math.min(totalAll - 1, Math.round(a * totalAll)));
        const failuresWith = Math.round(b * totalWith);
        const failuresAll = failuresWith + Math.round(c * (totalAll - totalWith));
        return { failuresWith, totalWith, failuresAll, totalAll };
      });
    fc.assert(
      fc.property(counts, (p) => {
        const l = lift(p);
        if (l.lift === null) return;
        expect(l.interval!.low).toBeLessThanOrEqual(l.lift + 1e-12);
        expect(l.interval!.high).toBeGreaterThanOrEqual(l.lift - 1e-12);
        expect(l.interval!.high).toBeLessThanOrEqual(1 / l.share! + 1e-9);
        expect(l.interval!.low).toBeGreaterThanOrEqual(0);
        expect(l.p).toBeGreaterThanOrEqual(0);
        expect(l.p).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('lifts across many patterns', () => {
  it('adds Benjamini-Hochberg q values, in the order given', () => {
    const patterns = [
      { failuresWith: 20, totalWith: 50, failuresAll: 100, totalAll: 1000 },
      { failuresWith: 6, totalWith: 50, failuresAll: 100, totalAll: 1000 },
      { failuresWith: 4, totalWith: 10, failuresAll: 100, totalAll: 1000 },
    ];
    const lifts = liftsAcrossPatterns(patterns);
    expect(lifts.map((l) => l.support)).toEqual([50, 50, 10]);
    const ps = lifts.map((l) => l.p);
    const sorted = [...ps].sort((x, y) => x - y);
    lifts.forEach((l) => expect(l.q).toBeGreaterThanOrEqual(l.p));
    expect(lifts[0].q).toBeCloseTo(Math.min(3 * sorted[0], (3 / 2) * sorted[1], sorted[2]), 12);
  });
});
