import { describe, it, expect } from 'vitest';
import { RubricKey } from '../../../schema/wire/review.ts';
import { checkValues } from '../rubric.ts';
import { stableId } from '../../platform/ids.ts';
import { adjudication, consensus, finalFeedback, reviewFeedback, settlement } from './consensus.ts';
import type { ReviewRow } from './storage.ts';

const rubric = RubricKey.array().parse([
  { key: 'correct', type: 'boolean' },
  { key: 'failure_mode', type: 'categorical', required: false, options: [{ value: 'policy', score: 0 }, { value: 'tool_args', score: 0.5 }, { value: 'other' }] },
  { key: 'quality', type: 'number', min: 1, max: 5, required: false },
  { key: 'notes', type: 'text', required: false },
]);

/** A stored review as the hub keeps it: values checked against the rubric, as the route does. */
function review(reviewerId: string, answers: Record<string, boolean | number | string | null>, at = 0): ReviewRow {
  const { values, entries } = checkValues(rubric, answers, { requireAll: false });
  return { queue_id: 'q1', trace_id: 't1', reviewer_id: reviewerId, idempotency_key: null, vals: JSON.stringify(values), entries: JSON.stringify(entries), correction: null, comment: null, submitted_at: at };
}

const queue = (reviewersPerItem: number) => ({ id: 'q1', reviewersPerItem, rubric });

describe('consensus of several reviewers', () => {
  it('reviewers who agree on every compared key make the final label, with the first reviewer’s entries', () => {
    const c = consensus(rubric, [review('a', { correct: false, failure_mode: 'tool_args', quality: 2 }), review('b', { correct: false, failure_mode: 'tool_args', quality: 2 })]);
    expect(c.conflicts).toEqual([]);
    expect(c.final).toEqual({ correct: false, failure_mode: 'tool_args', quality: 2 });
    expect(c.entries).toEqual([
      { key: 'correct', score: 0, value: false },
      { key: 'failure_mode', score: 0.5, value: 'tool_args' },
      { key: 'quality', score: 2, value: null },
    ]);
  });

  it('a key the reviewers answer differently is in conflict and left out of the final label; the agreed ones stay', () => {
    const c = consensus(rubric, [review('a', { correct: false, failure_mode: 'policy' }), review('b', { correct: false, failure_mode: 'tool_args' })]);
    expect(c.conflicts).toEqual(['failure_mode']);
    expect(c.final).toEqual({ correct: false });
    expect(c.entries.map((e) => e.key)).toEqual(['correct']);
  });

  it('a key only some reviewers answered is agreed when those who answered agree; a key nobody answered is left out', () => {
    const c = consensus(rubric, [review('a', { correct: true, quality: 4 }), review('b', { correct: true }), review('c', { correct: true, quality: 4 })]);
    expect(c.conflicts).toEqual([]);
    expect(c.final).toEqual({ correct: true, quality: 4 });
    expect('failure_mode' in c.final).toBe(false);
  });

  it('free-text answers are never compared, so different notes are no conflict', () => {
    const c = consensus(rubric, [review('a', { correct: true, notes: 'fine' }), review('b', { correct: true, notes: 'looks right to me' })]);
    expect(c.conflicts).toEqual([]);
    expect(c.final).toEqual({ correct: true });
  });
});

describe('settling an item', () => {
  it('stays pending until it has the reviews it needs', () => {
    expect(settlement(queue(2), 't1', [review('a', { correct: true })])).toEqual({ status: 'pending' });
  });

  it('with one reviewer the review is the label, and no extra final feedback is written', () => {
    const s = settlement(queue(1), 't1', [review('a', { correct: false, notes: 'wrong tool' })]);
    expect(s).toEqual({ status: 'complete', final: { correct: false, notes: 'wrong tool' } });
  });

  it('with several agreeing reviewers it completes and writes the label as feedback marked final, authored by the consensus', () => {
    const s = settlement(queue(2), 't1', [review('a', { correct: true }), review('b', { correct: true })]);
    expect(s.status).toBe('complete');
    if (s.status !== 'complete') return;
    expect(s.final).toEqual({ correct: true });
    expect(s.feedback).toEqual([
      expect.objectContaining({ trace_id: 't1', queue_id: 'q1', key: 'correct', score: 1, value: true, source: 'human', author: 'consensus', metadata: { final: true, reviewers: 2, adjudicated: false } }),
    ]);
  });

  it('with reviewers who disagree it waits for adjudication, naming the keys in conflict', () => {
    expect(settlement(queue(2), 't1', [review('a', { correct: true }), review('b', { correct: false })])).toEqual({ status: 'conflict', conflicts: ['correct'] });
  });
});

