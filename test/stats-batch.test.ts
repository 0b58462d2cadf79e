/**
 * POST /v1/stats/batch: a dashboard's charts in one request answer exactly what each single
 * endpoint answers (from roll-ups and on read, in one D1 batch), stay in the key's project,
 * and a bad chart is a 400 naming `charts[i].<field>`.
 */
import { describe, expect, it } from 'vitest';
import { api, makeProject, waitForTrace } from './helpers.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Two traces (releases v1, v2; production and staging) with LLM calls and feedback. */
async function seed(key: string, prefix: string) {
  const start = Date.now() - 3 * HOUR;
  const trace = (tid: string, at: number, release: string, environment: string, model: string, error: boolean) => [
    { id: `${tid}-r`, trace_id: tid, name: 'agent', kind: 'chain', start_time: iso(at), end_time: iso(at + 4000), release, environment, tags: ['t1'] },
    {
      id: `${tid}-c`,
      trace_id: tid,
      parent_id: `${tid}-r`,
      name: 'llm',
      kind: 'llm',
      model,
      start_time: iso(at + 10),
      end_time: iso(at + 300),
      status: error ? 'error' : 'ok',
      ...(error ? { error: 'rate limited' } : {}),
      usage: { input_tokens: 30, output_tokens: 10, total_tokens: 40, cost_usd: 0.01 },
    },
  ];
  const spans = [...trace(`${prefix}1`, start, 'v1', 'production', 'gpt', true), ...trace(`${prefix}2`, start + HOUR, 'v2', 'staging', 'claude', false)];
  expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
  await waitForTrace(key, `${prefix}1`, 2);
  await waitForTrace(key, `${prefix}2`, 2);
  await api('/v1/feedback', { key, body: { trace_id: `${prefix}2`, key: 'thumbs', score: 1, source: 'user' } });
}

