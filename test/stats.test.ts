/**
 * Dashboards: GET /v1/stats/{timeseries,models,releases}. The property test posts random
 * traces the way producers do (children before their root, a late batch after the first is
 * indexed, a span posted again with changes) and checks every figure against a brute-force
 * computation in JS over the same spans.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { api, eventually, makeProject, waitForTrace } from './helpers.ts';
import { nearestRank } from '../workers/monitoring/stats.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const MODELS = ['m-a', 'm-b', 'm-c'];
const TAGS = ['t1', 't2', 't3'];

interface GenChild {
  model: string | null;
  offset: number;
  dur: number;
  error: boolean;
  tokens: number;
  cost: number;
}
interface GenTrace {
  start: number;
  dur: number;
  env: string | null;
  release: string | null;
  name: string;
  tags: string[];
  children: GenChild[];
  late: boolean;
  feedback: { key: string; source: 'user' | 'evaluator'; score: number }[];
}
/** What the spans say once every post has merged: the brute force reads this. */
interface Span {
  id: string;
  trace_id: string;
  parent_id: string | null;
  name: string;
  kind: string;
  start: number;
  end: number;
  status: 'ok' | 'error';
  model: string | null;
  tokens: number | null;
  cost: number | null;
  tags: string[];
  env: string | null;
  release: string | null;
}

const child = fc.record({
  model: fc.constantFrom(...MODELS, null),
  offset: fc.integer({ min: 0, max: 3 * HOUR }),
  dur: fc.integer({ min: 1, max: 60_000 }),
  error: fc.boolean(),
  tokens: fc.integer({ min: 0, max: 5000 }),
  cost: fc.integer({ min: 0, max: 1000 }).map((c) => c / 10_000),
});
const trace = fc.record({
  start: fc.integer({ min: 0, max: 3 * DAY }),
  dur: fc.integer({ min: 1, max: 120_000 }),
  env: fc.constantFrom('production', 'staging', null),
  release: fc.constantFrom('v1', 'v2', null),
  name: fc.constantFrom('agent', 'router'),
  tags: fc.subarray(TAGS),
  children: fc.array(child, { maxLength: 3 }),
  late: fc.boolean(),
  feedback: fc.uniqueArray(fc.record({ key: fc.constantFrom('thumbs', 'correct'), source: fc.constantFrom('user' as const, 'evaluator' as const), score: fc.integer({ min: 0, max: 4 }).map((s) => s / 4) }), {
    selector: (f) => `${f.key}/${f.source}`,
    maxLength: 3,
  }),
});
const scenario = fc.record({
  traces: fc.array(trace, { minLength: 1, maxLength: 8 }),
  bucket: fc.constantFrom('hour' as const, 'day' as const),
  split: fc.constantFrom('none', 'model', 'release', 'environment', 'name', 'tag'),
  /** Which child (if any) is posted again with another status and usage. */
  update: fc.nat(),
  seed: fc.nat(),
});

/** The stored spans of a generated trace (after an update, if chosen). */
function spansOf(tid: string, g: GenTrace, base: number): Span[] {
  const start = base + g.start;
  const root: Span = { id: `${tid}-r`, trace_id: tid, parent_id: null, name: g.name, kind: 'chain', start, end: start + g.dur, status: 'ok', model: null, tokens: null, cost: null, tags: g.tags, env: g.env, release: g.release };
  const kids = g.children.map(
    (c, i): Span => ({ id: `${tid}-c${i}`, trace_id: tid, parent_id: root.id, name: `call${i}`, kind: 'llm', start: start + c.offset, end: start + c.offset + c.dur, status: c.error ? 'error' : 'ok', model: c.model, tokens: c.tokens, cost: c.cost, tags: i === 0 ? ['t3'] : [], env: null, release: null }),
  );
  return [root, ...kids];
}

const wire = (s: Span) => ({
  id: s.id,
  trace_id: s.trace_id,
  parent_id: s.parent_id,
  name: s.name,
  kind: s.kind,
  start_time: new Date(s.start).toISOString(),
  end_time: new Date(s.end).toISOString(),
  status: s.status,
  ...(s.status === 'error' ? { error: 'boom' } : {}),
  ...(s.model ? { model: s.model } : {}),
  ...(s.tokens !== null ? { usage: { input_tokens: s.tokens, output_tokens: 0, total_tokens: s.tokens, cost_usd: s.cost } } : {}),
  ...(s.tags.length ? { tags: s.tags } : {}),
  ...(s.env ? { environment: s.env } : {}),
  ...(s.release ? { release: s.release } : {}),
});

