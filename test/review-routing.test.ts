/**
 * Getting traces into queues: routing rules matched on completed traces, on feedback
 * (POST /v1/feedback) and on evaluator scores (through the "review" queue), by hand, in bulk
 * from a filter; the consumer's redelivery; exports.
 */
import { describe, it, expect } from 'vitest';
import { api, eventually } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, scenarioId, script } from './evals-helpers.ts';
import { addTraces, makeQueue, makeTraces, reviewProject } from './review-helpers.ts';
import { routeTraces } from '../workers/review/routing.ts';
import { consumeReviewDeadLetters } from '../workers/review/consumer.ts';
import { vi } from 'vitest';
import { env } from 'cloudflare:workers';

async function items(key: string, queueId: string) {
  const res = await api(`/v1/review-queues/${queueId}/items?limit=500`, { key });
  return res.json.items as any[];
}

async function rule(key: string, queueId: string, body: Record<string, unknown>) {
  const res = await api(`/v1/review-queues/${queueId}/rules`, { key, body });
  if (res.status !== 201) throw new Error(`rule: ${res.status} ${res.text}`);
  return res.json;
}

describe('routing traces into queues', () => {
  it('a rule routes a thumbs-down trace and, after an evaluator scores low, a low-scored one', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    const r = await rule(p.key, q.id, { filter: 'feedback.thumbs=0 or score.helpfulness<0.5' });
    expect(r).toMatchObject({ queue_id: q.id, sampling_rate: 1, active: true });
    await makeTraces(p.key, ['thumbs-down', 'happy', 'judged-low', 'judged-high']);
    // End-user feedback arrives after the trace completed.
    expect((await api('/v1/feedback', { key: p.key, body: { trace_id: 'thumbs-down', key: 'thumbs', score: 0 } })).status).toBe(200);
    expect((await api('/v1/feedback', { key: p.key, body: { trace_id: 'happy', key: 'thumbs', score: 1 } })).status).toBe(200);
    await eventually(async () => {
      const list = await items(p.key, q.id);
      if (!list.some((i) => i.trace_id === 'thumbs-down')) throw new Error('not routed yet');
    });
    // An LLM judge scores helpfulness through an online rule; the low score routes the trace.
    const sc = scenarioId('helpful');
    await script(sc, { steps: [], then: { verdict: { reasoning: 'did not answer', verdict: 0.2 } } });
    const providerId = await fakeOpenAiProvider(p.key, sc);
    const ev = await createEvaluator(p.key, { template: 'helpfulness', config: { provider_id: providerId } });
    const evalRule = await api('/v1/rules', { key: p.key, body: { name: 'judge', filter: 'trace=judged-low', evaluator_ids: [ev.id] } });
    expect(evalRule.status).toBe(201);
    const backfill = await api(`/v1/rules/${evalRule.json.id}/backfill`, { key: p.key, body: { from: '2025-01-01T00:00:00Z' } });
    expect(backfill.status).toBe(202);
    const routed = await eventually(async () => {
      const list = await items(p.key, q.id);
      if (!list.some((i) => i.trace_id === 'judged-low')) throw new Error('low score not routed yet');
      return list;
    }, 20_000);
    expect(routed.map((i) => i.trace_id).sort()).toEqual(['judged-low', 'thumbs-down']);
    expect(routed.find((i) => i.trace_id === 'judged-low')).toMatchObject({ source: 'rule', source_ref: r.id, status: 'pending' });
    // The same feedback again, or more of it, does not add the trace twice.
    await api('/v1/feedback', { key: p.key, body: { trace_id: 'thumbs-down', key: 'thumbs', score: 0, comment: 'still bad' } });
    await new Promise((res) => setTimeout(res, 300));
    expect((await items(p.key, q.id)).filter((i) => i.trace_id === 'thumbs-down')).toHaveLength(1);
  });

  it('a thumbs-down sent through the LangSmith routes is routed like one sent to /v1/feedback, whether the run came first or not', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    const run = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    const post = (id: string) => api('/runs', { key: p.key, body: { id, name: 'agent', run_type: 'chain', start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-01T00:00:01Z', inputs: { q: 'hi' }, outputs: { a: 'hello' } } });
    expect((await post(run(1))).status).toBe(202);
    expect((await post(run(3))).status).toBe(202);
    for (const r of [run(1), run(3)]) {
      await eventually(async () => {
        if ((await api(`/v1/traces/${r}`, { key: p.key })).status !== 200) throw new Error('run not indexed yet');
      });
    }
    // Past the quiet period (1 s in tests), so these traces' completion was already matched:
    // from here on only a feedback signal can route them.
    await new Promise((res) => setTimeout(res, 2000));
    await rule(p.key, q.id, { filter: 'feedback.thumbs=0' });
    // LangSmith feedback on a known run (POST /feedback, as Client.createFeedback sends it).
    expect((await api('/feedback', { key: p.key, body: { run_id: run(1), key: 'thumbs', score: 0 } })).status).toBe(200);
    // A thumbs-up is stored but routes nothing.
    expect((await api('/feedback', { key: p.key, body: { run_id: run(3), trace_id: run(3), key: 'thumbs', score: 1 } })).status).toBe(200);
    // Feedback before its run: it waits, and is routed once the run arrives.
    expect((await api('/api/v1/feedback', { key: p.key, body: { run_id: run(2), key: 'thumbs', score: 0 } })).status).toBe(200);
    expect((await post(run(2))).status).toBe(202);
    const routed = await eventually(async () => {
      const list = await items(p.key, q.id);
      if (list.length < 2) throw new Error(`${list.length} routed so far`);
      return list;
    });
    expect(routed.map((i) => i.trace_id).sort()).toEqual([run(1), run(2)]);
  }, 20_000);

  it('a rule routes traces with a tag as they complete, sampled deterministically', async () => {
    const p = await reviewProject(['reviewer']);
    const legal = await makeQueue(p.key, { name: 'legal' });
    const none = await makeQueue(p.key, { name: 'sampled out' });
    await rule(p.key, legal.id, { filter: 'tag=legal' });
    await rule(p.key, none.id, { filter: 'tag=legal', sampling_rate: 0 });
    await makeTraces(p.key, ['legal-1'], { tags: ['legal'] });
    await makeTraces(p.key, ['plain-1']);
    const list = await eventually(async () => {
      const l = await items(p.key, legal.id);
      if (!l.length) throw new Error('not routed yet');
      return l;
    });
    expect(list.map((i) => i.trace_id)).toEqual(['legal-1']);
    expect(await items(p.key, none.id)).toEqual([]);
  });

  it('a routing signal delivered twice adds the trace once', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    await rule(p.key, q.id, { filter: 'env=staging' });
    await makeTraces(p.key, ['dup-1'], { environment: 'staging' });
    const first = await routeTraces(env, p.projectId, ['dup-1']);
    const second = await routeTraces(env, p.projectId, ['dup-1', 'dup-1']);
    expect(first.added + second.added).toBeLessThanOrEqual(1);
    expect(second.added).toBe(0);
    expect((await items(p.key, q.id)).map((i) => i.trace_id)).toEqual(['dup-1']);
  });

  it('rejects a routing rule whose filter does not parse, pointing at the position', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    const res = await api(`/v1/review-queues/${q.id}/rules`, { key: p.key, body: { filter: 'feedback.thumbs=0 or (tag=' } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_filter', path: 'filter' });
    const r = await rule(p.key, q.id, { filter: 'tag=x', name: 'x' });
    const patched = await api(`/v1/review-queues/${q.id}/rules/${r.id}`, { key: p.key, method: 'PATCH', body: { active: false, sampling_rate: 0.5 } });
    expect(patched.json).toMatchObject({ active: false, sampling_rate: 0.5, filter: 'tag=x' });
    expect((await api(`/v1/review-queues/${q.id}/rules`, { key: p.key })).json.rules).toHaveLength(1);
    expect((await api(`/v1/review-queues/${q.id}/rules/${r.id}`, { key: p.key, method: 'DELETE' })).status).toBe(200);
    expect((await api(`/v1/review-queues/${q.id}/rules`, { key: p.key })).json.rules).toHaveLength(0);
  });

  it('adds traces by hand and in bulk from a filter, each at most once', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['bulk-1', 'bulk-2', 'bulk-3'], { environment: 'production' });
    await makeTraces(p.key, ['bulk-4'], { environment: 'staging' });
    const missing = await api(`/v1/review-queues/${q.id}/items`, { key: p.key, body: { trace_ids: ['bulk-1', 'nope'] } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.path).toBe('trace_ids[1]');
    expect(await items(p.key, q.id)).toEqual([]);
    expect(await addTraces(p.key, q.id, ['bulk-1'])).toEqual({ matched: 1, added: 1, already_queued: 0 });
    const bulk = await api(`/v1/review-queues/${q.id}/items`, { key: p.key, body: { filter: 'env=production' } });
    expect(bulk.json).toEqual({ matched: 3, added: 2, already_queued: 1 });
    const list = await items(p.key, q.id);
    expect(list.map((i) => i.trace_id)).toEqual(['bulk-1', ...list.slice(1).map((i) => i.trace_id)]);
    expect(list.map((i) => i.source)).toEqual(['manual', 'filter', 'filter']);
    const bad = await api(`/v1/review-queues/${q.id}/items`, { key: p.key, body: { filter: 'env=' } });
    expect(bad.json.error.code).toBe('invalid_filter');
    const neither = await api(`/v1/review-queues/${q.id}/items`, { key: p.key, body: {} });
    expect(neither.json.error.path).toBe('trace_ids');
    // A reviewer (a session) may add traces too.
    expect((await p.members[0].call(`/v1/review-queues/${q.id}/items`, { body: { trace_ids: ['bulk-4'] } })).json.added).toBe(1);
  });

  it('exports a queue’s reviews as JSONL and as CSV with quotes and line breaks intact', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key, { name: 'Export me', correction: true });
    await makeTraces(p.key, ['exp-1']);
    await addTraces(p.key, q.id, ['exp-1']);
    const rev = p.members[0];
    await rev.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const comment = 'said "no", then\nchanged its mind, twice';
    await rev.call(`/v1/review-queues/${q.id}/items/exp-1/review`, { body: { values: { correct: false, failure_mode: 'policy', notes: 'a, b' }, correction: { answer: 'x' }, comment } });
    const jsonl = await api(`/v1/review-queues/${q.id}/export?format=jsonl`, { key: p.key });
    expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = jsonl.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ queue_id: q.id, trace_id: 'exp-1', status: 'complete', reviewer: rev.email, values: { correct: false, failure_mode: 'policy', notes: 'a, b' }, correction: { answer: 'x' }, comment }),
    ]);
    const csv = await api(`/v1/review-queues/${q.id}/export?format=csv`, { key: p.key });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain('Export-me.csv');
    const [header, ...rest] = csv.text.split('\r\n');
    expect(header).toBe('trace_id,item_status,reviewer_id,reviewer,submitted_at,correct,failure_mode,quality,notes,correction,comment,final_correct,final_failure_mode,final_quality,final_notes');
    const row = rest.join('\r\n');
    expect(row).toContain('"a, b"');
    expect(row).toContain('"{""answer"":""x""}"');
    expect(row).toContain('"said ""no"", then\nchanged its mind, twice"');
    expect((await api(`/v1/review-queues/${q.id}/export?format=xml`, { key: p.key })).status).toBe(400);
  });

  it('logs a dead-lettered routing signal with its traces and acks it', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const acked: string[] = [];
    const message = { id: 'm1', attempts: 11, body: { v: 1, type: 'route', project_id: 'p1', reason: 'feedback', trace_ids: ['t-1', 't-2'], at: Date.now() }, ack: () => acked.push('m1'), retry: () => undefined };
    await consumeReviewDeadLetters({ queue: 'loupe-review-dlq', messages: [message] } as any);
    expect(acked).toEqual(['m1']);
    expect(errors.mock.calls[0][0]).toContain('t-1, t-2');
    errors.mockRestore();
  });
});
