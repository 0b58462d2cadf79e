/**
 * Routing disagreements to people: a routing rule's calibration option sends traces where a
 * judge and a person disagree, or where the judge's score is near its threshold, to an
 * annotation queue, plus a calibration sample of judged traces; each trace once.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject } from './helpers.ts';
import { createEvaluator } from './evals-helpers.ts';
import { makeQueue, makeTraces, reviewProject } from './review-helpers.ts';
import { human, judgeScore } from './calibration-helpers.ts';
import { routeTraces } from '../workers/review/routing.ts';
import { isSampled } from '../workers/store/matching.ts';

async function items(key: string, queueId: string) {
  return (await api(`/v1/review-queues/${queueId}/items?limit=500`, { key })).json.items as any[];
}

async function rule(key: string, queueId: string, body: Record<string, unknown>) {
  return api(`/v1/review-queues/${queueId}/rules`, { key, body });
}

describe('calibration routing', () => {
  it('routes disagreements and near-threshold scores to a queue exactly once, with the reason', async () => {
    const p = await reviewProject(['reviewer']);
    const ev = await createEvaluator(p.key, { name: 'helpful', key: 'helpfulness', config: { type: 'code', check: 'contains', text: 'answer' } });
    const q = await makeQueue(p.key);
    const r = await rule(p.key, q.id, { filter: '', calibration: { evaluator_id: ev.id, near_threshold: { threshold: 0.5, margin: 0.1 } } });
    expect(r.status).toBe(201);
    expect(r.json.calibration).toMatchObject({ evaluator_id: ev.id, disagreement: true, sample_rate: 0 });
    const ids = ['agree', 'disagree', 'near', 'far', 'unjudged'];
    await makeTraces(p.key, ids);
    await judgeScore(p.projectId, ev.id, 1, 'agree', 'helpfulness', 1);
    await judgeScore(p.projectId, ev.id, 1, 'disagree', 'helpfulness', 1, { comment: 'looks helpful' });
    await judgeScore(p.projectId, ev.id, 1, 'near', 'helpfulness', 0.55);
    await judgeScore(p.projectId, ev.id, 1, 'far', 'helpfulness', 0.9);
    // People's labels signal routing through the review queue as well.
    await human(p.key, 'agree', 'helpfulness', { score: 1 });
    await human(p.key, 'disagree', 'helpfulness', { score: 0, comment: 'did not answer' });
    await human(p.key, 'unjudged', 'helpfulness', { score: 0 });
    await routeTraces(env, p.projectId, ids);
    const routed = await eventually(async () => {
      const list = await items(p.key, q.id);
      if (list.length < 2) throw new Error(`${list.length} routed`);
      return list;
    });
    expect(routed.map((i) => i.trace_id).sort()).toEqual(['disagree', 'near']);
    expect(routed.find((i) => i.trace_id === 'disagree')).toMatchObject({ source: 'rule', source_ref: r.json.id });
    // Every later signal (more labels, redelivery) leaves one item per trace.
    await human(p.key, 'disagree', 'helpfulness', { score: 0, author: 'second-reviewer' });
    const again = await routeTraces(env, p.projectId, ids);
    expect(again.added).toBe(0);
    await routeTraces(env, p.projectId, ['disagree', 'disagree', 'near']);
    await new Promise((res) => setTimeout(res, 300));
    const final = await items(p.key, q.id);
    expect(final.map((i) => i.trace_id).sort()).toEqual(['disagree', 'near']);
    expect(final.find((i) => i.trace_id === 'disagree').note).toContain('calibration: judge 1 vs person 0');
    expect(final.find((i) => i.trace_id === 'near').note).toContain('within 0.1 of 0.5');
  });

  it('keeps a calibration sample of judged traces flowing, decided per trace', async () => {
    const p = await reviewProject(['reviewer']);
    const ev = await createEvaluator(p.key, { name: 'helpful', key: 'helpfulness', config: { type: 'code', check: 'contains', text: 'answer' } });
    const q = await makeQueue(p.key);
    const r = await rule(p.key, q.id, { calibration: { evaluator_id: ev.id, disagreement: false, sample_rate: 0.3 } });
    expect(r.status).toBe(201);
    const ids = Array.from({ length: 30 }, (_, i) => `s${i}`);
    await makeTraces(p.key, [...ids, 'not-judged']);
    for (const id of ids) await judgeScore(p.projectId, ev.id, 1, id, 'helpfulness', 1);
    await routeTraces(env, p.projectId, [...ids, 'not-judged']);
    const expected: string[] = [];
    for (const id of ids) if (await isSampled(`${r.json.id}:calibration`, id, 0.3)) expected.push(id);
    const routed = (await items(p.key, q.id)).map((i) => i.trace_id).sort();
    expect(routed).toEqual(expected.sort());
    expect(routed).not.toContain('not-judged');
  });

  it('refuses an evaluator of another project and an option that routes nothing', async () => {
    const { key } = await makeProject();
    const other = await makeProject('other');
    const theirs = await createEvaluator(other.key, { name: 'x', key: 'x', config: { type: 'code', check: 'contains', text: 'x' } });
    const mine = await createEvaluator(key, { name: 'y', key: 'y', config: { type: 'code', check: 'contains', text: 'y' } });
    const q = await makeQueue(key);
    const foreign = await rule(key, q.id, { calibration: { evaluator_id: theirs.id } });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.path).toBe('calibration.evaluator_id');
    const nothing = await rule(key, q.id, { calibration: { evaluator_id: mine.id, disagreement: false } });
    expect(nothing.status).toBe(400);
    expect(nothing.json.error.path).toBe('calibration');
    expect((await api(`/v1/review-queues/${q.id}/rules`, { key })).json.rules).toEqual([]);
  });
});