interface Fb {
  trace_id: string;
  key: string;
  source: string;
  score: number;
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/** The brute force: trace rows from spans as docs/dashboards.md defines them, then figures per (group, bucket). */
function expected(spans: Span[], fbs: Fb[], bucketMs: number, split: string, since: number, until: number) {
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) byTrace.set(s.trace_id, [...(byTrace.get(s.trace_id) ?? []), s]);
  const rows: { id: string; b: number; d: number; e: number; tok: number; cost: number; groups: (string | null)[] }[] = [];
  for (const [id, ss] of byTrace) {
    const root = ss.find((s) => s.parent_id === null)!;
    const start = Math.min(...ss.map((s) => s.start));
    if (start < since || start >= until) continue;
    const llm = ss.filter((s) => s.kind === 'llm');
    const tags = [...new Set(ss.flatMap((s) => s.tags))];
    const models = [...new Set(ss.map((s) => s.model).filter((m): m is string => m !== null))];
    const groups = { none: [null], release: [root.release], environment: [root.env], name: [root.name], tag: tags.length ? tags : [null], model: models.length ? models : [null] }[split]!;
    rows.push({
      id,
      b: start - (start % bucketMs),
      d: root.end - root.start,
      e: ss.some((s) => s.status === 'error') ? 1 : 0,
      tok: llm.reduce((a, s) => a + (s.tokens ?? 0), 0),
      cost: llm.reduce((a, s) => a + (s.cost ?? 0), 0),
      groups,
    });
  }
  const out = new Map<string, Map<number, unknown>>();
  const cells = new Map<string, typeof rows>();
  for (const r of rows) for (const g of r.groups) cells.set(`${g}|${r.b}`, [...(cells.get(`${g}|${r.b}`) ?? []), r]);
  for (const [k, rs] of cells) {
    const [g, b] = [k.slice(0, k.lastIndexOf('|')), Number(k.slice(k.lastIndexOf('|') + 1))];
    const ds = rs.map((r) => r.d).sort((x, y) => x - y);
    const at = (p: number) => ds[nearestRank(p, ds.length) - 1];
    const ids = new Set(rs.map((r) => r.id));
    const avgs = (kind: 'feedback' | 'scores') => {
      const out: Record<string, { avg: number; count: number }> = {};
      const mine = fbs.filter((f) => ids.has(f.trace_id) && (f.source === 'evaluator') === (kind === 'scores'));
      for (const key of new Set(mine.map((f) => f.key))) {
        const xs = mine.filter((f) => f.key === key).map((f) => f.score);
        out[key] = { avg: round(xs.reduce((a, x) => a + x, 0) / xs.length), count: xs.length };
      }
      return out;
    };
    const errors = rs.reduce((a, r) => a + r.e, 0);
    if (!out.has(g)) out.set(g, new Map());
    out.get(g)!.set(b, {
      t: b,
      trace_count: rs.length,
      error_count: errors,
      error_rate: round(errors / rs.length),
      latency_p50: at(0.5),
      latency_p95: at(0.95),
      latency_p99: at(0.99),
      tokens: rs.reduce((a, r) => a + r.tok, 0),
      cost_usd: round(rs.reduce((a, r) => a + r.cost, 0)),
      feedback: avgs('feedback'),
      scores: avgs('scores'),
    });
  }
  return Object.fromEntries([...out].map(([g, m]) => [g, [...m.values()].sort((a: any, b: any) => a.t - b.t)]));
}

/** The API's series in the brute force's shape: group -> points, floats rounded. */
function actual(body: any) {
  const roundAvgs = (o: Record<string, { avg: number; count: number }>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { avg: round(v.avg), count: v.count }]));
  return Object.fromEntries(
    body.series.map((s: any) => [String(s.group), s.points.map((p: any) => ({ ...p, error_rate: round(p.error_rate), cost_usd: round(p.cost_usd), feedback: roundAvgs(p.feedback), scores: roundAvgs(p.scores) }))]),
  );
}

