/**
 * From human review to ground truth: a queue that names a dataset turns finished items into
 * examples (the real review hub, its dataset outbox, D1). Corrections become `outputs`,
 * what reviewers wrote becomes `criteria`, the labels travel in `metadata.review`, and the
 * provenance names trace, queue and the feedback row of the correction.
 */
import { describe, it, expect } from 'vitest';
import { runInDurableObject } from 'cloudflare:test';
import { api, eventually } from './helpers.ts';
import { addTraces, hubStub, makeQueue, makeTraces, reviewProject } from './review-helpers.ts';
import type { ReviewHub } from '../workers/review/hub/hub.ts';

async function makeDataset(key: string, body: Record<string, unknown> = {}) {
  const res = await api('/v1/datasets', { key, body: { name: `ds-${crypto.randomUUID().slice(0, 6)}`, ...body } });
  if (res.status !== 201) throw new Error(`dataset: ${res.status} ${res.text}`);
  return res.json;
}

/** The examples of a dataset at its latest version. */
async function examples(key: string, datasetId: string) {
  const res = await api(`/v1/datasets/${datasetId}/examples`, { key });
  expect(res.status).toBe(200);
  return res.json.examples as any[];
}

/** Waits until the dataset holds `n` examples. */
function examplesLand(key: string, datasetId: string, n: number) {
  return eventually(async () => {
    const list = await examples(key, datasetId);
    if (list.length < n) throw new Error(`${list.length} of ${n} examples so far`);
    return list;
  });
}

const latestVersion = async (key: string, datasetId: string) => (await api(`/v1/datasets/${datasetId}`, { key })).json.latest_version as number;

