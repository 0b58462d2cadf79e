/**
 * A rule's "add to dataset" action inside workerd with real queues: traces posted through
 * the API complete, match the rule on the evals queue, travel on the datasets queue and
 * become examples; a redelivered match or dataset message adds nothing twice.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import worker from '../workers/index.ts';
import { api, eventually, makeProject, span } from './helpers.ts';
import { postSpans } from './evals-helpers.ts';
import { matchCompletedTraces } from '../workers/evals/matching.ts';

const examplesOf = async (key: string, ds: string) => (await api(`/v1/datasets/${ds}/examples?limit=1000&include_archived=true`, { key })).json.examples as any[];

describe('rule action: add to dataset', () => {
  it('adds matching traces as examples as they complete, each trace once even when messages are redelivered', async () => {
    const p = await makeProject('ds-rule');
    const ds = (await api('/v1/datasets', { key: p.key, body: { name: 'failures' } })).json;
    const rule = await api('/v1/rules', { key: p.key, body: { name: 'collect failures', filter: 'tag=bad', add_to_dataset: 'failures' } });
    expect(rule.status).toBe(201);
    expect(rule.json).toMatchObject({ add_to_dataset: ds.id, evaluator_ids: [] });
    const root = (id: string, tags: string[]) => span(`${id}-root`, id, { kind: 'agent', end_time: '2026-01-01T00:00:02Z', input: `q ${id}`, output: `a ${id}`, tags });
    await postSpans(p.key, [root('rd-1', ['bad']), root('rd-2', ['bad']), root('rd-3', ['good'])]);
    const got = await eventually(async () => {
      const xs = await examplesOf(p.key, ds.id);
      if (xs.length < 2) throw new Error(`${xs.length} examples so far`);
      return xs;
    }, 20_000);
    expect(got.map((e) => e.source.trace_id).sort()).toEqual(['rd-1', 'rd-2']);
    expect(got[0]).toMatchObject({ inputs: { input: expect.stringMatching(/^q rd-/) }, metadata: { rule_id: rule.json.id } });
    const versionBefore = (await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version;

    // The indexer's completion message is delivered again: the rule matches again and re-sends to the datasets queue.
    const { results } = await env.DB.prepare("SELECT trace_id, updated_at FROM traces WHERE project_id = ? AND trace_id IN ('rd-1', 'rd-2')").bind(p.projectId).all<{ trace_id: string; updated_at: number }>();
    expect(await matchCompletedTraces(env, { v: 1, type: 'traces_completed', project_id: p.projectId, traces: results.map((r) => [r.trace_id, r.updated_at]) })).toMatchObject({ matched: 2 });
    // The datasets message itself delivered twice, through the Worker's queue handler.
    const body = { v: 1, type: 'add_traces', project_id: p.projectId, dataset_id: ds.id, rule_id: rule.json.id, trace_ids: ['rd-1', 'rd-2'] };
    const batch = createMessageBatch<unknown>('loupe-datasets', [
      { id: 'm1', timestamp: new Date(), attempts: 2, body },
      { id: 'm2', timestamp: new Date(), attempts: 3, body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(['m1', 'm2']);
    expect((await examplesOf(p.key, ds.id)).map((e) => e.source.trace_id).sort()).toEqual(['rd-1', 'rd-2']);
    expect((await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version).toBe(versionBefore);

    // A user archives one; the rule never brings it back.
    const archived = got.find((e) => e.source.trace_id === 'rd-1');
    await api(`/v1/datasets/${ds.id}/examples/${archived.id}/archive`, { key: p.key, body: {} });
    const again = createMessageBatch<unknown>('loupe-datasets', [{ id: 'm3', timestamp: new Date(), attempts: 1, body }]);
    await worker.queue(again, env);
    expect((await examplesOf(p.key, ds.id)).find((e) => e.id === archived.id).archived).toBe(true);
  });

  it('a backfill of the rule adds the past traces it matches, each once', async () => {
    const p = await makeProject('ds-rule-backfill');
    const root = (id: string, tags: string[]) => span(`${id}-root`, id, { kind: 'agent', end_time: '2026-01-01T00:00:02Z', input: `q ${id}`, output: `a ${id}`, tags });
    // Posted before any rule exists: only a backfill can add them.
    await postSpans(p.key, [root('rb-1', ['bad']), root('rb-2', ['good'])]);
    await eventually(async () => {
      if ((await api('/v1/traces/rb-2', { key: p.key })).status !== 200) throw new Error('not indexed yet');
    });
    const ds = (await api('/v1/datasets', { key: p.key, body: { name: 'past-failures' } })).json;
    const rule = (await api('/v1/rules', { key: p.key, body: { name: 'past', filter: 'tag=bad', add_to_dataset: ds.id } })).json;
    for (let i = 0; i < 2; i++) {
      const bf = await api(`/v1/rules/${rule.id}/backfill`, { key: p.key, body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } });
      expect(bf.status).toBe(202);
      await eventually(async () => {
        const run = (await api(`/v1/rules/${rule.id}/runs/${bf.json.id}`, { key: p.key })).json;
        if (run.status !== 'done' && run.status !== 'scanned') throw new Error(`run ${run.status}`);
      }, 20_000);
    }
    const xs = await eventually(async () => {
      const got = await examplesOf(p.key, ds.id);
      if (!got.length) throw new Error('no examples yet');
      return got;
    }, 20_000);
    expect(xs.map((e) => e.source.trace_id)).toEqual(['rb-1']);
  });

  it('a rule names a dataset of its own project; it needs an evaluator or a dataset', async () => {
    const p = await makeProject('ds-rule-bad');
    const q = await makeProject('ds-rule-other');
    const theirs = (await api('/v1/datasets', { key: q.key, body: { name: 'theirs' } })).json;
    const cross = await api('/v1/rules', { key: p.key, body: { name: 'x', add_to_dataset: theirs.id } });
    expect(cross.status).toBe(400);
    expect(cross.json.error).toMatchObject({ path: 'add_to_dataset', message: expect.stringContaining(theirs.id) });
    const none = await api('/v1/rules', { key: p.key, body: { name: 'x' } });
    expect(none.status).toBe(400);
    expect(none.json.error.path).toBe('evaluator_ids');
    const mine = (await api('/v1/datasets', { key: p.key, body: { name: 'mine' } })).json;
    const r = (await api('/v1/rules', { key: p.key, body: { name: 'x', add_to_dataset: 'mine' } })).json;
    const off = await api(`/v1/rules/${r.id}`, { key: p.key, method: 'PATCH', body: { add_to_dataset: null } });
    expect(off.status).toBe(400);
    expect(off.json.error.path).toBe('evaluator_ids');
    expect((await api(`/v1/rules/${r.id}`, { key: p.key })).json.add_to_dataset).toBe(mine.id);
  });
});