const qs = (o: Record<string, string>) => new URLSearchParams(o).toString();

const LATENCIES = ['latency_p50', 'latency_p95', 'latency_p99'] as const;
/** Roll-ups report percentiles from a DDSketch: within 1% (relative) of the exact value; on read they are exact. */
function expectPercentile(got: number | null, exact: number | null, body: { percentiles: { relative_error: number } }) {
  if (exact === null || got === null) return expect(got).toBe(exact);
  expect(Math.abs(got - exact), `${got} vs exact ${exact}`).toBeLessThanOrEqual(Math.abs(exact) * body.percentiles.relative_error + 1e-9);
}
/** Compares series with exact figures and percentiles within the response's stated bound. */
function expectSeries(body: any, want: Record<string, any[]>) {
  const strip = (o: Record<string, any[]>) => Object.fromEntries(Object.entries(o).map(([g, ps]) => [g, ps.map((p) => Object.fromEntries(Object.entries(p).filter(([k]) => !(LATENCIES as readonly string[]).includes(k))))]));
  const got = actual(body);
  expect(strip(got)).toEqual(strip(want));
  for (const [g, ps] of Object.entries(want)) ps.forEach((p, i) => LATENCIES.forEach((k) => expectPercentile(got[g][i][k], p[k], body)));
}

