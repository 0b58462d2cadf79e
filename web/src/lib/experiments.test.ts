import { describe, it, expect } from 'vitest';
import type { ExperimentRunOut } from '../../../schema/wire/experiments.ts';
import { comparePath, deltaDirection, filterRuns, formatDelta, formatDeltaInterval, formatInterval, formatMetric, parseIds, sparklinePath } from './experiments.ts';

const run = (example_id: string, scores: Record<string, number>, error: string | null = null): ExperimentRunOut => ({
  example_id,
  repetition: 0,
  trace_id: `t-${example_id}`,
  output: null,
  error,
  latency_ms: null,
  tokens: null,
  cost: null,
  scores,
});

describe('how experiment numbers read', () => {
  it('shows pass rates as percentages and their deltas in points, means as numbers', () => {
    expect(formatMetric(0.725, 'pass_rate')).toBe('72.5%');
    expect(formatMetric(0.73449, 'mean')).toBe('0.734');
    expect(formatMetric(null, 'mean')).toBe('—');
    expect(formatInterval({ low: 0.641, high: 0.8 }, 'pass_rate')).toBe('[64.1%, 80%]');
    expect(formatDelta(-0.05, 'pass_rate')).toBe('−5 pts');
    expect(formatDelta(0.125, 'mean')).toBe('+0.125');
    expect(formatDeltaInterval({ low: -0.031, high: 0.08 }, 'pass_rate')).toBe('[−3.1, +8] pts');
  });

  it('calls a delta better or worse only when its interval excludes zero', () => {
    expect(deltaDirection({ low: 0.01, high: 0.2 })).toBe('better');
    expect(deltaDirection({ low: -0.2, high: -0.01 })).toBe('worse');
    expect(deltaDirection({ low: -0.1, high: 0.1 })).toBe('unclear');
    expect(deltaDirection(null)).toBe('unclear');
  });
});

describe('the sparkline', () => {
  it('draws scores on a 0..1 scale and leaves a gap where an experiment has no value', () => {
    expect(sparklinePath([0, 1], 100, 20, 0)).toBe('M0.0,20.0 L100.0,0.0');
    expect(sparklinePath([0.5, null, 0.5], 100, 20, 0)).toBe('M0.0,10.0 M100.0,10.0');
    expect(sparklinePath([10, 20], 100, 20, 0)).toBe('M0.0,20.0 L100.0,0.0');
    expect(sparklinePath([null], 100, 20)).toBe('');
  });
});

describe('the experiment page filters', () => {
  const runs = [run('a1', { correct: 1 }), run('a2', { correct: 0 }), run('b1', {}, 'timed out')];
  it('narrows by example id, by error, and by a score condition that runs without the score never meet', () => {
    expect(filterRuns(runs, { search: 'A' }).map((r) => r.example_id)).toEqual(['a1', 'a2']);
    expect(filterRuns(runs, { errors: 'errored' }).map((r) => r.example_id)).toEqual(['b1']);
    expect(filterRuns(runs, { errors: 'ok' }).map((r) => r.example_id)).toEqual(['a1', 'a2']);
    expect(filterRuns(runs, { metric: 'correct', op: 'lt', value: 1 }).map((r) => r.example_id)).toEqual(['a2']);
    expect(filterRuns(runs, { metric: 'correct', op: 'gte', value: 1 }).map((r) => r.example_id)).toEqual(['a1']);
  });
});

describe('the compare URL', () => {
  it('is the one the gate markdown links to, and reads back its ids', () => {
    expect(comparePath(['exp_a', 'exp_b'], 'ex 1')).toBe('/experiments/compare?ids=exp_a%2Cexp_b&example=ex+1');
    expect(parseIds(' exp_a, ,exp_b ')).toEqual(['exp_a', 'exp_b']);
  });
});
