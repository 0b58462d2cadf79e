/**
 * Dashboard roll-ups (workers/store/rollups.ts): what the stats routes read from roll-up
 * rows equals what they compute on read from the traces (itself checked against a JS brute
 * force in stats.test.ts), through late spans that move a trace into an earlier hour or day,
 * spans posted again, feedback added later and deletions; percentiles within the sketch's
 * stated bound; stale hours (the migration's backfill) computed on read until the cron pass
 * rolls them up; and no project's rows in another's figures.
 */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { api, eventually, makeProject, waitForTrace } from './helpers.ts';
import { runLifecycle } from '../workers/lifecycle/cron.ts';
import { runRollupPass } from '../workers/monitoring/rollup-pass.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const qs = (o: Record<string, string>) => new URLSearchParams(o).toString();
const LATENCIES = ['latency_p50', 'latency_p95', 'latency_p99'];
/** A filter every generated trace matches (all have an ended root) that the roll-ups cannot answer: the exact on-read figures. */
const ON_READ = 'latency>=0';

const within = (got: number | null, exact: number | null, bound: number) => {
  if (got === null || exact === null) return expect(got).toBe(exact);
  expect(Math.abs(got - exact), `${got} vs exact ${exact}`).toBeLessThanOrEqual(Math.abs(exact) * bound + 1e-9);
};
const roundAvgs = (o: Record<string, { avg: number; count: number }>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { avg: Math.round(v.avg * 1e9) / 1e9, count: v.count }]));
const rounded = (p: any) => ({ ...p, error_rate: Math.round(p.error_rate * 1e9) / 1e9, cost_usd: Math.round(p.cost_usd * 1e9) / 1e9, feedback: roundAvgs(p.feedback ?? {}), scores: roundAvgs(p.scores ?? {}) });
const noLatency = (p: any) => Object.fromEntries(Object.entries(rounded(p)).filter(([k]) => !LATENCIES.includes(k)));

/** Roll-up series equal the on-read series, percentiles within the roll-up response's bound. */
function expectSameSeries(rolled: any, exact: any) {
  expect(rolled.computed).toBe('rollups');
  expect(rolled.percentiles).toEqual({ method: 'ddsketch', relative_error: 0.01 });
  expect(exact.computed).toBe('on_read');
  expect(exact.percentiles).toEqual({ method: 'exact', relative_error: 0 });
  const shape = (b: any) => b.series.map((s: any) => ({ group: s.group, other: s.other, points: s.points.map(noLatency) }));
  expect(shape(rolled)).toEqual(shape(exact));
  expect(rolled.keys).toEqual(exact.keys);
  exact.series.forEach((s: any, i: number) => s.points.forEach((p: any, j: number) => LATENCIES.forEach((k) => within(rolled.series[i].points[j][k], p[k], 0.01))));
}