describe('stats', () => {
  it('timeseries figures equal a brute-force computation over the same spans, whatever the arrival order, lateness and updates', async () => {
    const now = Date.now();
    const base = now - 4 * DAY;
    const since = base - HOUR;
    const until = now;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const { key } = await makeProject(`stats-prop-${run++}`);
        const rng = (i: number) => (sc.seed * 7919 + i * 104729) % 1000;
        let all: Span[] = [];
        const early: Span[] = [];
        const late: Span[] = [];
        sc.traces.forEach((g, i) => {
          const ss = spansOf(`p${run}-${i}`, g, base);
          all.push(...ss);
          // A late trace's children arrive in a second post, after the first is indexed.
          for (const s of ss) (g.late && s.parent_id !== null ? late : early).push(s);
        });
        // Out of order: children before roots, shuffled by the seed.
        early.sort((a, b) => rng(all.indexOf(a)) - rng(all.indexOf(b)));
        expect((await api('/v1/spans', { key, body: { spans: early.map(wire) } })).status).toBe(202);
        const root = early.find((s) => s.parent_id === null)!;
        await waitForTrace(key, root.trace_id);
        const children = all.filter((s) => s.parent_id !== null);
        const second = [...late];
        if (children.length) {
          // Posted again with the other status and new usage: the stored span merges the change.
          const c = children[sc.update % children.length];
          const changed: Span = { ...c, status: c.status === 'error' ? 'ok' : 'error', tokens: (c.tokens ?? 0) + 7, cost: (c.cost ?? 0) + 0.5, end: c.end + 1234 };
          // The store's merge: new values replace old ones, except that an error is sticky
          // (a later "ok" does not hide that the span failed).
          const stored: Span = { ...changed, status: c.status === 'error' ? 'error' : changed.status };
          all = all.map((s) => (s === c ? stored : s));
          second.push(changed);
        }
        if (second.length) expect((await api('/v1/spans', { key, body: { spans: second.map(wire) } })).status).toBe(202);
        const fbs: Fb[] = [];
        for (const [i, g] of sc.traces.entries()) {
          for (const f of g.feedback) {
            const fb = { trace_id: `p${run}-${i}`, key: f.key, source: f.source, score: f.score };
            await eventually(async () => {
              const res = await api('/v1/feedback', { key, body: { id: `${fb.trace_id}-${f.key}-${f.source}`, ...fb } });
              expect(res.status, res.text).toBeLessThan(300);
            });
            fbs.push(fb);
          }
        }
        const want = expected(all, fbs, sc.bucket === 'hour' ? HOUR : DAY, sc.split, since, until);
        await eventually(async () => {
          const res = await api(`/v1/stats/timeseries?${qs({ since: new Date(since).toISOString(), until: new Date(until).toISOString(), bucket: sc.bucket, split: sc.split })}`, { key });
          expect(res.status, res.text).toBe(200);
          expect(res.json.series.every((s: any) => !s.other)).toBe(true);
          expect(res.json.computed).toBe('rollups');
          expectSeries(res.json, want);
        }, 15_000);
      }),
      { numRuns: 20, seed: 1313, endOnFailure: true },
    );
  }, 240_000);

  it('shows the 10 groups with most traces and sums the rest into one "(other)" series', async () => {
    const { key } = await makeProject('stats-other');
    const start = Date.now() - HOUR;
    const releases = Array.from({ length: 12 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    // r00 has 3 traces, r01 2, every other release 1: the top 10 are r00..r09.
    const counts = releases.map((_, i) => (i === 0 ? 3 : i === 1 ? 2 : 1));
    const spans = releases.flatMap((r, i) => Array.from({ length: counts[i] }, (_, j) => ({ id: `o-${r}-${j}`, trace_id: `o-${r}-${j}`, name: 'agent', kind: 'chain', start_time: new Date(start + i).toISOString(), end_time: new Date(start + i + 100 * (i + 1)).toISOString(), release: r })));
    expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
    for (const s of spans) await waitForTrace(key, s.trace_id);
    const res = await api('/v1/stats/timeseries?since=1d&split=release&bucket=day', { key });
    expect(res.status, res.text).toBe(200);
    const series = res.json.series as any[];
    expect(series.map((s) => s.group)).toEqual(['r00', 'r01', ...releases.slice(2, 10), '(other)']);
    const other = series.at(-1);
    expect(other.other).toBe(true);
    expect(other.points.reduce((a: number, p: any) => a + p.trace_count, 0)).toBe(2);
    // The other series' p50 is over its own traces: r10 (1,100 ms) and r11 (1,200 ms).
    expectPercentile(other.points[0].latency_p50, 1100, res.json);
  });

  it('answers the per-model table and a release comparison from the same traces', async () => {
    const { key } = await makeProject('stats-models');
    const start = Date.now() - HOUR;
    const mk = (tid: string, release: string, calls: { model: string; ms: number; tokens: number; error?: boolean }[]) => [
      { id: `${tid}-r`, trace_id: tid, name: 'agent', kind: 'chain', start_time: new Date(start).toISOString(), end_time: new Date(start + 5000).toISOString(), release, environment: 'production' },
      ...calls.map((c, i) => ({
        id: `${tid}-${i}`,
        trace_id: tid,
        parent_id: `${tid}-r`,
        name: 'llm',
        kind: 'llm',
        model: c.model,
        start_time: new Date(start + 10).toISOString(),
        end_time: new Date(start + 10 + c.ms).toISOString(),
        status: c.error ? 'error' : 'ok',
        ...(c.error ? { error: 'rate limited' } : {}),
        usage: { input_tokens: c.tokens, output_tokens: 10, total_tokens: c.tokens + 10, cost_usd: 0.01 },
      })),
    ];
    const spans = [...mk('m1', 'v1', [{ model: 'gpt', ms: 100, tokens: 90 }, { model: 'gpt', ms: 300, tokens: 190, error: true }]), ...mk('m2', 'v2', [{ model: 'claude', ms: 200, tokens: 40 }])];
    expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
    await waitForTrace(key, 'm1', 3);
    await waitForTrace(key, 'm2', 2);
    await api('/v1/feedback', { key, body: { trace_id: 'm2', key: 'correct', score: 1, source: 'evaluator' } });
    await api('/v1/feedback', { key, body: { trace_id: 'm2', key: 'thumbs', score: 0, source: 'user' } });

    const models = await api('/v1/stats/models?since=1d', { key });
    expect(models.status, models.text).toBe(200);
    const exactModels = [
      { model: 'gpt', calls: 2, input_tokens: 280, output_tokens: 20, total_tokens: 300, cost_usd: 0.02, latency_p50: 100, latency_p95: 300, error_rate: 0.5 },
      { model: 'claude', calls: 1, input_tokens: 40, output_tokens: 10, total_tokens: 50, cost_usd: 0.01, latency_p50: 200, latency_p95: 200, error_rate: 0 },
    ];
    expect(models.json.models.map(({ latency_p50: _, latency_p95: __, ...m }: any) => m)).toEqual(exactModels.map(({ latency_p50: _, latency_p95: __, ...m }) => m));
    exactModels.forEach((m, i) => {
      expectPercentile(models.json.models[i].latency_p50, m.latency_p50, models.json);
      expectPercentile(models.json.models[i].latency_p95, m.latency_p95, models.json);
    });
    const narrowed = await api(`/v1/stats/models?since=1d&filter=${encodeURIComponent('release=v2')}`, { key });
    expect(narrowed.json.models.map((m: any) => m.model)).toEqual(['claude']);

    const cmp = await api('/v1/stats/releases?since=1d&a=v1&b=v2', { key });
    expect(cmp.status, cmp.text).toBe(200);
    expect(cmp.json.a).toMatchObject({ release: 'v1', trace_count: 1, error_count: 1, error_rate: 1, tokens: 300, feedback: {}, scores: {} });
    expectPercentile(cmp.json.a.latency_p50, 5000, cmp.json);
    expect(cmp.json.b).toMatchObject({ release: 'v2', trace_count: 1, error_count: 0, tokens: 50, feedback: { thumbs: { avg: 0, count: 1 } }, scores: { correct: { avg: 1, count: 1 } } });
    const none = await api('/v1/stats/releases?since=1d&a=v1&b=v9', { key });
    expect(none.json.b).toMatchObject({ release: 'v9', trace_count: 0, error_rate: 0, latency_p50: null, feedback: {} });
  });

  it('rejects a range over 90 days or inverted, an unknown split or bucket, an unparsable filter and a missing release, naming the field', async () => {
    const { key } = await makeProject('stats-bad');
    const cases: [string, string][] = [
      ['/v1/stats/timeseries?since=91d', 'since'],
      ['/v1/stats/timeseries?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'until'],
      ['/v1/stats/timeseries?since=yesterday', 'since'],
      ['/v1/stats/timeseries?split=country', 'split'],
      ['/v1/stats/timeseries?bucket=minute', 'bucket'],
      ['/v1/stats/timeseries?filter=env%3D(', 'filter'],
      ['/v1/stats/models?since=100d', 'since'],
      ['/v1/stats/models?filter=nosuchfield%3D1', 'filter'],
      ['/v1/stats/releases?a=v1', 'b'],
      ['/v1/stats/releases?b=v1', 'a'],
    ];
    for (const [path, field] of cases) {
      const res = await api(path, { key });
      expect(res.status, path).toBe(400);
      expect(res.json.error.path, path).toBe(field);
      expect(res.json.error.message.length).toBeGreaterThan(0);
    }
  });

  it("keeps each project's figures to itself", async () => {
    const a = await makeProject('stats-iso-a');
    const b = await makeProject('stats-iso-b');
    const start = Date.now() - HOUR;
    const spans = [
      { id: 'iso-r', trace_id: 'iso', name: 'agent', kind: 'chain', start_time: new Date(start).toISOString(), end_time: new Date(start + 100).toISOString(), release: 'v1' },
      { id: 'iso-c', trace_id: 'iso', parent_id: 'iso-r', name: 'llm', kind: 'llm', model: 'gpt', start_time: new Date(start).toISOString(), end_time: new Date(start + 50).toISOString(), usage: { total_tokens: 5 } },
    ];
    expect((await api('/v1/spans', { key: a.key, body: { spans } })).status).toBe(202);
    await waitForTrace(a.key, 'iso', 2);
    await api('/v1/feedback', { key: a.key, body: { trace_id: 'iso', key: 'thumbs', score: 1, source: 'user' } });
    const seen = await api('/v1/stats/timeseries?since=1d&split=model', { key: a.key });
    expect(seen.json.series.map((s: any) => s.group)).toEqual(['gpt']);
    for (const split of ['none', 'model', 'release', 'tag']) {
      const res = await api(`/v1/stats/timeseries?since=1d&split=${split}`, { key: b.key });
      expect(res.status).toBe(200);
      expect(res.json.series).toEqual([]);
      expect(res.json.keys).toEqual({ feedback: [], scores: [] });
    }
    expect((await api('/v1/stats/models?since=1d', { key: b.key })).json.models).toEqual([]);
    expect((await api('/v1/stats/releases?since=1d&a=v1&b=v2', { key: b.key })).json.a).toMatchObject({ trace_count: 0, tokens: 0 });
  });
});
