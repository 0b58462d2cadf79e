import { describe, it, expect } from 'vitest';
import { summary } from '../../../test/insights-helpers.ts';
import { runReport } from './steps.ts';
import { parseFilter } from '../../../schema/filter/index.ts';
import type { TraceSummary } from './summary.ts';

/**
 * 100 traces, 40 failed (base rate 0.4):
 *   20 call A (env prod),      15 failed -> rate 0.75, lift 0.75 / 0.4 = 1.875
 *   30 call B (model m2),      12 failed -> rate 0.40, lift 1.000
 *   50 call C,                 13 failed -> rate 0.26, lift 0.650
 */
function table(): TraceSummary[] {
  const out: TraceSummary[] = [];
  const group = (n: number, failed: number, tool: string, extra: Partial<TraceSummary>) => {
    for (let i = 0; i < n; i++) out.push(summary(`${tool}-${String(i).padStart(2, '0')}`, { tools: [tool], failed: i < failed, ...extra }));
  };
  group(20, 15, 'A', { environment: 'prod' });
  group(30, 12, 'B', { models: ['m2'] });
  group(50, 13, 'C', {});
  return out;
}

/** Benjamini-Hochberg by hand: q_(i) = min over j >= i of m p_(j) / j. */
function bh(p: number[]): number[] {
  const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b]);
  const q = new Array<number>(p.length);
  let running = 1;
  for (let r = p.length; r >= 1; r--) {
    running = Math.min(running, (p[order[r - 1]] * p.length) / r);
    q[order[r - 1]] = running;
  }
  return q;
}

describe('failure patterns', () => {
  const { report, patternMembers } = runReport(table());
  const byLabel = Object.fromEntries(report.patterns.map((p) => [p.label, p]));

  it('have the lift, rate and support of the hand-computed table', () => {
    expect(report.baseRate).toBe(0.4);
    expect(byLabel['calls A']).toMatchObject({ support: 20, failures: 15, rate: 0.75, baseRate: 0.4 });
    expect(byLabel['calls A'].lift).toBeCloseTo(1.875, 12);
    expect(byLabel['calls B'].lift).toBeCloseTo(1, 12);
    expect(byLabel['calls C']).toMatchObject({ support: 50, failures: 13, rate: 0.26 });
    expect(byLabel['calls C'].lift).toBeCloseTo(0.65, 12);
    expect(byLabel['calls A'].interval!.low).toBeGreaterThan(1);
    expect(byLabel['calls A'].interval!.high).toBeGreaterThan(1.875);
  });

  it('fold candidates with exactly the same traces into one test, and correct the rest for testing many (Benjamini-Hochberg)', () => {
    // env prod = the A traces, model m2 = the B traces: one test each, shown once.
    expect(byLabel['calls A'].sameAs).toEqual(['env prod']);
    expect(byLabel['calls B'].sameAs).toEqual(['model m2']);
    expect(report.patternsTested).toBe(3);
    const tested = ['calls A', 'calls B', 'calls C'].map((l) => byLabel[l]);
    const q = bh(tested.map((p) => p.p));
    tested.forEach((p, i) => expect(p.q).toBeCloseTo(q[i], 12));
    expect(byLabel['calls A'].significant).toBe(true);
    expect(byLabel['calls B'].significant).toBe(false);
  });

  it('rank what fails more first: significant lifts above 1, by their lower bound', () => {
    expect(report.patterns[0].label).toBe('calls A');
    expect(report.patternsSignificant).toBe(1);
    // C fails less than the rest: listed, but after the patterns that fail more.
    expect(report.patterns.map((p) => p.label).indexOf('calls C')).toBeGreaterThan(0);
  });

  it('come with the equivalent filter where the language has one, and the exact trace ids', () => {
    const a = byLabel['calls A'];
    expect(a.filter).toBe('has(kind=tool and name=A)');
    expect(() => parseFilter(a.filter!)).not.toThrow();
    expect(patternMembers[a.key]).toEqual(Array.from({ length: 20 }, (_, i) => `A-${String(i).padStart(2, '0')}`));
  });

  it('have no tool filter when tool calls were read from LLM messages (no tool spans to filter on)', () => {
    const traces = table().map((s) => ({ ...s, toolSource: 'messages' as const }));
    const r = runReport(traces).report;
    expect(r.patterns.find((p) => p.label === 'calls A')!.filter).toBeNull();
    expect(r.notes.join(' ')).toContain('tool patterns have no equivalent filter');
  });

  it('are absent, with a note, when nothing failed or everything did', () => {
    const none = runReport(table().map((s) => ({ ...s, failed: false }))).report;
    expect(none.patterns).toEqual([]);
    expect(none.notes.join(' ')).toContain('no trace matched the failure definition');
    const all = runReport(table().map((s) => ({ ...s, failed: true }))).report;
    expect(all.patterns).toEqual([]);
    expect(all.notes.join(' ')).toContain('every trace matched the failure definition');
  });

  it('of an empty report: nothing, and a note that says so', () => {
    const { report: empty, members } = runReport([]);
    expect(members).toEqual([]);
    expect(empty).toMatchObject({ traces: 0, failures: 0, baseRate: null, intents: [], patterns: [] });
    expect(empty.notes).toEqual(['no traces matched the report filter: the report is empty']);
  });
});
