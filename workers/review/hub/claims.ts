/**
 * Who holds which item until when: claims, their leases, skips and escalation. Plain
 * synchronous functions over the hub's SQLite storage. Each reads and then writes with no
 * await in between, and that is what makes them safe: a Durable Object runs one event at
 * a time and only interleaves at an await, so two reviewers asking at once are served one
 * after the other and can never both take the last free slot of an item. Keep it so: an
 * await inside any of these would let another claim in between the check and the write.
 *
 * They change storage only. Telling watchers (broadcast) and re-pointing the alarm is the
 * hub's job, from what these return. Where several writes must land together the hub runs
 * the function inside `transactionSync`.
 */
import { fail, finished, notInQueue, type HubFailure, type HubQueue, type HubResult, type HubReviewer } from './contract.ts';
import { claimOf, insertItem, item, load, nextSeq, reviewOf, saveSeq } from './storage.ts';

/**
 * Claims the next item for a reviewer: the item the reviewer already holds (its lease
 * renewed), else the oldest pending item the reviewer has neither reviewed nor skipped
 * whose reviews plus live claims are fewer than it needs. Null when none is left;
 * `fresh` when a new claim was taken (rather than a held one renewed).
 */
export function nextClaim(sql: SqlStorage, queue: HubQueue, reviewerId: string, now: number): { traceId: string; fresh: boolean } | null {
  const held = sql
    .exec<{ trace_id: string }>(
      `SELECT c.trace_id FROM claims c JOIN items i ON i.queue_id = c.queue_id AND i.trace_id = c.trace_id
        WHERE c.queue_id = ? AND c.reviewer_id = ? AND c.lease_until > ? AND i.status = 'pending' ORDER BY c.claimed_at LIMIT 1`,
      queue.id, reviewerId, now,
    )
    .toArray()[0];
  if (held) {
    sql.exec('UPDATE claims SET lease_until = ?, lease_ms = ? WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', now + queue.leaseMs, queue.leaseMs, queue.id, held.trace_id, reviewerId);
    return { traceId: held.trace_id, fresh: false };
  }
  sql.exec('DELETE FROM claims WHERE queue_id = ? AND reviewer_id = ? AND lease_until <= ?', queue.id, reviewerId, now);
  const free = sql
    .exec<{ trace_id: string }>(
      `SELECT i.trace_id FROM items i
        WHERE i.queue_id = ?1 AND i.status = 'pending'
          AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.queue_id = i.queue_id AND r.trace_id = i.trace_id AND r.reviewer_id = ?2)
          AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.queue_id = i.queue_id AND s.trace_id = i.trace_id AND s.reviewer_id = ?2)
          AND (SELECT count(*) FROM reviews r WHERE r.queue_id = i.queue_id AND r.trace_id = i.trace_id)
            + (SELECT count(*) FROM claims c WHERE c.queue_id = i.queue_id AND c.trace_id = i.trace_id AND c.lease_until > ?3) < ?4
        ORDER BY i.seq LIMIT 1`,
      queue.id, reviewerId, now, queue.reviewersPerItem,
    )
    .toArray()[0];
  if (!free) return null;
  insertClaim(sql, queue, free.trace_id, reviewerId, now);
  return { traceId: free.trace_id, fresh: true };
}

/** Claims one given item (from the queue's item list or a trace's page); null once claimed, else the refusal. */
export function claimItem(sql: SqlStorage, queue: HubQueue, traceId: string, reviewerId: string, now: number): HubFailure | null {
  const it = item(sql, queue.id, traceId);
  if (!it) return notInQueue(traceId);
  if (it.status !== 'pending') return finished(it.status);
  if (reviewOf(sql, queue.id, traceId, reviewerId)) return fail(409, 'already_reviewed', 'you have already reviewed this item');
  const mine = claimOf(sql, queue.id, traceId, reviewerId);
  // A reviewer renewing their own live claim needs no free slot; anyone else (or a lapsed claim) does.
  if (!mine || mine.lease_until <= now) {
    const { taken } = load(sql, queue.id, traceId, now, reviewerId);
    if (taken >= queue.reviewersPerItem) return fail(409, 'item_taken', `this item already has the ${queue.reviewersPerItem} reviewer${queue.reviewersPerItem === 1 ? '' : 's'} it needs`);
  }
  insertClaim(sql, queue, traceId, reviewerId, now);
  return null;
}

