import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { agreement, binaryAgreement, categoricalAgreement, cohenKappa, confusionMatrix, fleissKappa, kappaEstimate, numericAgreement, spearman } from './agreement.ts';

describe('inter-reviewer agreement', () => {
  it("computes Cohen's kappa of the textbook example (50 items, 20/5/10/15) as 0.4", () => {
    const pairs: [string, string][] = [
      ...Array(20).fill(['yes', 'yes']),
      ...Array(5).fill(['yes', 'no']),
      ...Array(10).fill(['no', 'yes']),
      ...Array(15).fill(['no', 'no']),
    ];
    expect(cohenKappa(pairs)).toBeCloseTo(0.4, 10);
  });

  it("computes Fleiss' kappa of Fleiss' example (10 subjects, 14 raters, 5 categories) as 0.210", () => {
    const table = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    const items = table.map((row) => row.flatMap((n, cat) => Array(n).fill(String(cat + 1))));
    expect(fleissKappa(items)).toBeCloseTo(0.20993, 4);
  });

  it('uses Cohen for the same two reviewers and Fleiss otherwise, with percent agreement', () => {
    const two = agreement([
      [{ rater: 'a', value: 'true' }, { rater: 'b', value: 'true' }],
      [{ rater: 'a', value: 'false' }, { rater: 'b', value: 'false' }],
      [{ rater: 'a', value: 'true' }, { rater: 'b', value: 'false' }],
      [{ rater: 'a', value: 'false' }, { rater: 'b', value: 'false' }],
    ]);
    expect(two).toMatchObject({ items: 4, raters: 2, percent_agreement: 0.75, method: 'cohen', kappa: 0.5 });
    const three = agreement([
      [{ rater: 'a', value: 'x' }, { rater: 'b', value: 'x' }, { rater: 'c', value: 'y' }],
      [{ rater: 'a', value: 'y' }, { rater: 'c', value: 'y' }, { rater: 'd', value: 'y' }],
      [{ rater: 'b', value: 'x' }], // one rating: not counted
    ]);
    expect(three.method).toBe('fleiss');
    expect(three.items).toBe(2);
    expect(three.percent_agreement).toBeCloseTo((1 / 3 + 1) / 2, 4);
  });

  it('is undefined, not a number, when every answer is the same or nothing was rated twice', () => {
    expect(agreement([[{ rater: 'a', value: 'x' }, { rater: 'b', value: 'x' }]])).toMatchObject({ percent_agreement: 1, kappa: null });
    expect(agreement([[{ rater: 'a', value: 'x' }]])).toMatchObject({ items: 0, percent_agreement: null, kappa: null, method: null });
  });
});

/** Every number anywhere in a result is finite: undefined values are null with a reason, never NaN. */
function expectOnlyFiniteNumbers(value: unknown, path = 'result'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), `${path} is ${value}`).toBe(true);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) expectOnlyFiniteNumbers(v, `${path}.${k}`);
}

