import { describe, it, expect } from 'vitest';
import { parseFilter } from '../../../schema/filter/index.ts';
import type { StatsPoint } from '../api/stats-types.ts';
import { alignSeries, andFilters, bucketGrid, bucketTracesLink, delta, groupClause } from './dashboard.ts';

const H = 3_600_000;
const D = 86_400_000;
const point = (t: number, trace_count: number, error_rate: number): StatsPoint => ({
  t,
  trace_count,
  error_count: Math.round(trace_count * error_rate),
  error_rate,
  latency_p50: 100,
  latency_p95: 200,
  latency_p99: 300,
  tokens: 0,
  cost_usd: 0,
  feedback: {},
  scores: {},
});

describe('the bucket grid a dashboard chart draws', () => {
  const day0 = Date.parse('2026-03-01T00:00:00Z');

  it('has every UTC bucket of the range, so days without traces are drawn rather than skipped', () => {
    const grid = bucketGrid(day0 + 5 * H, day0 + 3 * D + H, 'day');
    expect(grid).toEqual([day0, day0 + D, day0 + 2 * D, day0 + 3 * D]);
    expect(bucketGrid(day0 + 30 * 60_000, day0 + 3 * H, 'hour')).toEqual([day0, day0 + H, day0 + 2 * H]);
  });

  it('counts are 0 in an empty bucket, while rates are a gap (no traces is no error rate)', () => {
    const grid = bucketGrid(day0, day0 + 3 * D, 'day');
    const points = [point(day0, 4, 0.25), point(day0 + 2 * D, 2, 0)];
    expect(alignSeries(grid, points, (p) => p.trace_count, 0)).toEqual([4, 0, 2]);
    expect(alignSeries(grid, points, (p) => p.error_rate, null)).toEqual([0.25, null, 0]);
  });

  it('keeps a point whose bucket start is off the grid', () => {
    const grid = bucketGrid(day0, day0 + 2 * D, 'day', [{ group: null, other: false, points: [point(day0 + 7 * H, 1, 0)] }]);
    expect(grid).toEqual([day0, day0 + 7 * H, day0 + D]);
  });
});

describe("the traces behind a dashboard point", () => {
  it("names one series' traces with a clause that parses, quoting any value", () => {
    for (const group of ['v2', 'say "hi"', 'a\\b', 'and']) {
      const clause = groupClause('release', { group, other: false });
      const node = parseFilter(clause);
      expect(node).toMatchObject({ type: 'compare', field: { name: 'release' }, op: '=', value: { text: group } });
    }
    expect(groupClause('environment', { group: 'production', other: false })).toBe('env="production"');
    expect(groupClause('none', { group: null, other: false })).toBe('');
  });

  it('picks traces without the field for the null group, and the rest for "(other)"', () => {
    expect(groupClause('tag', { group: null, other: false })).toBe('not tag~""');
    const other = groupClause('model', { group: '(other)', other: true }, ['gpt-4o', 'gpt-4.1'], true);
    expect(other).toBe('model~"" and model not in ("gpt-4o", "gpt-4.1")');
    expect(() => parseFilter(other)).not.toThrow();
    // Without a series of their own, traces lacking the field are folded into "(other)" too.
    expect(groupClause('release', { group: '(other)', other: true }, ['v1', 'v2'])).toBe('release not in ("v1", "v2")');
  });

  it("joins the dashboard's filter and the series' clause so an `or` in the filter stays grouped", () => {
    expect(andFilters('env=a or env=b', 'release="v2"')).toBe('(env=a or env=b) and (release="v2")');
    expect(andFilters('', 'release="v2"')).toBe('release="v2"');
    expect(andFilters('env=a', '')).toBe('env=a');
  });

  it("opens /traces on the bucket's time range, clipped to the dashboard's range at either end", () => {
    const t = Date.parse('2026-03-02T00:00:00Z');
    const link = new URL(bucketTracesLink({ filter: 'release="v2"', t, bucket: 'day', since: t + 6 * H, until: t + 20 * H }), 'http://x');
    expect(link.pathname).toBe('/traces');
    expect(link.searchParams.get('q')).toBe('release="v2"');
    expect(link.searchParams.get('range')).toBe('custom');
    expect(link.searchParams.get('from')).toBe('2026-03-02T06:00:00.000Z');
    expect(link.searchParams.get('to')).toBe('2026-03-02T20:00:00.000Z');
    const whole = new URL(bucketTracesLink({ filter: '', t, bucket: 'hour', since: 0, until: t + D }), 'http://x');
    expect(whole.searchParams.has('q')).toBe(false);
    expect(whole.searchParams.get('to')).toBe('2026-03-02T01:00:00.000Z');
  });
});

describe('a release comparison', () => {
  it('marks a change better or worse by which way the figure should move', () => {
    expect(delta(0.1, 0.05, 'lower-better')).toEqual({ diff: -0.05, relative: -0.5, verdict: 'better' });
    expect(delta(0.8, 0.6, 'higher-better').verdict).toBe('worse');
    expect(delta(100, 200, 'neutral').verdict).toBe('unknown');
    expect(delta(3, 3, 'lower-better').verdict).toBe('same');
  });

  it('has no relative change from zero and no change at all when a side has no figure', () => {
    expect(delta(0, 5, 'lower-better')).toEqual({ diff: 5, relative: null, verdict: 'worse' });
    expect(delta(null, 5, 'lower-better')).toEqual({ diff: null, relative: null, verdict: 'unknown' });
  });
});
