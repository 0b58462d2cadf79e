/**
 * Annotation queues end to end inside the Workers runtime, against the real review hub
 * Durable Object: claims and leases, exactly-once reviews, multi-reviewer items, roles,
 * bad input, blind review, conflicts and adjudication, escalation, eviction.
 */
import { describe, it, expect } from 'vitest';
import { runDurableObjectAlarm, runInDurableObject, evictDurableObject } from 'cloudflare:test';
import { api, eventually } from './helpers.ts';
import { addTraces, feedbackLands, hubStub, makeQueue, makeTraces, queueFeedback, reviewProject } from './review-helpers.ts';

const ok = { correct: true };

describe('review queues', () => {
  it('two reviewers asking at once never get the same single-review item', async () => {
    const p = await reviewProject(['reviewer', 'reviewer', 'reviewer', 'reviewer']);
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['race-1', 'race-2', 'race-3']);
    await addTraces(p.key, q.id, ['race-1', 'race-2', 'race-3']);
    const answers = await Promise.all(p.members.map((m) => m.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const got = answers.map((a) => a.json.item?.trace_id ?? null);
    const claimed = got.filter((g) => g !== null);
    expect(claimed.sort()).toEqual(['race-1', 'race-2', 'race-3']);
    expect(got.filter((g) => g === null)).toHaveLength(1);
    // The progress counts agree: three in progress, none left.
    const stats = await api(`/v1/review-queues/${q.id}/stats`, { key: p.key });
    expect(stats.json.progress).toMatchObject({ items: 3, pending: 3, in_progress: 3, complete: 0 });
  });

  it('a reviewer asking again gets the item they hold, not a second one', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['hold-1', 'hold-2']);
    await addTraces(p.key, q.id, ['hold-1', 'hold-2']);
    const a = await p.members[0].call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const b = await p.members[0].call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    expect(b.json.item.trace_id).toBe(a.json.item.trace_id);
    expect(b.json.progress.in_progress).toBe(1);
  });

  it('a lease that expires returns the item to the queue', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [alice, bob] = p.members;
    const q = await makeQueue(p.key, { lease_seconds: 60 });
    await makeTraces(p.key, ['lease-1']);
    await addTraces(p.key, q.id, ['lease-1']);
    const first = await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    expect(first.json.item.trace_id).toBe('lease-1');
    expect(Date.parse(first.json.item.lease_expires_at) - Date.now()).toBeGreaterThan(50_000);
    expect((await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item).toBeNull();
    // Time passes: the lease ends and the hub's alarm releases it.
    const stub = hubStub(p.projectId);
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec('UPDATE claims SET lease_until = ?', Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_, state) => state.storage.sql.exec('SELECT count(*) AS n FROM claims').one().n)).toBe(0);
    const second = await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    expect(second.json.item.trace_id).toBe('lease-1');
    // Alice's late submit is refused: she no longer holds it.
    const late = await alice.call(`/v1/review-queues/${q.id}/items/lease-1/review`, { body: { values: ok } });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('not_claimed');
    expect((await bob.call(`/v1/review-queues/${q.id}/items/lease-1/review`, { body: { values: ok } })).status).toBe(201);
  });

  it('a submit retried after a network error is stored once', async () => {
    const p = await reviewProject(['reviewer']);
    const [rev] = p.members;
    const q = await makeQueue(p.key, { correction: true });
    await makeTraces(p.key, ['retry-1']);
    await addTraces(p.key, q.id, ['retry-1']);
    await rev.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const body = { idempotency_key: 'key-retry-1-abcdef', values: { correct: false, failure_mode: 'policy', quality: 2 }, correction: { answer: 'no refund' }, comment: 'refunded a basic fare' };
    const first = await rev.call(`/v1/review-queues/${q.id}/items/retry-1/review`, { body });
    expect(first.status).toBe(201);
    expect(first.json.duplicate).toBe(false);
    // The answer was lost on the way back; the client sends the same request again.
    const again = await rev.call(`/v1/review-queues/${q.id}/items/retry-1/review`, { body });
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    expect(again.json.review).toEqual(first.json.review);
    const stats = await api(`/v1/review-queues/${q.id}/stats`, { key: p.key });
    expect(stats.json.progress).toMatchObject({ complete: 1, reviews: 1 });
    expect(stats.json.reviewers).toEqual([expect.objectContaining({ user_id: rev.userId, email: rev.email, submitted: 1 })]);
    // In D1: one row per answered key plus the correction, as human feedback by the reviewer.
    const rows = await feedbackLands(p.projectId, 'retry-1', q.id, 4);
    await new Promise((r) => setTimeout(r, 200));
    const settled = await queueFeedback(p.projectId, 'retry-1', q.id);
    expect(settled.map((r: any) => r.key)).toEqual(['correct', 'correction', 'failure_mode', 'quality']);
    expect(settled).toHaveLength(rows.length);
    for (const r of settled) expect(r).toMatchObject({ source: 'human', author: rev.email });
    expect(settled.find((r: any) => r.key === 'correct')).toMatchObject({ score: 0, value: 'false' });
    expect(settled.find((r: any) => r.key === 'failure_mode')).toMatchObject({ score: 0, value: '"policy"' });
    expect(JSON.parse(settled.find((r: any) => r.key === 'correction').correction)).toEqual({ answer: 'no refund' });
    expect(settled.find((r: any) => r.key === 'correction').comment).toBe('refunded a basic fare');
    // ...and it filters like any feedback.
    const found = await api(`/v1/traces?q=${encodeURIComponent('feedback.correct=0')}`, { key: p.key });
    expect(found.json.traces.map((t: any) => t.id)).toEqual(['retry-1']);
    // A second review with another key is refused, not added.
    const other = await rev.call(`/v1/review-queues/${q.id}/items/retry-1/review`, { body: { ...body, idempotency_key: 'another-key-123' } });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('already_reviewed');
  });

  it('an item needing two reviewers is complete only after two different reviewers', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [alice, bob] = p.members;
    const q = await makeQueue(p.key, { reviewers_per_item: 2 });
    await makeTraces(p.key, ['two-1']);
    await addTraces(p.key, q.id, ['two-1']);
    const a = await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const b = await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    expect(a.json.item.trace_id).toBe('two-1');
    expect(b.json.item.trace_id).toBe('two-1');
    const first = await alice.call(`/v1/review-queues/${q.id}/items/two-1/review`, { body: { values: { correct: true, quality: 4 } } });
    expect(first.json.item).toMatchObject({ status: 'pending', reviews_done: 1, reviews_needed: 2 });
    // Alice cannot fill the second slot herself.
    expect((await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item).toBeNull();
    expect((await alice.call(`/v1/review-queues/${q.id}/items/two-1/claim`, { method: 'POST' })).json.error.code).toBe('already_reviewed');
    const second = await bob.call(`/v1/review-queues/${q.id}/items/two-1/review`, { body: { values: { correct: true, quality: 4 } } });
    expect(second.json.item).toMatchObject({ status: 'complete', reviews_done: 2, final: { correct: true, quality: 4 } });
    // Two reviews plus the agreed final label (metadata.final) in D1.
    const rows = await feedbackLands(p.projectId, 'two-1', q.id, 6);
    const finals = rows.filter((r: any) => JSON.parse(r.metadata ?? '{}').final);
    expect(finals.map((r: any) => r.key).sort()).toEqual(['correct', 'quality']);
    const stats = await api(`/v1/review-queues/${q.id}/stats`, { key: p.key });
    expect(stats.json.agreement.find((k: any) => k.key === 'correct')).toMatchObject({ items: 1, raters: 2, percent_agreement: 1, method: 'cohen' });
  });

  it('a reviewer without the role the queue asks for gets 403', async () => {
    const p = await reviewProject(['reviewer', 'domain_expert', 'viewer', 'owner']);
    const q = await makeQueue(p.key, { review_role: 'domain_expert' });
    await makeTraces(p.key, ['role-1']);
    await addTraces(p.key, q.id, ['role-1']);
    const asReviewer = await p.byRole('reviewer').call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    expect(asReviewer.status).toBe(403);
    expect(asReviewer.json.error.message).toContain('domain expert');
    expect((await p.byRole('viewer').call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).status).toBe(403);
    expect((await p.byRole('reviewer').call(`/v1/review-queues/${q.id}/items/role-1/review`, { body: { values: ok } })).status).toBe(403);
    // API keys are not people: they cannot claim.
    expect((await api(`/v1/review-queues/${q.id}/next`, { key: p.key, method: 'POST' })).status).toBe(403);
    expect((await p.byRole('domain_expert').call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item.trace_id).toBe('role-1');
    // Assigned reviewers narrow it further; owners may always review.
    const assigned = await makeQueue(p.key, { review_role: 'both', assigned_reviewers: [p.byRole('domain_expert').userId] });
    expect((await p.byRole('reviewer').call(`/v1/review-queues/${assigned.id}/next`, { method: 'POST' })).status).toBe(403);
    expect((await p.byRole('owner').call(`/v1/review-queues/${assigned.id}/next`, { method: 'POST' })).status).toBe(200);
    const notMember = await api('/v1/review-queues', { key: p.key, body: { name: 'x', rubric: [{ key: 'ok', type: 'boolean' }], assigned_reviewers: ['nobody'] } });
    expect(notMember.status).toBe(400);
    expect(notMember.json.error.path).toBe('assigned_reviewers[0]');
  });

  it('rejects bad reviews: a missing required key, a value outside the rubric, an item not claimed, a claim on a finished item', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [rev, other] = p.members;
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['bad-1', 'bad-2']);
    await addTraces(p.key, q.id, ['bad-1', 'bad-2']);
    const notClaimed = await rev.call(`/v1/review-queues/${q.id}/items/bad-1/review`, { body: { values: ok } });
    expect(notClaimed.status).toBe(409);
    expect(notClaimed.json.error.code).toBe('not_claimed');
    await rev.call(`/v1/review-queues/${q.id}/items/bad-1/claim`, { method: 'POST' });
    const cases: [unknown, string][] = [
      [{ quality: 3 }, 'values.correct'],
      [{ correct: 'yes' }, 'values.correct'],
      [{ correct: true, failure_mode: 'weather' }, 'values.failure_mode'],
      [{ correct: true, quality: 9 }, 'values.quality'],
      [{ correct: true, quality: 2.5 }, 'values.quality'],
      [{ correct: true, colour: 'red' }, 'values.colour'],
    ];
    for (const [values, path] of cases) {
      const res = await rev.call(`/v1/review-queues/${q.id}/items/bad-1/review`, { body: { values } });
      expect(res.status, JSON.stringify(values)).toBe(400);
      expect(res.json.error.path).toBe(path);
    }
    const correction = await rev.call(`/v1/review-queues/${q.id}/items/bad-1/review`, { body: { values: ok, correction: 'x' } });
    expect(correction.json.error.path).toBe('correction');
    const withCorrection = await makeQueue(p.key, { correction: true });
    await addTraces(p.key, withCorrection.id, ['bad-2']);
    await rev.call(`/v1/review-queues/${withCorrection.id}/items/bad-2/claim`, { method: 'POST' });
    const huge = await rev.call(`/v1/review-queues/${withCorrection.id}/items/bad-2/review`, { body: { values: ok, correction: 'x'.repeat(1_000_001) } });
    expect(huge.status).toBe(400);
    expect(huge.json.error.path).toBe('correction');
    // Nothing half-written: the item is still pending and held.
    const item = await rev.call(`/v1/review-queues/${q.id}/items/bad-1`);
    expect(item.json).toMatchObject({ status: 'pending', reviews_done: 0, my_review: null });
    expect((await rev.call(`/v1/review-queues/${q.id}/items/bad-1/review`, { body: { values: ok } })).status).toBe(201);
    const finished = await other.call(`/v1/review-queues/${q.id}/items/bad-1/claim`, { method: 'POST' });
    expect(finished.status).toBe(409);
    expect(finished.json.error.code).toBe('item_finished');
    expect((await other.call(`/v1/review-queues/${q.id}/items/nope/claim`, { method: 'POST' })).status).toBe(404);
    const skipUnclaimed = await other.call(`/v1/review-queues/${q.id}/items/bad-2/skip`, { method: 'POST' });
    expect(skipUnclaimed.json.error.code).toBe('not_claimed');
    const badQueue = await api('/v1/review-queues', { key: p.key, body: { name: 'x', rubric: [{ key: 'comment', type: 'boolean' }] } });
    expect(badQueue.json.error.path).toBe('rubric[0].key');
    const noOptions = await api('/v1/review-queues', { key: p.key, body: { name: 'x', rubric: [{ key: 'c', type: 'categorical', options: [{ value: 'a' }] }] } });
    expect(noOptions.json.error.path).toBe('rubric[0].options');
  });

  it('skip hands the item to someone else and never back; release returns it', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [alice, bob] = p.members;
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['skip-1']);
    await addTraces(p.key, q.id, ['skip-1']);
    await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    expect((await alice.call(`/v1/review-queues/${q.id}/items/skip-1/skip`, { method: 'POST' })).json.released).toBe(true);
    expect((await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item).toBeNull();
    expect((await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item.trace_id).toBe('skip-1');
    await bob.call(`/v1/review-queues/${q.id}/items/skip-1/release`, { method: 'POST' });
    expect((await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item.trace_id).toBe('skip-1');
    const stats = await api(`/v1/review-queues/${q.id}/stats`, { key: p.key });
    expect(stats.json.reviewers.find((r: any) => r.user_id === alice.userId)).toMatchObject({ skipped: 1, submitted: 0, holding: null });
    expect(stats.json.reviewers.find((r: any) => r.user_id === bob.userId)).toMatchObject({ holding: 'skip-1' });
  });

  it('reviewers do not see each other’s answers until they submitted, and disagreements go to adjudication', async () => {
    const p = await reviewProject(['reviewer', 'reviewer', 'owner']);
    const [alice, bob, owner] = p.members;
    const q = await makeQueue(p.key, { reviewers_per_item: 2 });
    await makeTraces(p.key, ['blind-1']);
    await addTraces(p.key, q.id, ['blind-1']);
    await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    await alice.call(`/v1/review-queues/${q.id}/items/blind-1/review`, { body: { values: { correct: true, failure_mode: 'other' }, comment: 'fine' } });
    await feedbackLands(p.projectId, 'blind-1', q.id, 3);
    await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    const before = await bob.call(`/v1/review-queues/${q.id}/items/blind-1`);
    expect(before.json.reviews).toBeUndefined();
    expect(before.json.reviews_done).toBe(1);
    const trace = await bob.call(`/v1/review-queues/${q.id}/items/blind-1/trace`);
    expect(trace.json.feedback.filter((f: any) => f.queue_id === q.id)).toEqual([]);
    expect(trace.json.trace.feedback.correct).toBeUndefined();
    const done = await bob.call(`/v1/review-queues/${q.id}/items/blind-1/review`, { body: { values: { correct: false, failure_mode: 'other' } } });
    expect(done.json.item).toMatchObject({ status: 'conflict', conflicts: ['correct'] });
    expect(done.json.item.reviews).toEqual([expect.objectContaining({ reviewer: alice.email, values: { correct: true, failure_mode: 'other' }, comment: 'fine' })]);
    const after = await bob.call(`/v1/review-queues/${q.id}/items/blind-1/trace`);
    expect(after.json.feedback.filter((f: any) => f.queue_id === q.id && f.author === alice.email).length).toBeGreaterThan(0);
    // The conflict is listed for adjudication; agreement shows the split.
    const conflicts = await api(`/v1/review-queues/${q.id}/conflicts`, { key: p.key });
    expect(conflicts.json.items).toHaveLength(1);
    expect(conflicts.json.items[0].reviews).toHaveLength(2);
    const stats = await api(`/v1/review-queues/${q.id}/stats`, { key: p.key });
    expect(stats.json.agreement.find((k: any) => k.key === 'correct')).toMatchObject({ items: 1, percent_agreement: 0 });
    expect(stats.json.agreement.find((k: any) => k.key === 'failure_mode')).toMatchObject({ items: 1, percent_agreement: 1 });
    // Only owners/admins adjudicate, and they must decide the disputed key.
    expect((await alice.call(`/v1/review-queues/${q.id}/items/blind-1/adjudicate`, { body: { values: { correct: false } } })).status).toBe(403);
    const incomplete = await owner.call(`/v1/review-queues/${q.id}/items/blind-1/adjudicate`, { body: { values: { quality: 3 } } });
    expect(incomplete.json.error.path).toBe('values.correct');
    const settled = await owner.call(`/v1/review-queues/${q.id}/items/blind-1/adjudicate`, { body: { values: { correct: false }, comment: 'policy forbids it' } });
    expect(settled.json).toMatchObject({ status: 'complete', final: { correct: false, failure_mode: 'other' }, adjudicated_by: owner.email });
    const rows = await eventually(async () => {
      const all = await queueFeedback(p.projectId, 'blind-1', q.id);
      const finals = all.filter((r: any) => JSON.parse(r.metadata ?? '{}').final);
      if (finals.length < 2) throw new Error('final label not written yet');
      return finals;
    });
    expect(rows.find((r: any) => r.key === 'correct')).toMatchObject({ score: 0, author: owner.email, comment: 'policy forbids it' });
    expect((await owner.call(`/v1/review-queues/${q.id}/items/blind-1/adjudicate`, { body: { values: { correct: true } } })).json.error.code).toBe('no_conflict');
  });

  it('a reviewer escalates an item to a domain-expert queue with a note', async () => {
    const p = await reviewProject(['reviewer', 'domain_expert']);
    const general = await makeQueue(p.key, { name: 'general' });
    const experts = await makeQueue(p.key, { name: 'experts', review_role: 'domain_expert' });
    await makeTraces(p.key, ['esc-1']);
    await addTraces(p.key, general.id, ['esc-1']);
    const rev = p.byRole('reviewer');
    await rev.call(`/v1/review-queues/${general.id}/next`, { method: 'POST' });
    const toGeneral = await rev.call(`/v1/review-queues/${general.id}/items/esc-1/escalate`, { body: { target_queue_id: general.id, note: 'x' } });
    expect(toGeneral.json.error.path).toBe('target_queue_id');
    const res = await rev.call(`/v1/review-queues/${general.id}/items/esc-1/escalate`, { body: { target_queue_id: experts.id, note: 'fare rules for codeshares: need an expert' } });
    expect(res.status).toBe(200);
    expect(res.json.item).toMatchObject({ status: 'escalated', escalated_to: experts.id });
    const expert = await p.byRole('domain_expert').call(`/v1/review-queues/${experts.id}/next`, { method: 'POST' });
    expect(expert.json.item).toMatchObject({ trace_id: 'esc-1', source: 'escalation', escalated_from: general.id, note: 'fare rules for codeshares: need an expert' });
    const stats = await api(`/v1/review-queues/${general.id}/stats`, { key: p.key });
    expect(stats.json.progress).toMatchObject({ escalated: 1, pending: 0 });
  });

  it('the queue survives the object being evicted', async () => {
    const p = await reviewProject(['reviewer', 'reviewer']);
    const [alice, bob] = p.members;
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['evict-1', 'evict-2', 'evict-3']);
    await addTraces(p.key, q.id, ['evict-1', 'evict-2', 'evict-3']);
    const held = (await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item.trace_id;
    await bob.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' });
    await bob.call(`/v1/review-queues/${q.id}/items/evict-2/review`, { body: { idempotency_key: 'evict-key-0001', values: ok } });
    const stub = hubStub(p.projectId);
    await evictDurableObject(stub);
    // Claims, reviews, idempotency keys and order are all still there.
    expect((await alice.call(`/v1/review-queues/${q.id}/next`, { method: 'POST' })).json.item.trace_id).toBe(held);
    const retry = await bob.call(`/v1/review-queues/${q.id}/items/evict-2/review`, { body: { idempotency_key: 'evict-key-0001', values: ok } });
    expect(retry.json.duplicate).toBe(true);
    const stats = await api(`/v1/review-queues/${q.id}/stats`, { key: p.key });
    expect(stats.json.progress).toMatchObject({ items: 3, complete: 1, in_progress: 1, reviews: 1 });
    await feedbackLands(p.projectId, 'evict-2', q.id, 1);
  });

  it('a review the hub could not write to D1 yet is written by the alarm after an eviction', async () => {
    const p = await reviewProject(['reviewer']);
    const q = await makeQueue(p.key);
    await makeTraces(p.key, ['outbox-1']);
    await addTraces(p.key, q.id, ['outbox-1']);
    const stub = hubStub(p.projectId);
    // An entry left in the outbox (as if D1 had failed and the object was then evicted).
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec(`INSERT INTO meta (k, v) VALUES ('project', ?) ON CONFLICT DO NOTHING`, p.projectId);
      const body = { trace_id: 'outbox-1', queue_id: q.id, rows: [{ trace_id: 'outbox-1', span_id: null, key: 'correct', score: 1, value: true, source: 'human', author: 'a@example.com', queue_id: q.id, metadata: {}, id_material: 'outbox-test' }] };
      state.storage.sql.exec('INSERT INTO outbox (body, next_at) VALUES (?, ?)', JSON.stringify(body), Date.now() - 1);
      void state.storage.setAlarm(Date.now() + 60_000);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rows = await queueFeedback(p.projectId, 'outbox-1', q.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: 'correct', score: 1, source: 'human' });
    const pending: number = await runInDurableObject(stub as DurableObjectStub, (_, state) => state.storage.sql.exec('SELECT count(*) AS n FROM outbox').one().n as number);
    expect(pending).toBe(0);
  });
});