describe('judge against human: confusion matrix and kappa with intervals', () => {
  it("matches SAS PROC FREQ's agreement study (skin condition, 4 categories): kappa 0.3449, ASE 0.0724, 95% 0.2030 to 0.4868", () => {
    // SAS/STAT User's Guide, The FREQ Procedure, Getting Started: Agreement Study (Table 3.2);
    // rows dermatologist 1 (here: human), columns dermatologist 2 (here: judge).
    const table = [[10, 4, 1, 0], [5, 10, 12, 2], [2, 4, 12, 5], [0, 2, 6, 13]];
    const k = kappaEstimate(table);
    expect(k.value).toBeCloseTo(0.3449, 4);
    expect(k.se).toBeCloseTo(0.0724, 4);
    expect(k.interval!.low).toBeCloseTo(0.203, 3);
    expect(k.interval!.high).toBeCloseTo(0.4868, 4);
    expect(k.n).toBe(88);
  });

  it('builds the confusion matrix rows-human, columns-judge, in the label order given', () => {
    const labels = ['terrible', 'poor', 'marginal', 'clear'];
    const table = [[10, 4, 1, 0], [5, 10, 12, 2], [2, 4, 12, 5], [0, 2, 6, 13]];
    const pairs = table.flatMap((row, i) => row.flatMap((count, j) => Array.from({ length: count }, () => ({ human: labels[i], judge: labels[j] }))));
    const c = categoricalAgreement(pairs, labels);
    expect(c.matrix).toEqual(table);
    expect(c.labels).toEqual(labels);
    expect(c.accuracy.value).toBeCloseTo(45 / 88, 12);
    expect(c.kappa.value).toBeCloseTo(0.3449, 4);
    // Without labels: every label seen, sorted.
    expect(confusionMatrix([{ human: 'b', judge: 'a' }]).labels).toEqual(['a', 'b']);
    expect(() => confusionMatrix([{ human: 'b', judge: 'z' }], ['a', 'b'])).toThrow(/judge is z/);
  });

  it('computes accuracy, TPR, TNR and kappa of a boolean judge from a hand-worked table', () => {
    // 50 items: people true & judge true 20, people true & judge false 10 (FN),
    // people false & judge true 5 (FP), both false 15. po = 0.7, pe = 0.6·0.5 + 0.4·0.5 = 0.5, kappa 0.4.
    const pairs = [
      ...Array.from({ length: 20 }, () => ({ human: true, judge: true })),
      ...Array.from({ length: 10 }, () => ({ human: true, judge: false })),
      ...Array.from({ length: 5 }, () => ({ human: false, judge: true })),
      ...Array.from({ length: 15 }, () => ({ human: false, judge: false })),
    ];
    const b = binaryAgreement(pairs);
    expect(b.n).toBe(50);
    expect(b.matrix).toEqual({ truePositive: 20, falsePositive: 5, falseNegative: 10, trueNegative: 15 });
    expect(b.accuracy).toMatchObject({ value: 0.7, n: 50 });
    expect(b.tpr).toMatchObject({ value: 20 / 30, n: 30 });
    expect(b.tnr).toMatchObject({ value: 0.75, n: 20 });
    expect(b.kappa.value).toBeCloseTo(0.4, 12);
    // Fleiss-Cohen-Everitt ASE by hand: A = 0.4·(1-1.1·0.6)² + 0.3·(1-0.9·0.6)² = 0.10972,
    // B = 0.36·(p_FN·(0.5+0.4)² + p_FP·(0.5+0.6)²) = 0.36·(0.2·0.81 + 0.1·1.21) = 0.10188,
    // C = (0.4 - 0.5·0.6)² = 0.01, se = sqrt(0.2016 / 50) / 0.5 = 0.126996.
    expect(b.kappa.se).toBeCloseTo(Math.sqrt(0.2016 / 50) / 0.5, 10);
    expect(b.accuracy.interval!.low).toBeLessThan(0.7);
  });

  it('says kappa is undefined when judge and people used one class only, never NaN', () => {
    const allTrue = binaryAgreement(Array.from({ length: 8 }, () => ({ human: true, judge: true })));
    expect(allTrue.kappa).toEqual({ value: null, n: 8, se: null, interval: null, reason: 'one class only' });
    expect(allTrue.tnr).toEqual({ value: null, n: 0, interval: null, reason: 'no item that people labelled false' });
    expect(allTrue.tpr).toMatchObject({ value: 1, n: 8 });
    expect(allTrue.accuracy.interval!.low).toBeGreaterThan(0.6);
    // People one class, judge two: kappa is defined, and 0 (no better than chance).
    const judgeVaries = binaryAgreement([...Array.from({ length: 8 }, () => ({ human: true, judge: true })), { human: true, judge: false }, { human: true, judge: false }]);
    expect(judgeVaries.kappa.value).toBeCloseTo(0, 12);
    expectOnlyFiniteNumbers(judgeVaries);
    expectOnlyFiniteNumbers(allTrue);
  });

  it('reports perfect agreement as kappa 1 with the reason its interval is missing', () => {
    const perfect = binaryAgreement([{ human: true, judge: true }, { human: false, judge: false }, { human: true, judge: true }]);
    expect(perfect.kappa).toMatchObject({ value: 1, interval: null, reason: 'perfect agreement: the large-sample interval is degenerate' });
  });

  it('gives kappa near 0 at chance level and negative below it', () => {
    // Judge independent of people: each combination equally often.
    const chance = binaryAgreement([true, false].flatMap((h) => [true, false].flatMap((j) => Array.from({ length: 25 }, () => ({ human: h, judge: j })))));
    expect(chance.kappa.value).toBeCloseTo(0, 12);
    expect(chance.kappa.interval!.low).toBeLessThan(0);
    expect(chance.kappa.interval!.high).toBeGreaterThan(0);
    const opposite = binaryAgreement([{ human: true, judge: false }, { human: false, judge: true }, { human: true, judge: false }, { human: false, judge: true }]);
    expect(opposite.kappa.value).toBeCloseTo(-1, 12);
  });

  it('has nothing but reasons for no pairs', () => {
    const none = binaryAgreement([]);
    expect(none.n).toBe(0);
    for (const e of [none.accuracy, none.tpr, none.tnr, none.kappa]) expect(e).toMatchObject({ value: null, interval: null, reason: 'no pairs' });
    expect(categoricalAgreement([])).toMatchObject({ n: 0, labels: [], matrix: [], kappa: { value: null, reason: 'no pairs' } });
  });

  it('keeps kappa intervals within [-1, 1] and around the estimate', () => {
    const pair = fc.record({ human: fc.constantFrom('a', 'b', 'c'), judge: fc.constantFrom('a', 'b', 'c') });
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 200 }), (pairs) => {
        const { kappa, accuracy } = categoricalAgreement(pairs);
        expectOnlyFiniteNumbers(categoricalAgreement(pairs));
        expectOnlyFiniteNumbers(binaryAgreement(pairs.map((p) => ({ human: p.human === 'a', judge: p.judge === 'a' }))));
        expect(accuracy.interval!.low).toBeLessThanOrEqual(accuracy.value!);
        if (kappa.value === null) {
          expect(kappa.reason).toBeTruthy();
          return;
        }
        expect(kappa.value).toBeGreaterThanOrEqual(-1 - 1e-12);
        expect(kappa.value).toBeLessThanOrEqual(1 + 1e-12);
        if (!kappa.interval) {
          expect(kappa.reason).toBeTruthy();
          return;
        }
        expect(kappa.interval.low).toBeGreaterThanOrEqual(-1);
        expect(kappa.interval.high).toBeLessThanOrEqual(1);
        expect(kappa.interval.low).toBeLessThanOrEqual(kappa.value);
        expect(kappa.interval.high).toBeGreaterThanOrEqual(kappa.value);
      }),
    );
  });

  it('agrees with the review hub Cohen kappa on the same pairs', () => {
    const pair = fc.record({ human: fc.constantFrom('x', 'y'), judge: fc.constantFrom('x', 'y') });
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 60 }), (pairs) => {
        const hub = cohenKappa(pairs.map((p) => [p.human, p.judge]));
        const here = categoricalAgreement(pairs, ['x', 'y']).kappa.value;
        if (hub === null) expect(here).toBeNull();
        else expect(here).toBeCloseTo(hub, 10);
      }),
    );
  });
});