describe('POST /v1/stats/batch', () => {
  it("answers each chart exactly as its single endpoint does, in the order asked", async () => {
    const { key } = await makeProject('stats-batch');
    await seed(key, 'b');
    // A fixed range, so the singles and the batch read the same hours.
    const range = { since: iso(Date.now() - 2 * 86_400_000), until: iso(Date.now() + HOUR) };
    const charts = [
      { id: 'traces', kind: 'timeseries', ...range, bucket: 'day', split: 'none' },
      { id: 'by-model', kind: 'timeseries', ...range, bucket: 'day', split: 'model' },
      { id: 'by-release', kind: 'timeseries', ...range, bucket: 'day', split: 'release' },
      { id: 'production', kind: 'timeseries', ...range, bucket: 'hour', split: 'none', filter: 'env=production' },
      { id: 'exact', kind: 'timeseries', ...range, bucket: 'hour', split: 'tag', filter: 'latency>=0' },
      { id: 'models', kind: 'models', ...range },
      { id: 'models-exact', kind: 'models', ...range, filter: 'latency>=0' },
      { id: 'releases', kind: 'releases', ...range, a: 'v1', b: 'v2' },
    ];
    const res = await api('/v1/stats/batch', { key, body: { charts } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.charts.map((c: any) => c.id)).toEqual(charts.map((c) => c.id));
    for (const [i, { id, kind, ...q }] of charts.entries()) {
      const single = await api(`/v1/stats/${kind}?${new URLSearchParams(q as Record<string, string>)}`, { key });
      expect(single.status, single.text).toBe(200);
      expect(res.json.charts[i], id).toEqual({ id, kind, ...single.json });
    }
    const [traces, , , production, exact, models, , releases] = res.json.charts;
    expect(traces.computed).toBe('rollups');
    expect(traces.series[0].points.reduce((n: number, p: any) => n + p.trace_count, 0)).toBe(2);
    expect(production.series[0].points.map((p: any) => p.trace_count)).toEqual([1]);
    expect(exact.computed).toBe('on_read');
    expect(models.models.map((m: any) => m.model).sort()).toEqual(['claude', 'gpt']);
    expect(releases.a).toMatchObject({ release: 'v1', trace_count: 1, error_count: 1 });
    expect(releases.b).toMatchObject({ release: 'v2', trace_count: 1, feedback: { thumbs: { avg: 1, count: 1 } } });
  });

  it("keeps each project's figures to itself", async () => {
    const a = await makeProject('stats-batch-iso-a');
    const b = await makeProject('stats-batch-iso-b');
    await seed(a.key, 'iso');
    const charts = [
      { id: 'ts', kind: 'timeseries', since: '1d', split: 'model' },
      { id: 'exact', kind: 'timeseries', since: '1d', filter: 'latency>=0' },
      { id: 'models', kind: 'models', since: '1d' },
      { id: 'models-exact', kind: 'models', since: '1d', filter: 'latency>=0' },
      { id: 'rel', kind: 'releases', since: '1d', a: 'v1', b: 'v2' },
    ];
    const seen = await api('/v1/stats/batch', { key: a.key, body: { charts } });
    expect(seen.status, seen.text).toBe(200);
    expect(seen.json.charts[0].series.map((s: any) => s.group).sort()).toEqual(['claude', 'gpt']);
    const other = await api('/v1/stats/batch', { key: b.key, body: { charts } });
    expect(other.status, other.text).toBe(200);
    const [ts, exact, models, modelsExact, rel] = other.json.charts;
    expect(ts.series).toEqual([]);
    expect(exact.series).toEqual([]);
    expect(ts.keys).toEqual({ feedback: [], scores: [] });
    expect(models.models).toEqual([]);
    expect(modelsExact.models).toEqual([]);
    expect(rel.a).toMatchObject({ trace_count: 0, tokens: 0 });
    expect(rel.b).toMatchObject({ trace_count: 0, feedback: {} });
  });

  it('rejects a bad chart, naming charts[i] and the field', async () => {
    const { key } = await makeProject('stats-batch-bad');
    const ok = { id: 'ok', kind: 'models', since: '7d' };
    const cases: [unknown, string][] = [
      [{ charts: [ok, { id: 'x', kind: 'timeseries', split: 'country' }] }, 'charts[1].split'],
      [{ charts: [ok, { id: 'x', kind: 'timeseries', bucket: 'minute' }] }, 'charts[1].bucket'],
      [{ charts: [{ id: 'x', kind: 'timeseries', since: '91d' }] }, 'charts[0].since'],
      [{ charts: [ok, { id: 'x', kind: 'models', since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }] }, 'charts[1].until'],
      [{ charts: [ok, ok] }, 'charts[1].id'],
      [{ charts: [ok, { id: 'x', kind: 'releases', a: 'v1' }] }, 'charts[1].b'],
      [{ charts: [ok, { id: 'x', kind: 'timeseries', filter: 'env=(' }] }, 'charts[1].filter'],
      [{ charts: [ok, { id: 'x', kind: 'models', filter: 'nosuchfield=1' }] }, 'charts[1].filter'],
      [{ charts: [{ id: '', kind: 'models' }] }, 'charts[0].id'],
      [{ charts: [] }, 'charts'],
      [{ charts: Array.from({ length: 13 }, (_, i) => ({ ...ok, id: `c${i}` })) }, 'charts'],
    ];
    for (const [body, field] of cases) {
      const res = await api('/v1/stats/batch', { key, body });
      expect(res.status, `${field}: ${res.text}`).toBe(400);
      expect(res.json.error.path, res.text).toBe(field);
      expect(res.json.error.message.startsWith(`${field}: `), res.text).toBe(true);
    }
    const kind = await api('/v1/stats/batch', { key, body: { charts: [ok, { id: 'x', kind: 'pie' }] } });
    expect(kind.status).toBe(400);
    expect(kind.json.error.path).toMatch(/^charts\[1\]/);
    const filter = await api('/v1/stats/batch', { key, body: { charts: [ok, { id: 'x', kind: 'timeseries', filter: 'env=(' }] } });
    expect(filter.json.error).toMatchObject({ code: 'invalid_filter', position: expect.any(Number) });
    expect((await api('/v1/stats/batch', { key: (await makeProject('stats-batch-ingest', ['ingest'])).key, body: { charts: [ok] } })).status).toBe(403);
  });

  it('is in the OpenAPI document next to its siblings', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    expect(Object.keys(doc.paths['/v1/stats/batch'])).toEqual(['post']);
    expect(doc.paths['/v1/stats/batch'].post.tags).toEqual(['stats']);
  });
});
