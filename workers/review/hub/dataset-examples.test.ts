import { describe, it, expect } from 'vitest';
import { RubricKey } from '../../../schema/wire/review.ts';
import { pendingExample } from './dataset-examples.ts';
import type { ReviewRow } from './storage.ts';

const rubric = RubricKey.array().parse([
  { key: 'correct', type: 'boolean' },
  { key: 'notes', type: 'text', required: false },
]);
const queue = { id: 'q1', rubric, datasetId: 'ds1' };
const emails = new Map([['a', 'a@example.com'], ['b', 'b@example.com']]);

function review(reviewerId: string, vals: Record<string, unknown>, opts: { correction?: unknown; comment?: string; at?: number } = {}): ReviewRow {
  return {
    queue_id: 'q1', trace_id: 't1', reviewer_id: reviewerId, idempotency_key: null, vals: JSON.stringify(vals), entries: '[]',
    correction: opts.correction === undefined ? null : JSON.stringify(opts.correction), comment: opts.comment ?? null, submitted_at: opts.at ?? 0,
  };
}

describe('what a finished item hands to its dataset', () => {
  it('the correction is the expected output; comments and free-text answers are the criteria', () => {
    const p = pendingExample(queue, 't1', [review('a', { correct: false, notes: 'refund is not allowed' }, { correction: { answer: 'no refund' }, comment: 'cite the rule' })], emails, { correct: false }, 5);
    expect(p).toMatchObject({ dataset_id: 'ds1', queue_id: 'q1', trace_id: 't1', correction: { answer: 'no refund' }, correction_from: 'review', correction_by: 'a', criteria: 'cite the rule\nnotes: refund is not allowed', adjudicated: false, completed_at: 5 });
    expect(p!.reviews).toEqual([{ reviewer_id: 'a', reviewer: 'a@example.com', values: { correct: false, notes: 'refund is not allowed' }, comment: 'cite the rule', has_correction: true }]);
  });

  it('the adjudicator’s correction wins; without one, the latest reviewer’s does', () => {
    const reviews = [review('a', { correct: true }, { correction: 'first', at: 1 }), review('b', { correct: false }, { correction: 'second', at: 2 })];
    expect(pendingExample(queue, 't1', reviews, emails, { correct: false }, 9)).toMatchObject({ correction: 'second', correction_by: 'b', adjudicated: false });
    const adjudicated = pendingExample(queue, 't1', reviews, emails, { correct: false }, 9, { by: 'owner@example.com', comment: 'policy says no', correction: 'decided' });
    expect(adjudicated).toMatchObject({ correction: 'decided', correction_from: 'adjudication', correction_by: null, adjudicated: true, adjudicated_by: 'owner@example.com' });
    expect(adjudicated!.criteria!.split('\n')[0]).toBe('policy says no');
    // An adjudication without a correction keeps the reviewers' latest one, but is still adjudicated.
    expect(pendingExample(queue, 't1', reviews, emails, { correct: false }, 9, { by: 'o', comment: null })).toMatchObject({ correction: 'second', correction_from: 'review', adjudicated: true });
  });

  it('nothing without a dataset, and nothing when there is no correction and nothing written', () => {
    const scored = [review('a', { correct: true })];
    expect(pendingExample(queue, 't1', scored, emails, { correct: true }, 1)).toBeNull();
    expect(pendingExample({ ...queue, datasetId: null }, 't1', [review('a', { correct: true }, { correction: 'x' })], emails, { correct: true }, 1)).toBeNull();
    // A comment alone is a criterion: the example has no outputs but says what good looks like.
    expect(pendingExample(queue, 't1', [review('a', { correct: true }, { comment: 'greets the user by name' })], emails, { correct: true }, 1)).toMatchObject({ criteria: 'greets the user by name', correction_from: null });
  });
});
