import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compareExperiments, compareExample } from './compare.ts';
import { summarizeExperiment, summarizeMetric } from './summary.ts';
import type { RunScores } from './runs.ts';
import { pairedDifference, twoSidedT } from '../stats/index.ts';

/** Runs of one experiment from a table: example id -> scores of `key` per repetition. */
function runs(table: Record<string, number[]>, key = 'correct', extra: Partial<RunScores> = {}): RunScores[] {
  return Object.entries(table).flatMap(([exampleId, scores]) =>
    scores.map((s, repetition) => ({ exampleId, repetition, scores: { [key]: s }, error: null, latencyMs: 100, tokens: 10, cost: 0.01, ...extra })),
  );
}

describe('an experiment summary', () => {
  it('gives a pass rate with its Wilson interval (7 of 10: R prop.test(7, 10, correct = FALSE) = 0.3967781 to 0.8922087)', () => {
    const r = runs(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`e${i}`, [i < 7 ? 1 : 0]])));
    const m = summarizeMetric(r, 'correct');
    expect(m).toMatchObject({ kind: 'pass_rate', method: 'wilson', mean: 0.7, examples: 10, runs: 10 });
    expect(m.interval!.low).toBeCloseTo(0.3967781, 6);
    expect(m.interval!.high).toBeCloseTo(0.8922087, 6);
  });

  it('uses a t interval for a graded score', () => {
    // Scores 0.2, 0.4, 0.9: mean 0.5, sd 0.3605551, se 0.2081666, t(0.975, 2) = 4.302653.
    const m = summarizeMetric(runs({ a: [0.2], b: [0.4], c: [0.9] }), 'correct');
    expect(m).toMatchObject({ kind: 'mean', method: 't' });
    expect(m.mean).toBeCloseTo(0.5, 12);
    expect(m.interval!.low).toBeCloseTo(0.5 - 4.302653 * 0.2081666, 5);
    expect(m.interval!.high).toBeCloseTo(0.5 + 4.302653 * 0.2081666, 5);
  });

  it('clusters repetitions by example and reports pass@k and pass^k (tau-bench)', () => {
    // Baseline: e1 passes 2/2, e2 0/2, e3 1/2. pass@2 per example: 1, 0, 1; pass^2: 1, 0, 0.
    const m = summarizeMetric(runs({ e1: [1, 1], e2: [0, 0], e3: [1, 0] }), 'correct');
    expect(m).toMatchObject({ method: 'clustered', mean: 0.5, examples: 3, runs: 6 });
    expect(m.passAtK!.k).toBe(2);
    expect(m.passAtK!.mean).toBeCloseTo(2 / 3, 12);
    expect(m.passHatK!.mean).toBeCloseTo(1 / 3, 12);
  });

  it('counts errors, latency, tokens and cost, keeping errored runs', () => {
    const r: RunScores[] = [
      ...runs({ a: [1], b: [0] }),
      { exampleId: 'c', repetition: 0, scores: {}, error: 'timed out after 30s', latencyMs: 30000, tokens: null, cost: null },
    ];
    const s = summarizeExperiment(r);
    expect(s).toMatchObject({ runs: 3, examples: 3, errors: 1, tokens: 20 });
    expect(s.cost).toBeCloseTo(0.02, 12);
    expect(s.latencyMs.mean).toBeCloseTo((100 + 100 + 30000) / 3, 9);
    expect(s.metrics.map((m) => m.key)).toEqual(['correct']);
  });
});

