import { describe, it, expect } from 'vitest';
import { checkGateRequest, gate, GateUsageError } from './gate.ts';
import type { RunScores } from './runs.ts';

function runs(table: Record<string, number[]>): RunScores[] {
  return Object.entries(table).flatMap(([exampleId, scores]) =>
    scores.map((s, repetition) => ({ exampleId, repetition, scores: { correct: s }, error: null, latencyMs: null, tokens: null, cost: null })),
  );
}

const ids = Array.from({ length: 12 }, (_, i) => `e${i}`);
const table = (f: (i: number) => number) => Object.fromEntries(ids.map((id, i) => [id, [f(i)]]));

describe('the gate', () => {
  it('passes a candidate that fixes examples and breaks none', () => {
    const g = gate(runs(table((i) => (i < 6 ? 1 : 0))), runs(table((i) => (i < 9 ? 1 : 0))));
    expect(g.pass).toBe(true);
    expect(g.reasons).toEqual([]);
    expect(g.metrics[0]).toMatchObject({ key: 'correct', baseline: 0.5, candidate: 0.75, delta: 0.25, improved: 3, regressed: 0, pass: true });
  });

  it('fails when an example is missing from the candidate', () => {
    const cand = runs(table(() => 1)).filter((r) => r.exampleId !== 'e3');
    const g = gate(runs(table(() => 1)), cand);
    expect(g.pass).toBe(false);
    expect(g.missing).toEqual(['e3']);
    expect(g.reasons[0]).toMatch(/1 example\(s\) missing/);
  });

  it('fails when a pinned example regresses, however many regressions are allowed', () => {
    const g = gate(runs(table(() => 1)), runs(table((i) => (i === 2 ? 0 : 1))), { pinned: ['e2'], maxRegressions: 5 });
    expect(g.pass).toBe(false);
    expect(g.pinnedRegressed).toEqual(['e2']);
    expect(g.reasons.join('\n')).toMatch(/pinned example\(s\) regressed: e2/);
  });

  it('allows up to --max-regressions regressed or errored examples', () => {
    const base = runs(table(() => 1));
    const cand = runs(table((i) => (i < 2 ? 0 : 1)));
    expect(gate(base, cand, { maxRegressions: 2 }).pass).toBe(true);
    const g = gate(base, cand, { maxRegressions: 1 });
    expect(g.pass).toBe(false);
    expect(g.reasons).toContain('2 example(s) regressed or errored, more than --max-regressions 1');
  });

  it('fails a metric that is significantly worse', () => {
    const g = gate(runs(table(() => 1)), runs(table((i) => (i < 10 ? 0 : 1))));
    expect(g.pass).toBe(false);
    expect(g.metrics[0].pass).toBe(false);
    expect(g.metrics[0].reason).toMatch(/significantly worse/);
  });

  it('with --min-delta needs the lower bound of the interval to reach it (a negative one is a non-inferiority margin)', () => {
    const base = runs(table((i) => (i < 6 ? 1 : 0)));
    const cand = runs(table((i) => (i < 7 ? 1 : 0)));
    expect(gate(base, cand, { minDelta: 0.05 }).pass).toBe(false);
    // One fix out of 12: mean 1/12, interval roughly -0.10 to 0.27.
    expect(gate(base, cand, { minDelta: -0.2 }).pass).toBe(true);
    expect(gate(base, cand, { minDelta: -0.2, confidence: 0.5 }).metrics[0].interval!.low).toBeGreaterThan(gate(base, cand, { minDelta: -0.2 }).metrics[0].interval!.low);
  });

  it('fails on a --metric neither experiment scored', () => {
    const g = gate(runs(table(() => 1)), runs(table(() => 1)), { metrics: ['helpfulness'] });
    expect(g.pass).toBe(false);
    expect(g.reasons[0]).toBe('metric helpfulness was not scored in either experiment');
  });

  it('refuses contradicting or out-of-range options as a usage error naming the flag', () => {
    const usage = (req: Parameters<typeof checkGateRequest>[0]) => {
      try {
        checkGateRequest(req);
        return null;
      } catch (e) {
        expect(e).toBeInstanceOf(GateUsageError);
        return (e as GateUsageError).field;
      }
    };
    expect(usage({ baseline: 'exp-1', baselineTag: 'prod' })).toBe('baseline');
    expect(usage({ maxRegressions: -1 })).toBe('max_regressions');
    expect(usage({ maxRegressions: 1.5 })).toBe('max_regressions');
    expect(usage({ confidence: 95 })).toBe('confidence');
    expect(usage({ minDelta: Number.NaN })).toBe('min_delta');
    expect(usage({ metrics: ['correct', 'correct'] })).toBe('metric');
    expect(usage({ baseline: 'exp-1', maxRegressions: 0, minDelta: 0, confidence: 0.9, metrics: ['correct'] })).toBeNull();
  });
});
