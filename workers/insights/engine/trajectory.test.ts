import { describe, it, expect } from 'vitest';
import { fixtureSummaries, summary } from '../../../test/insights-helpers.ts';
import { trajectoryFeatures, mineSkipRules, collapsed, skipFeature } from './trajectory.ts';
import { featureKey } from './features.ts';

const byId = Object.fromEntries(fixtureSummaries().map((s) => [s.id, s]));

describe('tool-sequence mining on real tau-bench trajectories', () => {
  it('reads the tool calls of a conversation in order, with the failed one flagged', () => {
    const s = byId['taubench-airline-0-0'];
    expect(s.tools.map((t) => t.name)).toEqual(['get_user_details', 'search_direct_flight', 'search_onestop_flight', 'calculate', 'book_reservation', 'think', 'calculate', 'book_reservation']);
    expect(s.tools.filter((t) => t.error).map((t) => t.name)).toEqual(['book_reservation']);
    expect(s.toolSource).toBe('spans');
  });

  it('finds the calls, failed calls, 2- and 3-step sequences of a trajectory', () => {
    const f = new Set(trajectoryFeatures(byId['taubench-airline-0-0'].tools, []));
    for (const key of [
      featureKey('tool', 'book_reservation'),
      featureKey('tool_error', 'book_reservation'),
      featureKey('seq', 'get_user_details', 'search_direct_flight'),
      featureKey('seq', 'search_onestop_flight', 'calculate', 'book_reservation'),
      featureKey('seq', 'book_reservation', 'think', 'calculate'),
    ])
      expect(f.has(key)).toBe(true);
    expect(f.has(featureKey('tool_error', 'calculate'))).toBe(false);
    // No call there repeats with the same arguments.
    expect(f.has(featureKey('any_loop'))).toBe(false);
  });

  it('spots a loop: update_reservation_flights called again and again with the same arguments', () => {
    const s = byId['taubench-airline-13-0'];
    const f = trajectoryFeatures(s.tools, []);
    expect(f).toContain(featureKey('loop', 'update_reservation_flights'));
    expect(f).toContain(featureKey('any_loop'));
    // Repeats collapse in sequences, so a loop does not flood the n-grams.
    expect(collapsed(s.tools).filter((n) => n === 'update_reservation_flights').length).toBe(2);
  });

  it('mines "search_direct_flight without get_user_details before it" when the lookup usually comes first', () => {
    const all = Object.values(byId);
    const rules = mineSkipRules(all.map((s) => s.tools), 2);
    expect(rules).toContainEqual({ tool: 'search_direct_flight', missing: 'get_user_details' });
    // 0-1 searched before looking the user up; 0-0 looked the user up first.
    const rule = skipFeature({ tool: 'search_direct_flight', missing: 'get_user_details' });
    expect(trajectoryFeatures(byId['taubench-airline-0-1'].tools, rules)).toContain(rule);
    expect(trajectoryFeatures(byId['taubench-airline-0-0'].tools, rules)).not.toContain(rule);
  });

  it('does not propose skipping a step that rarely precedes the call', () => {
    const traces = [
      ...Array.from({ length: 6 }, () => ['search', 'book']),
      ...Array.from({ length: 2 }, () => ['lookup', 'search', 'book']),
      ...Array.from({ length: 2 }, () => ['book']),
    ].map((tools, i) => summary(`t${i}`, { tools }).tools);
    // lookup precedes book in 2 of 10 traces: skipping it is no pattern. search precedes it in 8 of 10.
    expect(mineSkipRules(traces, 2)).not.toContainEqual({ tool: 'book', missing: 'lookup' });
    expect(mineSkipRules(traces, 2)).toContainEqual({ tool: 'book', missing: 'search' });
  });

  it('marks a trajectory without tool calls', () => {
    expect(trajectoryFeatures([], [])).toEqual([featureKey('no_tools')]);
  });
});