describe('comparing a candidate with its baseline', () => {
  it('gives the paired difference over shared examples (hand-computed) and the exact McNemar test', () => {
    // Differences 0, 1, 0, -1, 1: mean 0.2, sd sqrt(0.7), se 0.3741657, t(0.975, 4) = 2.776445.
    const base = runs({ e1: [1], e2: [0], e3: [1], e4: [1], e5: [0] });
    const cand = runs({ e1: [1], e2: [1], e3: [1], e4: [0], e5: [1] });
    const c = compareExperiments(base, cand);
    const m = c.metrics[0];
    expect(m.kind).toBe('pass_rate');
    expect(m.delta.method).toBe('paired');
    expect(m.delta.mean).toBeCloseTo(0.2, 12);
    expect(m.delta.se).toBeCloseTo(0.3741657, 6);
    expect(m.delta.interval!.low).toBeCloseTo(0.2 - 2.776445 * 0.3741657, 5);
    expect(m.delta.interval!.high).toBeCloseTo(0.2 + 2.776445 * 0.3741657, 5);
    // Two fixed, one broken: p = 2 * P(X <= 1 | n = 3) = 2 * 4/8, capped at 1.
    expect(m.mcnemar).toEqual({ improved: 2, regressed: 1, p: 1 });
    expect(m.baseline.mean).toBeCloseTo(0.6, 12);
    expect(m.candidate.mean).toBeCloseTo(0.8, 12);
  });

  it('finds six fixes and no breakage significant by McNemar (p = 2/64)', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
    const base = runs(Object.fromEntries(ids.map((id, i) => [id, [i < 4 ? 1 : 0]])));
    const cand = runs(Object.fromEntries(ids.map((id) => [id, [1]])));
    expect(compareExperiments(base, cand).metrics[0].mcnemar).toEqual({ improved: 6, regressed: 0, p: 2 / 64 });
  });

  it('clusters the difference by example when examples were repeated (Miller 2024, hand-computed)', () => {
    const base = runs({ e1: [1, 1], e2: [0, 0], e3: [1, 0] });
    const cand = runs({ e1: [1, 0], e2: [1, 1], e3: [1, 1] });
    const d = compareExperiments(base, cand).metrics[0];
    // u_c = Σ(b - 5/6)/6 - Σ(a - 1/2)/6 = -5/18, 4/18, 1/18; se² = 3/2 · Σu² = 3/2 · 42/324.
    const se = Math.sqrt(1.5 * (25 + 16 + 1) / 324);
    expect(d.delta.method).toBe('clustered');
    expect(d.delta.mean).toBeCloseTo(1 / 3, 12);
    expect(d.delta.se).toBeCloseTo(se, 12);
    expect(d.delta.interval!.high).toBeCloseTo(1 / 3 + twoSidedT(0.95, 2) * se, 9);
    expect(d.mcnemar).toBeUndefined();
    expect(d.candidate.passHatK!.mean).toBeCloseTo(2 / 3, 12);
    expect(d.baseline.passAtK!.mean).toBeCloseTo(2 / 3, 12);
  });

  it('agrees with a reference paired t computation on random single-run experiments', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 2, maxLength: 40 }), (pairs) => {
        const base = runs(Object.fromEntries(pairs.map(([a], i) => [`e${i}`, [a]])));
        const cand = runs(Object.fromEntries(pairs.map(([, b], i) => [`e${i}`, [b]])));
        const got = compareExperiments(base, cand).metrics[0].delta;
        const ref = pairedDifference(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
        expect(got.mean).toBeCloseTo(ref.mean!, 9);
        expect(got.se).toBeCloseTo(ref.se!, 9);
      }),
      { numRuns: 50 },
    );
  });

  it('compares different dataset versions on the examples they share, and says how many', () => {
    const base = runs({ e1: [1], e2: [0], gone: [1] });
    const cand = runs({ e1: [1], e2: [1], fresh: [0] });
    const c = compareExperiments(base, cand, { examples: ['e1', 'e2'] });
    expect(c.shared).toBe(2);
    expect(c.examples.map((e) => e.exampleId)).toEqual(['e2', 'e1']);
    expect(c.metrics[0].baseline.examples).toBe(2);
  });

  it('lists regressions first, then errored, missing, improved, unchanged, with latency and cost deltas', () => {
    const base = runs({ up: [0], down: [1], same: [1], boom: [1], gone: [1] });
    const cand: RunScores[] = [
      ...runs({ up: [1], down: [0], same: [1] }, 'correct', { latencyMs: 150, cost: 0.03 }),
      { exampleId: 'boom', repetition: 0, scores: {}, error: 'exit code 1', latencyMs: 5, tokens: null, cost: null },
    ];
    const c = compareExperiments(base, cand);
    expect(c.examples.map((e) => [e.exampleId, e.status])).toEqual([
      ['down', 'regressed'],
      ['boom', 'errored'],
      ['gone', 'missing'],
      ['up', 'improved'],
      ['same', 'unchanged'],
    ]);
    expect(c.counts).toEqual({ regressed: 1, errored: 1, missing: 1, improved: 1, unchanged: 1 });
    const down = c.examples[0];
    expect(down.metrics.correct).toEqual({ baseline: 1, candidate: 0, delta: -1 });
    expect(down.latencyDeltaMs).toBe(50);
    expect(down.costDelta).toBeCloseTo(0.02, 12);
  });

  it('calls an example regressed when any compared metric drops, even if another rises', () => {
    const mk = (exampleId: string, scores: Record<string, number>): RunScores => ({ exampleId, repetition: 0, scores, error: null, latencyMs: null, tokens: null, cost: null });
    const e = compareExample('x', [mk('x', { a: 1, b: 0 })], [mk('x', { a: 0, b: 1 })], ['a', 'b']);
    expect(e.status).toBe('regressed');
    expect(e.latencyDeltaMs).toBeNull();
  });
});