/** Lets go of a claim without a review. With `skip`, the item is not offered to this reviewer again. Two writes: run it in a transaction. */
export function releaseClaim(sql: SqlStorage, queueId: string, traceId: string, reviewerId: string, skip: boolean, now: number): HubResult<{ released: boolean }> {
  if (!item(sql, queueId, traceId)) return notInQueue(traceId);
  const held = claimOf(sql, queueId, traceId, reviewerId);
  if (skip && !held) return fail(409, 'not_claimed', 'you do not hold this item; claim it before skipping it');
  sql.exec('DELETE FROM claims WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queueId, traceId, reviewerId);
  if (skip) sql.exec('INSERT INTO skips (queue_id, trace_id, reviewer_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', queueId, traceId, reviewerId, now);
  return { ok: { released: !!held } };
}

/** Extends the live leases a reviewer holds in a queue (a heartbeat from the review screen); how many. */
export function renewLeases(sql: SqlStorage, queueId: string, reviewerId: string, now: number): number {
  return sql.exec('UPDATE claims SET lease_until = ? + lease_ms WHERE queue_id = ? AND reviewer_id = ? AND lease_until > ? RETURNING trace_id', now, queueId, reviewerId, now).toArray().length;
}

/**
 * Moves an item the reviewer holds to another queue (a domain-expert queue) with a note.
 * Here it becomes `escalated` and its claims end; there it is a new pending item (unless
 * the trace is already in that queue, which keeps its own item). Asking again for the same
 * target changes nothing (`moved` false). Several writes: run it in a transaction.
 */
export function escalateItem(sql: SqlStorage, queue: HubQueue, traceId: string, reviewer: HubReviewer, targetQueueId: string, note: string, now: number): HubResult<{ moved: boolean; alreadyInTarget: boolean }> {
  const it = item(sql, queue.id, traceId);
  if (!it) return notInQueue(traceId);
  if (it.status === 'escalated' && it.escalated_to === targetQueueId) return { ok: { moved: false, alreadyInTarget: true } };
  if (it.status !== 'pending') return fail(409, 'item_finished', `this item is ${it.status}; only pending items are escalated`);
  if (!claimOf(sql, queue.id, traceId, reviewer.id)) return fail(409, 'not_claimed', 'you do not hold this item; claim it before escalating it');
  sql.exec(`UPDATE items SET status = 'escalated', escalated_to = ?, note = ?, completed_at = ? WHERE queue_id = ? AND trace_id = ?`, targetQueueId, note, now, queue.id, traceId);
  sql.exec('DELETE FROM claims WHERE queue_id = ? AND trace_id = ?', queue.id, traceId);
  const seq = nextSeq(sql);
  const added = insertItem(sql, { queueId: targetQueueId, traceId, source: 'escalation', sourceRef: reviewer.email ?? reviewer.id, note, escalatedFrom: queue.id }, seq, now);
  if (added) saveSeq(sql, seq + 1);
  return { ok: { moved: true, alreadyInTarget: !added } };
}

/** Ends every lease that has run out (their items return to the queue); the queues that changed. */
export function expireLeases(sql: SqlStorage, now: number): Set<string> {
  return new Set(sql.exec<{ queue_id: string }>('DELETE FROM claims WHERE lease_until <= ? RETURNING queue_id', now).toArray().map((e) => e.queue_id));
}

/** When the next lease ends (for the alarm), or null when nobody holds anything. */
export function nextLeaseEnd(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>('SELECT min(lease_until) AS at FROM claims').one().at;
}

function insertClaim(sql: SqlStorage, queue: HubQueue, traceId: string, reviewerId: string, now: number): void {
  sql.exec(
    `INSERT INTO claims (queue_id, trace_id, reviewer_id, claimed_at, lease_until, lease_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (queue_id, trace_id, reviewer_id) DO UPDATE SET lease_until = excluded.lease_until, lease_ms = excluded.lease_ms`,
    queue.id, traceId, reviewerId, now, now + queue.leaseMs, queue.leaseMs,
  );
}