describe('review queue -> dataset', () => {
  it('a finished review with a correction becomes an example; a re-delivered flush changes nothing', async () => {
    const p = await reviewProject(['reviewer']);
    const [alice] = p.members;
    const ds = await makeDataset(p.key);
    // Named by name on create; stored (and shown) as the dataset's id.
    const q = await makeQueue(p.key, { correction: true, dataset_id: ds.name });
    expect(q.dataset_id).toBe(ds.id);
    await makeTraces(p.key, ['gt-1', 'gt-2']);
    await addTraces(p.key, q.id, ['gt-1', 'gt-2']);

    await alice.call(`/v1/review-queues/${q.id}/items/gt-1/claim`, { method: 'POST' });
    const res = await alice.call(`/v1/review-queues/${q.id}/items/gt-1/review`, {
      body: { values: { correct: false, failure_mode: 'policy', notes: 'must refuse the refund' }, correction: { answer: 'I cannot refund a basic economy fare.' }, comment: 'cite the fare rule', idempotency_key: 'key-gt-0001' },
    });
    expect(res.text).toContain('"duplicate":false');
    // A review with nothing written and no correction teaches nothing: no example.
    await alice.call(`/v1/review-queues/${q.id}/items/gt-2/claim`, { method: 'POST' });
    expect((await alice.call(`/v1/review-queues/${q.id}/items/gt-2/review`, { body: { values: { correct: true } } })).status).toBe(201);

    const [ex] = await examplesLand(p.key, ds.id, 1);
    expect(ex).toMatchObject({
      inputs: { input: 'question gt-1' },
      outputs: { answer: 'I cannot refund a basic economy fare.' },
      source: { trace_id: 'gt-1', queue_id: q.id, review_id: expect.stringMatching(/^hr_/) },
    });
    expect(ex.criteria).toContain('cite the fare rule');
    expect(ex.criteria).toContain('notes: must refuse the refund');
    expect(ex.metadata.review).toMatchObject({ queue_id: q.id, adjudicated: false, final: { correct: false, failure_mode: 'policy' }, correction_from: 'review' });
    expect(ex.metadata.review.reviews).toEqual([expect.objectContaining({ reviewer: alice.email, has_correction: true, comment: 'cite the fare rule' })]);
    // The provenance names the D1 feedback row holding the correction.
    const fb = await p.members[0].call(`/v1/traces/gt-1`);
    const correctionRow = (fb.json.feedback as any[]).find((f) => f.key === 'correction' && f.queue_id === q.id);
    expect(correctionRow?.id).toBe(ex.source.review_id);

    // The same review re-sent: answered as a duplicate, no second example, no new version.
    const v = await latestVersion(p.key, ds.id);
    const again = await alice.call(`/v1/review-queues/${q.id}/items/gt-1/review`, {
      body: { values: { correct: false, failure_mode: 'policy', notes: 'must refuse the refund' }, correction: { answer: 'I cannot refund a basic economy fare.' }, comment: 'cite the fare rule', idempotency_key: 'key-gt-0001' },
    });
    expect(again.json.duplicate).toBe(true);
    // The outbox re-delivering the same finished item (a lost answer, an eviction) writes nothing either.
    const { writeReviewExample } = await import('../workers/datasets/from-review.ts');
    const { pendingExample } = await import('../workers/review/hub/dataset-examples.ts');
    const body = await runInDurableObject(hubStub(p.projectId), async (_hub: ReviewHub, state) => {
      const { reviewsOf, emails } = await import('../workers/review/hub/storage.ts');
      const row = state.storage.sql.exec<{ final: string; completed_at: number }>('SELECT final, completed_at FROM items WHERE queue_id = ? AND trace_id = ?', q.id, 'gt-1').one();
      return pendingExample({ id: q.id, rubric: q.rubric, datasetId: ds.id }, 'gt-1', reviewsOf(state.storage.sql, q.id, 'gt-1'), emails(state.storage.sql), JSON.parse(row.final), row.completed_at);
    });
    const { env } = await import('cloudflare:workers');
    expect(await writeReviewExample(env, p.projectId, body!)).toBe(false);
    expect(await latestVersion(p.key, ds.id)).toBe(v);
    expect(await examples(p.key, ds.id)).toHaveLength(1);
  }, 20_000);

  it('an adjudicated conflict wins: the adjudicator’s correction and label, over the reviewers’', async () => {
    const p = await reviewProject(['reviewer', 'reviewer', 'owner']);
    const [alice, bob, owner] = p.members;
    const ds = await makeDataset(p.key);
    await makeTraces(p.key, ['adj-1']);
    // The trace is already in the dataset (added from the trace page): the review updates that example.
    const added = await api(`/v1/datasets/${ds.id}/examples/from-trace`, { key: p.key, body: { trace_id: 'adj-1' } });
    expect(added.status).toBe(201);
    const q = await makeQueue(p.key, { correction: true, reviewers_per_item: 2 });
    // The dataset is named later, by PATCH.
    const patched = await api(`/v1/review-queues/${q.id}`, { key: p.key, method: 'PATCH', body: { dataset_id: ds.id } });
    expect(patched.json.dataset_id).toBe(ds.id);
    await addTraces(p.key, q.id, ['adj-1']);
    await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    await alice.call(`/v1/review-queues/${q.id}/items/adj-1/review`, { body: { values: { correct: true }, correction: { answer: 'alice' }, comment: 'looks fine' } });
    await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const done = await bob.call(`/v1/review-queues/${q.id}/items/adj-1/review`, { body: { values: { correct: false }, correction: { answer: 'bob' } } });
    expect(done.json.item.status).toBe('conflict');
    // In conflict, nothing reached the dataset beyond the example added by hand.
    const before = await examples(p.key, ds.id);
    expect(before).toHaveLength(1);
    expect(before[0].outputs).toEqual({ output: 'answer adj-1' });

    const settled = await owner.call(`/v1/review-queues/${q.id}/items/adj-1/adjudicate`, { body: { values: { correct: false }, correction: { answer: 'the adjudicated answer' }, comment: 'policy forbids it' } });
    expect(settled.status).toBe(200);
    const ex = await eventually(async () => {
      const [e] = await examples(p.key, ds.id);
      if (!e.metadata.review) throw new Error('not updated yet');
      return e;
    });
    expect(ex.id).toBe(before[0].id);
    expect(ex).toMatchObject({ inputs: before[0].inputs, outputs: { answer: 'the adjudicated answer' }, source: { trace_id: 'adj-1', queue_id: q.id, review_id: expect.stringMatching(/^hr_/) } });
    expect(ex.metadata.review).toMatchObject({ adjudicated: true, adjudicated_by: owner.email, final: { correct: false }, correction_from: 'adjudication' });
    expect(ex.metadata.review.reviews.map((r: any) => r.reviewer)).toEqual([alice.email, bob.email]);
    expect(ex.criteria.split('\n')[0]).toBe('policy forbids it');
    expect(await examples(p.key, ds.id)).toHaveLength(1);

    // The same trace reviewed by one reviewer in another queue on the same dataset: the adjudicated example stands.
    const single = await makeQueue(p.key, { correction: true, dataset_id: ds.id });
    await addTraces(p.key, single.id, ['adj-1']);
    await alice.call(`/v1/review-queues/${single.id}/next`, { method: 'POST' });
    await alice.call(`/v1/review-queues/${single.id}/items/adj-1/review`, { body: { values: { correct: true }, correction: { answer: 'single review' } } });
    await runInDurableObject(hubStub(p.projectId), (hub: ReviewHub) => hub.flushOutbox());
    const [after] = await examples(p.key, ds.id);
    expect(after.outputs).toEqual({ answer: 'the adjudicated answer' });
    expect(after.version).toBe(ex.version);
  }, 20_000);

  it('two reviewers who agree make the example once both reviewed, with the later correction', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [alice, bob] = p.members;
    const ds = await makeDataset(p.key);
    const q = await makeQueue(p.key, { correction: true, reviewers_per_item: 2, dataset_id: ds.id });
    await makeTraces(p.key, ['agree-1']);
    await addTraces(p.key, q.id, ['agree-1']);
    await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    await alice.call(`/v1/review-queues/${q.id}/items/agree-1/review`, { body: { values: { correct: false }, correction: { answer: 'alice' } } });
    // One of two reviews: the item is pending, the dataset untouched.
    await runInDurableObject(hubStub(p.projectId), (hub: ReviewHub) => hub.flushOutbox());
    expect(await examples(p.key, ds.id)).toEqual([]);
    await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const done = await bob.call(`/v1/review-queues/${q.id}/items/agree-1/review`, { body: { values: { correct: false }, correction: { answer: 'bob' }, comment: 'say why' } });
    expect(done.json.item.status).toBe('complete');
    const [ex] = await examplesLand(p.key, ds.id, 1);
    expect(ex).toMatchObject({ outputs: { answer: 'bob' }, criteria: 'say why' });
    expect(ex.metadata.review).toMatchObject({ adjudicated: false, final: { correct: false } });
    expect(ex.metadata.review.reviews).toHaveLength(2);
  }, 20_000);

  it('dataset_id must name a dataset of this project: unknown or another project’s is a 404 naming the field, nothing written', async () => {
    const a = await reviewProject(['reviewer']);
    const b = await reviewProject(['reviewer']);
    const dsB = await makeDataset(b.key);
    const unknown = await api('/v1/review-queues', { key: a.key, body: { name: 'x', rubric: [{ key: 'ok', type: 'boolean' }], dataset_id: 'no-such-dataset' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ path: 'dataset_id' });
    expect(unknown.json.error.message).toContain('dataset_id');
    const other = await api('/v1/review-queues', { key: a.key, body: { name: 'y', rubric: [{ key: 'ok', type: 'boolean' }], dataset_id: dsB.id } });
    expect(other.status).toBe(404);
    expect(other.json.error.path).toBe('dataset_id');
    expect((await api('/v1/review-queues', { key: a.key })).json.queues).toEqual([]);
    const bad = await api('/v1/review-queues', { key: a.key, body: { name: 'z', rubric: [{ key: 'ok', type: 'boolean' }], dataset_id: 7 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error)).toContain('dataset_id');

    const q = await makeQueue(a.key);
    const patch = await api(`/v1/review-queues/${q.id}`, { key: a.key, method: 'PATCH', body: { dataset_id: dsB.name } });
    expect(patch.status).toBe(404);
    expect(patch.json.error.path).toBe('dataset_id');
    expect((await api(`/v1/review-queues/${q.id}`, { key: a.key })).json.dataset_id).toBeNull();
    // Project B cannot point A's queue at its own dataset either: the queue itself is a 404 to it.
    expect((await api(`/v1/review-queues/${q.id}`, { key: b.key, method: 'PATCH', body: { dataset_id: dsB.id } })).status).toBe(404);
    // null unsets it.
    const dsA = await makeDataset(a.key);
    expect((await api(`/v1/review-queues/${q.id}`, { key: a.key, method: 'PATCH', body: { dataset_id: dsA.id } })).json.dataset_id).toBe(dsA.id);
    expect((await api(`/v1/review-queues/${q.id}`, { key: a.key, method: 'PATCH', body: { dataset_id: null } })).json.dataset_id).toBeNull();
  });
});