describe('judge against human: numeric scores', () => {
  it("matches scipy's documented Spearman example with ties: spearmanr([1,2,3,4,5], [5,6,7,8,7]) = 0.8207826816681233", () => {
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).value).toBeCloseTo(0.8207826816681233, 14);
  });

  it("matches the textbook IQ and television example without ties: rho = -29/165", () => {
    // 10 people: IQ against hours of television a week; sum of squared rank differences 194,
    // rho = 1 - 6·194 / (10·99) = -29/165 (the worked example of Spearman's rho on Wikipedia).
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    const r = spearman(iq, tv);
    expect(r.value).toBeCloseTo(-29 / 165, 14);
    // Fisher z interval by hand: atanh(r) ± 1.959964·sqrt(1.06 / 7).
    const half = 1.959963984540054 * Math.sqrt(1.06 / 7);
    expect(r.interval!.low).toBeCloseTo(Math.tanh(Math.atanh(-29 / 165) - half), 12);
    expect(r.interval!.high).toBeCloseTo(Math.tanh(Math.atanh(-29 / 165) + half), 12);
  });

  it('computes MAE, bias and the share within tolerance of a hand-worked table', () => {
    const pairs = [
      { judge: 0.8, human: 0.6 }, // |0.2| within 0.2 despite 0.20000000000000007
      { judge: 0.5, human: 0.5 },
      { judge: 0.1, human: 0.9 },
      { judge: 1.0, human: 0.7 },
    ];
    const a = numericAgreement(pairs, 0.2);
    expect(a.n).toBe(4);
    expect(a.mae.value).toBeCloseTo((0.2 + 0 + 0.8 + 0.3) / 4, 12);
    expect(a.bias.value).toBeCloseTo((0.2 + 0 - 0.8 + 0.3) / 4, 12);
    expect(a.withinTolerance).toMatchObject({ value: 0.5, n: 4 });
    expect(a.mae.interval!.low).toBeGreaterThanOrEqual(0);
    expect(a.spearman.n).toBe(4);
  });

  it('says why Spearman is undefined: too few pairs, a constant side, a perfect correlation', () => {
    expect(numericAgreement([{ judge: 1, human: 2 }, { judge: 2, human: 3 }], 0).spearman).toEqual({ value: null, n: 2, interval: null, reason: 'fewer than 3 pairs' });
    expect(numericAgreement([1, 2, 3, 4].map((h) => ({ judge: 5, human: h })), 0).spearman.reason).toBe('no variation in the judge scores');
    expect(numericAgreement([1, 2, 3, 4].map((j) => ({ judge: j, human: 1 })), 0).spearman.reason).toBe('no variation in the human scores');
    expect(numericAgreement([1, 2, 3].map((x) => ({ judge: x, human: x * 2 })), 0).spearman).toMatchObject({ value: 1, interval: null, reason: 'fewer than 4 pairs for an interval' });
    expect(numericAgreement([1, 2, 3, 4, 5].map((x) => ({ judge: x, human: -x })), 0).spearman).toMatchObject({ value: -1, interval: null });
  });

  it('is identical-vector perfect: MAE 0, all within tolerance, rho 1', () => {
    const same = [0.1, 0.4, 0.4, 0.9, 0.95].map((x) => ({ judge: x, human: x }));
    const a = numericAgreement(same, 0);
    expect(a.mae).toMatchObject({ value: 0, interval: { low: 0, high: 0 } });
    expect(a.withinTolerance.value).toBe(1);
    expect(a.spearman.value).toBeCloseTo(1, 12);
  });

  it('has nothing but reasons for no pairs, and refuses NaN scores or a negative tolerance', () => {
    const none = numericAgreement([], 0.1);
    expectOnlyFiniteNumbers(none);
    expectOnlyFiniteNumbers(binaryAgreement([]));
    expect(none).toMatchObject({ n: 0, mae: { value: null, reason: 'no pairs' }, withinTolerance: { value: null, reason: 'no pairs' }, spearman: { value: null } });
    expect(() => numericAgreement([{ judge: Number.NaN, human: 1 }], 0.1)).toThrow(/pairs\[0\]\.judge/);
    expect(() => numericAgreement([], -1)).toThrow(RangeError);
  });

  it('keeps Spearman within [-1, 1] with its interval around it, ties or not', () => {
    const score = fc.integer({ min: 0, max: 5 });
    fc.assert(
      fc.property(fc.array(fc.record({ judge: score, human: score }), { minLength: 0, maxLength: 80 }), (pairs) => {
        const { spearman: rho } = numericAgreement(pairs, 1);
        expectOnlyFiniteNumbers(numericAgreement(pairs, 1));
        if (rho.value === null) {
          expect(rho.reason).toBeTruthy();
          return;
        }
        expect(Math.abs(rho.value)).toBeLessThanOrEqual(1);
        if (rho.interval) {
          expect(rho.interval.low).toBeLessThanOrEqual(rho.value);
          expect(rho.interval.high).toBeGreaterThanOrEqual(rho.value);
          expect(rho.interval.low).toBeGreaterThanOrEqual(-1);
          expect(rho.interval.high).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});