describe('adjudicating a conflict', () => {
  const reviews = [review('a', { correct: false, failure_mode: 'policy', quality: 3 }), review('b', { correct: false, failure_mode: 'tool_args', quality: 3 })];

  it('is refused while a key in conflict is left undecided, naming that key', () => {
    const res = adjudication(rubric, reviews, { quality: 5 }, checkValues(rubric, { quality: 5 }, { requireAll: false }).entries);
    expect(res).toEqual({ fail: { status: 400, code: 'invalid_review', message: expect.stringContaining('values.failure_mode'), path: 'values.failure_mode' } });
  });

  it('deciding only the conflicted keys keeps the consensus on the agreed ones', () => {
    const answer = checkValues(rubric, { failure_mode: 'other' }, { requireAll: false });
    const res = adjudication(rubric, reviews, answer.values, answer.entries);
    expect(res).toEqual({
      ok: {
        final: { correct: false, quality: 3, failure_mode: 'other' },
        entries: [
          { key: 'correct', score: 0, value: false },
          { key: 'quality', score: 3, value: null },
          { key: 'failure_mode', score: null, value: 'other' },
        ],
      },
    });
  });

  it('a value the adjudicator gives for an agreed key overrides the reviewers on that key', () => {
    const answer = checkValues(rubric, { failure_mode: 'policy', correct: true }, { requireAll: false });
    const res = adjudication(rubric, reviews, answer.values, answer.entries);
    expect('ok' in res && res.ok.final).toEqual({ correct: true, quality: 3, failure_mode: 'policy' });
    expect('ok' in res && res.ok.entries.find((e) => e.key === 'correct')).toEqual({ key: 'correct', score: 1, value: true });
  });
});

describe('feedback rows of reviews and labels', () => {
  it('a review becomes one row per answered key plus its correction, which carries the comment', () => {
    const answer = checkValues(rubric, { correct: false, failure_mode: 'policy' }, { requireAll: false });
    const rows = reviewFeedback('q1', 't1', { id: 'u1', email: 'ann@example.com' }, { idempotencyKey: null, ...answer, correction: { answer: 'refund denied' }, comment: 'policy says no' });
    expect(rows.map((r) => [r.key, r.author, r.comment ?? null])).toEqual([
      ['correct', 'ann@example.com', null],
      ['failure_mode', 'ann@example.com', null],
      ['correction', 'ann@example.com', 'policy says no'],
    ]);
    expect(rows[2].correction).toEqual({ answer: 'refund denied' });
    expect(new Set(rows.map((r) => r.id_material)).size).toBe(3);
  });

  it('a comment without a correction is a row of its own; a reviewer without an email is named by id', () => {
    const rows = reviewFeedback('q1', 't1', { id: 'u2', email: null }, { idempotencyKey: null, values: {}, entries: [], correction: undefined, comment: 'unsure' });
    expect(rows).toEqual([expect.objectContaining({ key: 'comment', comment: 'unsure', author: 'u2', metadata: { reviewer_id: 'u2' } })]);
  });

  it('a reviewer’s answer to a key always gets the same feedback id (a retried flush rewrites the row), and the final label another', async () => {
    const [a] = reviewFeedback('q1', 't1', { id: 'u1', email: null }, { idempotencyKey: null, values: { correct: true }, entries: [{ key: 'correct', score: 1, value: true }], correction: undefined, comment: null });
    const [again] = reviewFeedback('q1', 't1', { id: 'u1', email: 'later@example.com' }, { idempotencyKey: 'k', values: { correct: false }, entries: [{ key: 'correct', score: 0, value: false }], correction: undefined, comment: null });
    const [label] = finalFeedback('q1', 't1', [{ key: 'correct', score: 1, value: true }], { author: 'consensus', reviewers: 2, adjudicated: false, comment: null });
    const id = await stableId('hr_', a.id_material);
    expect(id).toMatch(/^hr_[0-9a-f]{32}$/);
    expect(await stableId('hr_', again.id_material)).toBe(id);
    expect(await stableId('hr_', label.id_material)).not.toBe(id);
  });
});
