/**
 * Reviews in, final labels out: storing a review, settling an item once it has the reviews
 * it needs, and adjudicating a conflict. What the reviews decide comes from consensus.ts;
 * these functions check, write the hub's SQLite rows and add the D1 feedback to the outbox.
 *
 * Plain synchronous functions over the hub's storage, like claims.ts, and for the same
 * reason: no await sits between a check ("does this reviewer hold the item?", "is it still
 * in conflict?") and the write that relies on it, so no other event can change the answer
 * in between. The hub runs each inside `transactionSync`, so a review, its item's new
 * status and the outbox entry promising its feedback to D1 commit together or not at all.
 */
import { adjudication, finalFeedback, reviewFeedback, settlement, type PendingFeedback } from './consensus.ts';
import { pendingExample, type PendingExample } from './dataset-examples.ts';
import { fail, finished, notInQueue, type HubQueue, type HubResult, type HubReviewer, type ReviewInput } from './contract.ts';
import type { Outbox } from './outbox.ts';
import { claimOf, emails, item, load, reviewOf, reviewsOf } from './storage.ts';
import type { ReviewEntry } from '../rubric.ts';

/** An adjudicator's answer: values (checked against the rubric by the route), their entries, a comment, and optionally the correction. */
export interface Adjudicated {
  values: Record<string, boolean | number | string>;
  entries: ReviewEntry[];
  comment: string | null;
  correction?: unknown;
}

/** Where a change's writes to D1 wait: feedback rows, and examples for the queue's dataset. */
export interface Outboxes {
  feedback: Outbox<PendingFeedback>;
  examples: Outbox<PendingExample>;
}

/**
 * Stores a review exactly once. A retry with the same idempotency key finds the stored
 * review (`duplicate`, nothing written); a second review by the same person is refused.
 * The reviewer must hold the item (a claim, or one whose lease ran out that nobody else
 * took since). The claim ends, the review's feedback goes to the outbox, and the item settles.
 */