async function timeseries(key: string, q: Record<string, string>) {
  const res = await api(`/v1/stats/timeseries?${qs(q)}`, { key });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

/** Every figure a dashboard shows, from roll-ups and on read, for one range. */
async function expectRollupsMatch(key: string, since: number, until: number, splits: string[]) {
  for (const split of splits) {
    for (const bucket of ['hour', 'day']) {
      const q = { since: iso(since), until: iso(until), bucket, split };
      expectSameSeries(await timeseries(key, q), await timeseries(key, { ...q, filter: ON_READ }));
    }
  }
  const range = `since=${iso(since)}&until=${iso(until)}`;
  const models = (await api(`/v1/stats/models?${range}`, { key })).json;
  const modelsExact = (await api(`/v1/stats/models?${range}&filter=${ON_READ}`, { key })).json;
  expect(models.computed).toBe('rollups');
  const noLat = (m: any) => ({ ...m, cost_usd: Math.round(m.cost_usd * 1e9) / 1e9, latency_p50: null, latency_p95: null });
  expect(models.models.map(noLat)).toEqual(modelsExact.models.map(noLat));
  modelsExact.models.forEach((m: any, i: number) => ['latency_p50', 'latency_p95'].forEach((k) => within(models.models[i][k], m[k], 0.01)));
  const rel = (await api(`/v1/stats/releases?${range}&a=v1&b=v2`, { key })).json;
  const relExact = (await api(`/v1/stats/releases?${range}&a=v1&b=v2&filter=${ON_READ}`, { key })).json;
  expect(rel.computed).toBe('rollups');
  for (const side of ['a', 'b']) {
    expect(noLatency(rel[side])).toEqual(noLatency(relExact[side]));
    LATENCIES.forEach((k) => within(rel[side][k], relExact[side][k], 0.01));
  }
}

const genTrace = fc.record({
  start: fc.integer({ min: 0, max: 3 * DAY }),
  dur: fc.integer({ min: 1, max: 120_000 }),
  env: fc.constantFrom('production', 'staging', null),
  release: fc.constantFrom('v1', 'v2', null),
  tags: fc.subarray(['t1', 't2']),
  model: fc.constantFrom('m-a', 'm-b', null),
  /** A late child starting this long before the root (0 = no late child): it moves the trace's start, maybe into an earlier hour or day. */
  lateEarlier: fc.constantFrom(0, 0, 20 * 60_000, 3 * HOUR, DAY),
  /** Posted again later with an error and other usage. */
  update: fc.boolean(),
  feedback: fc.option(fc.integer({ min: 0, max: 4 }).map((s) => s / 4)),
  deleted: fc.boolean(),
});

describe('dashboard roll-ups', () => {
  it('equal the on-read figures through late and out-of-order spans, span updates, feedback added later and deletions', async () => {
    const now = Date.now();
    const base = now - 4 * DAY - 17 * 60_000;
    // A range that does not start on an hour: partial first and last hours, whole hours, whole days.
    const since = base - 2 * DAY + 7 * 60_000;
    const until = now;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(genTrace, { minLength: 1, maxLength: 6 }), async (traces) => {
        const { key } = await makeProject(`rollups-prop-${run++}`);
        const id = (i: number) => `r${run}-${i}`;
        const first = traces.flatMap((g, i) => {
          const start = base + g.start;
          const root = { id: `${id(i)}-r`, trace_id: id(i), name: 'agent', kind: 'chain', start_time: iso(start), end_time: iso(start + g.dur), tags: g.tags, ...(g.env ? { environment: g.env } : {}), ...(g.release ? { release: g.release } : {}) };
          const llm = { id: `${id(i)}-c`, trace_id: id(i), parent_id: root.id, name: 'llm', kind: 'llm', start_time: iso(start + 5), end_time: iso(start + 5 + (g.dur % 997) + 1), ...(g.model ? { model: g.model } : {}), usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15, cost_usd: 0.001 } };
          return [llm, root]; // children before roots
        });
        expect((await api('/v1/spans', { key, body: { spans: first } })).status).toBe(202);
        for (const [i] of traces.entries()) await waitForTrace(key, id(i), 2);
        const second = traces.flatMap((g, i) => {
          const start = base + g.start;
          const out: unknown[] = [];
          if (g.lateEarlier) out.push({ id: `${id(i)}-late`, trace_id: id(i), parent_id: `${id(i)}-r`, name: 'late', kind: 'tool', start_time: iso(start - g.lateEarlier), end_time: iso(start - g.lateEarlier + 50) });
          if (g.update) out.push({ id: `${id(i)}-c`, trace_id: id(i), parent_id: `${id(i)}-r`, name: 'llm', kind: 'llm', status: 'error', error: 'boom', start_time: iso(start + 5), end_time: iso(start + 5 + 3000), usage: { input_tokens: 70, output_tokens: 5, total_tokens: 75, cost_usd: 0.01 } });
          return out;
        });
        if (second.length) {
          expect((await api('/v1/spans', { key, body: { spans: second } })).status).toBe(202);
          for (const [i, g] of traces.entries()) if (g.lateEarlier) await waitForTrace(key, id(i), 3);
          await eventually(async () => {
            for (const [i, g] of traces.entries()) if (g.update) expect((await api(`/v1/traces/${id(i)}`, { key })).json.spans.some((s: any) => s.status === 'error')).toBe(true);
          });
        }
        for (const [i, g] of traces.entries()) {
          if (g.feedback !== null) expect((await api('/v1/feedback', { key, body: { id: `${id(i)}-fb`, trace_id: id(i), key: 'thumbs', score: g.feedback, source: 'user' } })).status).toBeLessThan(300);
        }
        for (const [i, g] of traces.entries()) {
          if (!g.deleted) continue;
          const job = await api('/v1/deletions', { key, body: { trace_id: id(i) } });
          expect(job.status, job.text).toBeLessThan(300);
          await eventually(async () => {
            await runLifecycle(env);
            expect((await api(`/v1/deletions/${job.json.id}`, { key })).json.status).toBe('done');
          });
        }
        await expectRollupsMatch(key, since, until, ['none', 'release', 'environment', 'tag', 'model']);
      }),
      { numRuns: 10, seed: 2213, endOnFailure: true },
    );
  }, 300_000);

  it('answers a filter on one split dimension (env=production) from roll-ups, and anything else on read', async () => {
    const { key } = await makeProject('rollups-filter');
    const start = Date.now() - 2 * HOUR;
    const spans = ['production', 'production', 'staging'].map((e, i) => ({ id: `f${i}`, trace_id: `f${i}`, name: 'agent', kind: 'chain', environment: e, start_time: iso(start + i), end_time: iso(start + i + 100 * (i + 1)) }));
    expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
    for (const s of spans) await waitForTrace(key, s.trace_id);
    const prod = await timeseries(key, { since: '1d', filter: 'env=production' });
    expect(prod.computed).toBe('rollups');
    expect(prod.series.map((s: any) => s.points.reduce((a: number, p: any) => a + p.trace_count, 0))).toEqual([2]);
    expectSameSeries(prod, await timeseries(key, { since: '1d', filter: 'env=production latency>=0' }));
    expect((await timeseries(key, { since: '1d', filter: 'env=production', split: 'release' })).computed).toBe('on_read');
    expect((await timeseries(key, { since: '1d', filter: 'env!=production' })).computed).toBe('on_read');
  });

  it('computes stale hours on read until the cron pass rolls them up (the migration backfill)', async () => {
    const { key, projectId } = await makeProject('rollups-backfill');
    const start = Date.now() - 3 * DAY;
    const spans = [0, 1, 2, 30].map((h) => ({ id: `b${h}`, trace_id: `b${h}`, name: 'agent', kind: 'chain', release: 'v1', start_time: iso(start + h * HOUR), end_time: iso(start + h * HOUR + 1000 + h) }));
    expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
    for (const s of spans) await waitForTrace(key, s.trace_id);
    const q = { since: iso(start - DAY), until: iso(Date.now()), bucket: 'day', split: 'release' };
    const before = await timeseries(key, q);
    // As if the rows were written before roll-ups existed: no roll-up rows, every hour marked as 0023 marks them.
    await env.DB.batch([
      env.DB.prepare('DELETE FROM stats_rollups WHERE project_id = ?').bind(projectId),
      env.DB.prepare('INSERT INTO stats_dirty (project_id, hour, token) SELECT DISTINCT project_id, start_time - (start_time % 3600000), NULL FROM traces WHERE project_id = ? ON CONFLICT DO NOTHING').bind(projectId),
    ]);
    const stale = await timeseries(key, q);
    expect(stale).toEqual(before);
    expect(await runRollupPass(env)).toBeGreaterThanOrEqual(4);
    const dirty = await env.DB.prepare('SELECT count(*) AS n FROM stats_dirty WHERE project_id = ?').bind(projectId).first<{ n: number }>();
    expect(dirty!.n).toBe(0);
    expect(await timeseries(key, q)).toEqual(before);
  });

  it("keeps each project's roll-ups to itself", async () => {
    const a = await makeProject('rollups-iso-a');
    const b = await makeProject('rollups-iso-b');
    const start = Date.now() - HOUR;
    const spans = [
      { id: 'ri-r', trace_id: 'ri', name: 'agent', kind: 'chain', release: 'v1', start_time: iso(start), end_time: iso(start + 100) },
      { id: 'ri-c', trace_id: 'ri', parent_id: 'ri-r', name: 'llm', kind: 'llm', model: 'gpt', start_time: iso(start), end_time: iso(start + 50), usage: { total_tokens: 5 } },
    ];
    // The same trace id in both projects: a writer in b must not touch a's rows, nor a reader see them.
    expect((await api('/v1/spans', { key: a.key, body: { spans } })).status).toBe(202);
    await waitForTrace(a.key, 'ri', 2);
    await api('/v1/feedback', { key: a.key, body: { trace_id: 'ri', key: 'thumbs', score: 1, source: 'user' } });
    for (const split of ['none', 'model', 'release', 'tag']) {
      const res = await timeseries(b.key, { since: '1d', split });
      expect(res.computed).toBe('rollups');
      expect(res.series).toEqual([]);
    }
    expect((await api('/v1/stats/models?since=1d', { key: b.key })).json.models).toEqual([]);
    expect((await api('/v1/stats/releases?since=1d&a=v1&b=v2', { key: b.key })).json.a).toMatchObject({ trace_count: 0, tokens: 0 });
    const other = { ...spans[0], end_time: iso(start + 999_999) };
    expect((await api('/v1/spans', { key: b.key, body: { spans: [other] } })).status).toBe(202);
    await waitForTrace(b.key, 'ri');
    const seen = await timeseries(a.key, { since: '1d' });
    expect(seen.series[0].points[0]).toMatchObject({ trace_count: 1, feedback: { thumbs: { avg: 1, count: 1 } } });
    within(seen.series[0].points[0].latency_p50, 100, 0.01);
  });
});
