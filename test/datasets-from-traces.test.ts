/**
 * Examples from traces: payloads are copied (the example survives the trace's deletion),
 * and a filter adds every matching trace as one version.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject } from './helpers.ts';
import { makeTraces } from './review-helpers.ts';

describe('datasets from traces', () => {
  it('copies the root span input and output; the example outlives the trace', async () => {
    const p = await makeProject('ds-trace');
    await makeTraces(p.key, ['dst-1']);
    const ds = (await api('/v1/datasets', { key: p.key, body: { name: 'from-trace' } })).json;
    const r = await api(`/v1/datasets/${ds.id}/examples/from-trace`, { key: p.key, body: { trace_id: 'dst-1', example: { splits: ['test'] } } });
    expect(r.status).toBe(201);
    expect(r.json.examples[0]).toMatchObject({ inputs: { input: 'question dst-1' }, outputs: { output: 'answer dst-1' }, source: { trace_id: 'dst-1' }, splits: ['test'] });
    // The same trace again: unchanged it is a no-op; with other content a 409 naming the example (edits go through PATCH).
    const same = await api(`/v1/datasets/${ds.id}/examples/from-trace`, { key: p.key, body: { trace_id: 'dst-1', example: { splits: ['test'] } } });
    expect(same.json.version).toBe(1);
    const other = await api(`/v1/datasets/${ds.id}/examples/from-trace`, { key: p.key, body: { trace_id: 'dst-1', example: { splits: ['train'] } } });
    expect(other.status).toBe(409);
    expect(other.json.error).toMatchObject({ path: 'trace_id', example_id: r.json.examples[0].id });
    // Retention (or a user) removes the trace: the example still reads the same.
    await env.DB.batch([env.DB.prepare('DELETE FROM spans WHERE project_id = ? AND trace_id = ?').bind(p.projectId, 'dst-1'), env.DB.prepare('DELETE FROM traces WHERE project_id = ? AND trace_id = ?').bind(p.projectId, 'dst-1')]);
    expect((await api('/v1/traces/dst-1', { key: p.key })).status).toBe(404);
    const got = await api(`/v1/datasets/${ds.id}/examples/${r.json.examples[0].id}`, { key: p.key });
    expect(got.json.inputs).toEqual({ input: 'question dst-1' });
    const missing = await api(`/v1/datasets/${ds.id}/examples/from-trace`, { key: p.key, body: { trace_id: 'dst-1' } });
    expect(missing.status).toBe(404);
    expect(missing.json.error.path).toBe('trace_id');
  });

  it('adds every trace matching a filter as one version; another project cannot read its traces', async () => {
    const p = await makeProject('ds-filter');
    await makeTraces(p.key, ['dsf-1', 'dsf-2', 'dsf-3']);
    const ds = (await api('/v1/datasets', { key: p.key, body: { name: 'from-filter' } })).json;
    const r = await api(`/v1/datasets/${ds.id}/examples/from-filter`, { key: p.key, body: { filter: 'kind = agent' } });
    expect(r.status).toBe(201);
    expect(r.json.version).toBe(1);
    expect(r.json.examples.map((e: any) => e.source.trace_id).sort()).toEqual(['dsf-1', 'dsf-2', 'dsf-3']);
    const q = await makeProject('ds-filter-b');
    const theirs = (await api('/v1/datasets', { key: q.key, body: { name: 'theirs' } })).json;
    expect((await api(`/v1/datasets/${theirs.id}/examples/from-trace`, { key: q.key, body: { trace_id: 'dsf-1' } })).status).toBe(404);
    const none = await api(`/v1/datasets/${theirs.id}/examples/from-filter`, { key: q.key, body: { filter: 'kind = agent' } });
    expect(none.json.examples).toEqual([]);
  });

  it("adds an Insights pattern's traces in one call, tagged with the pattern; running it again adds only new traces", async () => {
    const p = await makeProject('ds-insight');
    await makeTraces(p.key, ['dsi-1', 'dsi-2', 'dsi-3']);
    const member = (trace: string) => env.DB.prepare('INSERT INTO insight_members (project_id, report_id, cluster, trace_id) VALUES (?, ?, ?, ?)').bind(p.projectId, 'ir_test', 'p1', trace);
    await env.DB.batch([member('dsi-1'), member('dsi-2')]);
    const ds = (await api('/v1/datasets', { key: p.key, body: { name: 'pattern-p1' } })).json;
    const body = { filter: 'insight.ir_test=p1', tags: ['insight:ir_test/p1'] };
    const r = await api(`/v1/datasets/${ds.id}/examples/from-filter`, { key: p.key, body });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ version: 1, added: 2, skipped: 0 });
    expect(r.json.examples.map((e: any) => [e.source.trace_id, e.tags])).toEqual(expect.arrayContaining([['dsi-1', ['insight:ir_test/p1']], ['dsi-2', ['insight:ir_test/p1']]]));
    await member('dsi-3').run();
    const again = await api(`/v1/datasets/${ds.id}/examples/from-filter`, { key: p.key, body });
    expect(again.json).toMatchObject({ version: 2, added: 1, skipped: 2 });
    expect(again.json.examples.map((e: any) => e.source.trace_id)).toEqual(['dsi-3']);
    const same = await api(`/v1/datasets/${ds.id}/examples/from-filter`, { key: p.key, body });
    expect(same.json).toMatchObject({ version: 2, added: 0, skipped: 3, more: false });
    // A limit below the matches: each call adds the next traces, passing over those already in.
    const paged = (await api('/v1/datasets', { key: p.key, body: { name: 'paged' } })).json;
    const step = async () => (await api(`/v1/datasets/${paged.id}/examples/from-filter`, { key: p.key, body: { ...body, limit: 2 } })).json;
    expect(await step()).toMatchObject({ added: 2, skipped: 0, more: true });
    expect(await step()).toMatchObject({ added: 1, skipped: 2, more: false });
  });
});