export function submitReview(sql: SqlStorage, outboxes: Outboxes, queue: HubQueue, traceId: string, reviewer: HubReviewer, review: ReviewInput, now: number): HubResult<{ duplicate: boolean }> {
  const existing = reviewOf(sql, queue.id, traceId, reviewer.id);
  if (existing) {
    if (review.idempotencyKey && existing.idempotency_key === review.idempotencyKey) return { ok: { duplicate: true } };
    return fail(409, 'already_reviewed', 'you have already reviewed this item (resend the same idempotency_key to retry a submit)');
  }
  const it = item(sql, queue.id, traceId);
  if (!it) return notInQueue(traceId);
  if (it.status !== 'pending') return finished(it.status);
  const held = claimOf(sql, queue.id, traceId, reviewer.id);
  if (!held) return fail(409, 'not_claimed', 'you do not hold this item: claim it (POST .../next or .../claim) before reviewing it');
  if (held.lease_until <= now && load(sql, queue.id, traceId, now, reviewer.id).taken >= queue.reviewersPerItem) {
    return fail(409, 'lease_expired', 'your claim expired and the item went to another reviewer');
  }
  sql.exec(
    'INSERT INTO reviews (queue_id, trace_id, reviewer_id, idempotency_key, vals, entries, correction, comment, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    queue.id, traceId, reviewer.id, review.idempotencyKey, JSON.stringify(review.values), JSON.stringify(review.entries),
    review.correction === undefined ? null : JSON.stringify(review.correction), review.comment, now,
  );
  sql.exec('DELETE FROM claims WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queue.id, traceId, reviewer.id);
  outboxes.feedback.add({ trace_id: traceId, queue_id: queue.id, rows: reviewFeedback(queue.id, traceId, reviewer, review) }, now);
  settle(sql, outboxes, queue, traceId, now);
  return { ok: { duplicate: false } };
}

/** Settles the pending items that already have the reviews they need (the queue started needing fewer); how many. */
export function settleReady(sql: SqlStorage, outboxes: Outboxes, queue: HubQueue, now: number): number {
  const ready = sql
    .exec<{ trace_id: string }>(
      `SELECT i.trace_id FROM items i WHERE i.queue_id = ? AND i.status = 'pending'
          AND (SELECT count(*) FROM reviews r WHERE r.queue_id = i.queue_id AND r.trace_id = i.trace_id) >= ?`,
      queue.id, queue.reviewersPerItem,
    )
    .toArray();
  for (const r of ready) settle(sql, outboxes, queue, r.trace_id, now);
  return ready.length;
}

/**
 * Settles a conflict: the adjudicator's values override the reviewers' on the keys given,
 * agreed keys keep the consensus (`adjudication`), and the final label goes to the outbox.
 */
export function adjudicateItem(
  sql: SqlStorage,
  outboxes: Outboxes,
  queue: HubQueue,
  traceId: string,
  adjudicator: HubReviewer,
  answer: Adjudicated,
  now: number,
): HubResult<true> {
  const it = item(sql, queue.id, traceId);
  if (!it) return notInQueue(traceId);
  if (it.status !== 'conflict') return fail(409, 'no_conflict', `only items in conflict are adjudicated; this one is ${it.status}`);
  const reviews = reviewsOf(sql, queue.id, traceId);
  const merged = adjudication(queue.rubric, reviews, answer.values, answer.entries);
  if ('fail' in merged) return merged;
  const { final, entries } = merged.ok;
  const author = adjudicator.email ?? adjudicator.id;
  sql.exec(
    `UPDATE items SET status = 'complete', completed_at = ?, final = ?, final_entries = ?, adjudicated_by = ?, conflicts = NULL WHERE queue_id = ? AND trace_id = ?`,
    now, JSON.stringify(final), JSON.stringify(entries), author, queue.id, traceId,
  );
  const info = { author, reviewers: reviews.length, adjudicated: true, comment: answer.comment };
  outboxes.feedback.add({ trace_id: traceId, queue_id: queue.id, rows: finalFeedback(queue.id, traceId, entries, info, answer.correction) }, now);
  addExample(sql, outboxes, queue, traceId, reviews, final, now, { by: author, comment: answer.comment, ...(answer.correction !== undefined ? { correction: answer.correction } : {}) });
  return { ok: true };
}

/** Writes what an item's reviews decide (`settlement`): complete, in conflict, or nothing yet. */
function settle(sql: SqlStorage, outboxes: Outboxes, queue: HubQueue, traceId: string, now: number): void {
  const reviews = reviewsOf(sql, queue.id, traceId);
  const s = settlement(queue, traceId, reviews);
  if (s.status === 'complete') addExample(sql, outboxes, queue, traceId, reviews, s.final, now);
  if (s.status === 'conflict') {
    sql.exec(`UPDATE items SET status = 'conflict', completed_at = ?, conflicts = ? WHERE queue_id = ? AND trace_id = ?`, now, JSON.stringify(s.conflicts), queue.id, traceId);
  } else if (s.status === 'complete' && !s.entries) {
    // One reviewer: the review is the label; its feedback rows are in the outbox already.
    sql.exec(`UPDATE items SET status = 'complete', completed_at = ?, final = ?, conflicts = NULL WHERE queue_id = ? AND trace_id = ?`, now, JSON.stringify(s.final), queue.id, traceId);
  } else if (s.status === 'complete') {
    sql.exec(
      `UPDATE items SET status = 'complete', completed_at = ?, final = ?, final_entries = ?, conflicts = NULL WHERE queue_id = ? AND trace_id = ?`,
      now, JSON.stringify(s.final), JSON.stringify(s.entries), queue.id, traceId,
    );
    if (s.feedback) outboxes.feedback.add({ trace_id: traceId, queue_id: queue.id, rows: s.feedback }, now);
  }
}

/** Promises the finished item's example to the queue's dataset, if it names one and the item has something to teach. */
function addExample(sql: SqlStorage, outboxes: Outboxes, queue: HubQueue, traceId: string, reviews: ReturnType<typeof reviewsOf>, final: Record<string, unknown>, now: number, adjudicated?: Parameters<typeof pendingExample>[6]): void {
  const body = pendingExample(queue, traceId, reviews, emails(sql), final, now, adjudicated);
  if (body) outboxes.examples.add(body, now);
}
