/**
 * The review hub: one Durable Object per project (named by the project id) coordinating all
 * of the project's annotation queues. It owns the live state D1 cannot coordinate safely:
 * which traces wait in which queue, who holds a claim until when, who reviewed what, the
 * final labels, and who is watching. Queue configuration stays in D1; the Worker reads it
 * and hands the hub what a call needs (reviewers per item, lease, rubric), so the hub never
 * holds a stale copy.
 *
 * Interleaving. A Durable Object runs one event at a time (RPC calls from the Worker, the
 * websocket upgrade, websocket messages and closes, the alarm), but awaits open the door:
 * - Every state change (claim, submit, skip, release, escalate, enqueue, adjudicate, lease
 *   expiry) is synchronous SQL (`ctx.storage.sql`) with no await between its reads and
 *   writes, so two reviewers asking at once are served one after the other and can never
 *   both get the last free slot of an item. The input gate would also hold other events
 *   while a storage call is pending, but with synchronous SQL there is never one to wait
 *   on; what matters is that no `await` sits inside a read-then-write. The output gate
 *   holds each answer (and websocket send) until the writes before it are durable, so a
 *   caller never hears about state that could still be lost.
 * - RPC calls, the alarm, websocket messages and closes interleave only at awaits. The one
 *   long await is the outbox flush to D1 (and the queue send after it): while it waits,
 *   claims and submits keep running and may add outbox rows, which the flush loop picks up
 *   next. Only one flush runs at a time (`flushing`).
 * - The alarm (lease expiry + outbox retry) can fire between any two requests; expiry
 *   only deletes claims whose lease has passed, which claims already ignore, so an alarm
 *   running late or twice changes nothing.
 *
 * Eviction and hibernation. Everything that matters is in the object's SQLite storage and
 * survives eviction: items, claims with their lease ends, reviews (with idempotency
 * keys), skips, final labels, and the outbox of D1 writes not yet confirmed. Alarms
 * survive too. Websockets are accepted with the hibernation API: they stay open while the
 * object is evicted, and each one's queue and user live in its attachment. Only the
 * pending coalesced broadcast (a timer) and an in-flight flush are in memory; after an
 * eviction the next change broadcasts again and the alarm retries the flush.
 */
import { DurableObject } from 'cloudflare:workers';
import type { QueueProgress, ReviewerProgress, RubricKey, KeyAgreement, ItemOut, ReviewOut } from '../../../schema/wire/review.ts';
import type { ReviewEntry } from '../rubric.ts';
import { comparable } from '../rubric.ts';
import { agreement, type Rating } from '../agreement.ts';
import { writeFeedback, type FeedbackInput } from '../../store/feedback.ts';
import { stableId } from '../../platform/ids.ts';
import { backoff } from '../../platform/retry.ts';
import { fail, notInQueue, type ExportRow, type HubQueue, type HubResult, type HubReviewer, type NewItem, type ReviewInput } from './contract.ts';

type ItemRow = {
  queue_id: string;
  trace_id: string;
  status: ItemOut['status'];
  source: NewItem['source'];
  source_ref: string | null;
  note: string | null;
  escalated_from: string | null;
  escalated_to: string | null;
  added_at: number;
  completed_at: number | null;
  final: string | null;
  final_entries: string | null;
  adjudicated_by: string | null;
  conflicts: string | null;
  seq: number;
};

type ReviewRow = {
  queue_id: string;
  trace_id: string;
  reviewer_id: string;
  idempotency_key: string | null;
  vals: string;
  entries: string;
  correction: string | null;
  comment: string | null;
  submitted_at: number;
};

/** What a websocket carries across hibernation. */
interface SocketInfo {
  queueId: string;
  userId: string;
  email: string | null;
}

/** Outbox rows flushed per D1 batch (each is up to ~22 feedback upserts). */
const FLUSH_ROWS = 40;
/** Retry delays of a failed flush: 1 s, 2 s, 4 s ... capped at 5 minutes. */
const flushBackoff = (attempts: number) => backoff(Math.min(attempts, 9), { base: 1000, cap: 300_000 });
/** Changes within this window reach watchers as one message. */
const BROADCAST_DELAY_MS = 30;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  queue_id TEXT NOT NULL, trace_id TEXT NOT NULL, status TEXT NOT NULL,
  source TEXT NOT NULL, source_ref TEXT, note TEXT, escalated_from TEXT, escalated_to TEXT,
  added_at INTEGER NOT NULL, completed_at INTEGER, final TEXT, final_entries TEXT,
  adjudicated_by TEXT, conflicts TEXT, seq INTEGER NOT NULL,
  PRIMARY KEY (queue_id, trace_id));
CREATE INDEX IF NOT EXISTS items_next ON items (queue_id, status, seq);
CREATE TABLE IF NOT EXISTS claims (
  queue_id TEXT NOT NULL, trace_id TEXT NOT NULL, reviewer_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL, lease_until INTEGER NOT NULL, lease_ms INTEGER NOT NULL,
  PRIMARY KEY (queue_id, trace_id, reviewer_id));
CREATE INDEX IF NOT EXISTS claims_reviewer ON claims (queue_id, reviewer_id);
CREATE INDEX IF NOT EXISTS claims_lease ON claims (lease_until);
CREATE TABLE IF NOT EXISTS reviews (
  queue_id TEXT NOT NULL, trace_id TEXT NOT NULL, reviewer_id TEXT NOT NULL, idempotency_key TEXT,
  vals TEXT NOT NULL, entries TEXT NOT NULL, correction TEXT, comment TEXT, submitted_at INTEGER NOT NULL,
  PRIMARY KEY (queue_id, trace_id, reviewer_id));
CREATE TABLE IF NOT EXISTS skips (
  queue_id TEXT NOT NULL, trace_id TEXT NOT NULL, reviewer_id TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (queue_id, trace_id, reviewer_id));
CREATE TABLE IF NOT EXISTS reviewers (user_id TEXT PRIMARY KEY, email TEXT);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL, last_error TEXT);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
`;

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** The D1 feedback rows one outbox entry writes (ids are derived when flushed). */
interface OutboxBody {
  trace_id: string;
  queue_id: string;
  rows: (Omit<FeedbackInput, 'id'> & { id_material: string })[];
}

export class ReviewHub extends DurableObject<Env> {
  private sql: SqlStorage;
  private flushing: Promise<void> | null = null;
  private broadcastTimer: ReturnType<typeof setTimeout> | null = null;
  private dirtyQueues = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Idempotent DDL runs on every start (first use, or after an eviction) before any event.
    this.sql.exec(SCHEMA);
    // Keepalive pings are answered without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  // ---------------------------------------------------------------------------------------
  // Items in
  // ---------------------------------------------------------------------------------------

  /** Adds traces to queues; a trace already in a queue stays as it was (it enters at most once). */
  async enqueue(items: NewItem[], now = Date.now()): Promise<{ added: number; already: number; addedKeys: string[] }> {
    let added = 0;
    const addedKeys: string[] = [];
    const touched = new Set<string>();
    this.ctx.storage.transactionSync(() => {
      let seq = this.nextSeq();
      for (const it of items) {
        const res = this.sql.exec(
          `INSERT INTO items (queue_id, trace_id, status, source, source_ref, note, escalated_from, added_at, seq)
           VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (queue_id, trace_id) DO NOTHING`,
          it.queueId, it.traceId, it.source, it.sourceRef, it.note ?? null, it.source === 'escalation' ? it.sourceRef : null, now, seq,
        );
        if (res.rowsWritten > 0) {
          added++;
          seq++;
          addedKeys.push(`${it.queueId}\u0000${it.traceId}`);
          touched.add(it.queueId);
        }
      }
      this.sql.exec(`INSERT INTO meta (k, v) VALUES ('seq', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, String(seq));
    });
    for (const q of touched) this.markDirty(q);
    return { added, already: items.length - added, addedKeys };
  }

  private nextSeq(): number {
    const row = this.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'seq'`).toArray()[0];
    return row ? Number(row.v) : 1;
  }

  /** Removes a queue's live state (the queue was deleted). Its feedback in D1 stays. */
  async dropQueue(queueId: string): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const table of ['items', 'claims', 'reviews', 'skips']) this.sql.exec(`DELETE FROM ${table} WHERE queue_id = ?`, queueId);
    });
    this.markDirty(queueId);
  }

  // ---------------------------------------------------------------------------------------
  // Claims
  // ---------------------------------------------------------------------------------------

  /**
   * Claims the next item for a reviewer: the item the reviewer already holds (its lease
   * renewed), else the oldest pending item the reviewer has neither reviewed nor skipped
   * whose reviews plus live claims are fewer than it needs. Null when none is left. With
   * the queue's progress, so the screen needs no second call.
   */
  async next(queue: HubQueue, reviewer: HubReviewer, now = Date.now()): Promise<HubResult<{ item: ItemOut | null; progress: QueueProgress }>> {
    this.rememberReviewer(reviewer);
    const held = this.sql
      .exec<{ trace_id: string }>(
        `SELECT c.trace_id FROM claims c JOIN items i ON i.queue_id = c.queue_id AND i.trace_id = c.trace_id
          WHERE c.queue_id = ? AND c.reviewer_id = ? AND c.lease_until > ? AND i.status = 'pending' ORDER BY c.claimed_at LIMIT 1`,
        queue.id, reviewer.id, now,
      )
      .toArray()[0];
    if (held) {
      this.sql.exec('UPDATE claims SET lease_until = ?, lease_ms = ? WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', now + queue.leaseMs, queue.leaseMs, queue.id, held.trace_id, reviewer.id);
      this.scheduleAlarm();
      return { ok: { item: this.itemFor(queue, held.trace_id, reviewer, now), progress: this.progress(queue.id, now) } };
    }
    this.sql.exec('DELETE FROM claims WHERE queue_id = ? AND reviewer_id = ? AND lease_until <= ?', queue.id, reviewer.id, now);
    const free = this.sql
      .exec<{ trace_id: string }>(
        `SELECT i.trace_id FROM items i
          WHERE i.queue_id = ?1 AND i.status = 'pending'
            AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.queue_id = i.queue_id AND r.trace_id = i.trace_id AND r.reviewer_id = ?2)
            AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.queue_id = i.queue_id AND s.trace_id = i.trace_id AND s.reviewer_id = ?2)
            AND (SELECT count(*) FROM reviews r WHERE r.queue_id = i.queue_id AND r.trace_id = i.trace_id)
              + (SELECT count(*) FROM claims c WHERE c.queue_id = i.queue_id AND c.trace_id = i.trace_id AND c.lease_until > ?3) < ?4
          ORDER BY i.seq LIMIT 1`,
        queue.id, reviewer.id, now, queue.reviewersPerItem,
      )
      .toArray()[0];
    if (!free) return { ok: { item: null, progress: this.progress(queue.id, now) } };
    this.insertClaim(queue, free.trace_id, reviewer.id, now);
    return { ok: { item: this.itemFor(queue, free.trace_id, reviewer, now), progress: this.progress(queue.id, now) } };
  }

  /** Claims one given item (from the queue's item list or a trace's page). */
  async claim(queue: HubQueue, traceId: string, reviewer: HubReviewer, now = Date.now()): Promise<HubResult<ItemOut>> {
    this.rememberReviewer(reviewer);
    const item = this.item(queue.id, traceId);
    if (!item) return notInQueue(traceId);
    if (item.status !== 'pending') return fail(409, 'item_finished', `this item is ${item.status === 'escalated' ? 'escalated to another queue' : 'already complete'}; it takes no more reviews`);
    if (this.reviewOf(queue.id, traceId, reviewer.id)) return fail(409, 'already_reviewed', 'you have already reviewed this item');
    const mine = this.claimOf(queue.id, traceId, reviewer.id);
    if (!mine || mine.lease_until <= now) {
      const { taken } = this.load(queue.id, traceId, now, reviewer.id);
      if (taken >= queue.reviewersPerItem) return fail(409, 'item_taken', `this item already has the ${queue.reviewersPerItem} reviewer${queue.reviewersPerItem === 1 ? '' : 's'} it needs`);
    }
    this.insertClaim(queue, traceId, reviewer.id, now);
    return { ok: this.itemFor(queue, traceId, reviewer, now) };
  }

  /** Lets go of a claim without a review. With `skip`, the item is not offered to this reviewer again. */
  async release(queue: HubQueue, traceId: string, reviewer: HubReviewer, skip: boolean, now = Date.now()): Promise<HubResult<{ released: boolean }>> {
    const item = this.item(queue.id, traceId);
    if (!item) return notInQueue(traceId);
    const held = this.claimOf(queue.id, traceId, reviewer.id);
    if (skip && !held) return fail(409, 'not_claimed', 'you do not hold this item; claim it before skipping it');
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM claims WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queue.id, traceId, reviewer.id);
      if (skip) this.sql.exec('INSERT INTO skips (queue_id, trace_id, reviewer_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', queue.id, traceId, reviewer.id, now);
    });
    this.markDirty(queue.id);
    this.scheduleAlarm();
    return { ok: { released: !!held } };
  }

  /** Extends the leases a reviewer holds in a queue (a heartbeat from the review screen). */
  renew(queueId: string, reviewerId: string, now = Date.now()): number {
    const n = this.sql.exec('UPDATE claims SET lease_until = ? + lease_ms WHERE queue_id = ? AND reviewer_id = ? AND lease_until > ? RETURNING trace_id', now, queueId, reviewerId, now).toArray().length;
    if (n) this.scheduleAlarm();
    return n;
  }

  private insertClaim(queue: HubQueue, traceId: string, reviewerId: string, now: number): void {
    this.sql.exec(
      `INSERT INTO claims (queue_id, trace_id, reviewer_id, claimed_at, lease_until, lease_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (queue_id, trace_id, reviewer_id) DO UPDATE SET lease_until = excluded.lease_until, lease_ms = excluded.lease_ms`,
      queue.id, traceId, reviewerId, now, now + queue.leaseMs, queue.leaseMs,
    );
    this.markDirty(queue.id);
    this.scheduleAlarm();
  }

  // ---------------------------------------------------------------------------------------
  // Reviews
  // ---------------------------------------------------------------------------------------

  /**
   * Stores a review exactly once. A retry with the same idempotency key answers the stored
   * review (`duplicate`); a second review by the same person is refused. The reviewer must
   * hold the item (a claim, or one whose lease ran out that nobody else took since).
   * The D1 feedback rows go through the outbox in the same transaction.
   */
  async submit(queue: HubQueue, traceId: string, reviewer: HubReviewer, review: ReviewInput, now = Date.now()): Promise<HubResult<{ review: ReviewOut; item: ItemOut; duplicate: boolean }>> {
    this.rememberReviewer(reviewer);
    this.rememberProject(queue.projectId);
    const existing = this.reviewOf(queue.id, traceId, reviewer.id);
    if (existing) {
      if (review.idempotencyKey && existing.idempotency_key === review.idempotencyKey) {
        return { ok: { review: this.reviewOut(existing), item: this.itemFor(queue, traceId, reviewer, now), duplicate: true } };
      }
      return fail(409, 'already_reviewed', 'you have already reviewed this item (resend the same idempotency_key to retry a submit)');
    }
    const item = this.item(queue.id, traceId);
    if (!item) return notInQueue(traceId);
    if (item.status !== 'pending') return fail(409, 'item_finished', `this item is ${item.status === 'escalated' ? 'escalated to another queue' : 'already complete'}; it takes no more reviews`);
    const held = this.claimOf(queue.id, traceId, reviewer.id);
    if (!held) return fail(409, 'not_claimed', 'you do not hold this item: claim it (POST .../next or .../claim) before reviewing it');
    if (held.lease_until <= now && this.load(queue.id, traceId, now, reviewer.id).taken >= queue.reviewersPerItem) {
      return fail(409, 'lease_expired', 'your claim expired and the item went to another reviewer');
    }
    const body: OutboxBody = { trace_id: traceId, queue_id: queue.id, rows: this.reviewFeedback(queue.id, traceId, reviewer, review) };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        'INSERT INTO reviews (queue_id, trace_id, reviewer_id, idempotency_key, vals, entries, correction, comment, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        queue.id, traceId, reviewer.id, review.idempotencyKey, JSON.stringify(review.values), JSON.stringify(review.entries),
        review.correction === undefined ? null : JSON.stringify(review.correction), review.comment, now,
      );
      this.sql.exec('DELETE FROM claims WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queue.id, traceId, reviewer.id);
      this.addOutbox(body, now);
      this.settle(queue, traceId, now);
    });
    this.markDirty(queue.id);
    this.kickFlush();
    const stored = this.reviewOf(queue.id, traceId, reviewer.id)!;
    return { ok: { review: this.reviewOut(stored), item: this.itemFor(queue, traceId, reviewer, now), duplicate: false } };
  }

  /** Feedback rows of one review: one per answered key, plus the correction (with the comment) or the comment. */
  private reviewFeedback(queueId: string, traceId: string, reviewer: HubReviewer, review: ReviewInput): OutboxBody['rows'] {
    const base = { trace_id: traceId, span_id: null, source: 'human' as const, author: reviewer.email ?? reviewer.id, queue_id: queueId, metadata: { reviewer_id: reviewer.id } };
    const material = (key: string) => ['review', queueId, traceId, reviewer.id, key].join('\u0000');
    const rows: OutboxBody['rows'] = review.entries.map((e) => ({ ...base, key: e.key, score: e.score, value: e.value ?? undefined, id_material: material(e.key) }));
    if (review.correction !== undefined) rows.push({ ...base, key: 'correction', correction: review.correction, comment: review.comment, id_material: material('correction') });
    else if (review.comment) rows.push({ ...base, key: 'comment', comment: review.comment, id_material: material('comment') });
    return rows;
  }

  /**
   * Completes an item once it has the reviews it needs: one reviewer's review is the
   * label; several reviewers who agree on every compared key make the final label;
   * otherwise the item waits for adjudication (`conflict`). Runs inside the caller's transaction.
   */
  private settle(queue: HubQueue, traceId: string, now: number): void {
    const reviews = this.sql.exec<ReviewRow>('SELECT * FROM reviews WHERE queue_id = ? AND trace_id = ? ORDER BY submitted_at', queue.id, traceId).toArray();
    if (reviews.length < queue.reviewersPerItem) return;
    if (queue.reviewersPerItem === 1) {
      this.sql.exec(`UPDATE items SET status = 'complete', completed_at = ?, final = ?, conflicts = NULL WHERE queue_id = ? AND trace_id = ?`, now, reviews[0].vals, queue.id, traceId);
      return;
    }
    const { final, entries, conflicts } = consensus(queue.rubric, reviews);
    if (conflicts.length) {
      this.sql.exec(`UPDATE items SET status = 'conflict', completed_at = ?, conflicts = ? WHERE queue_id = ? AND trace_id = ?`, now, JSON.stringify(conflicts), queue.id, traceId);
      return;
    }
    this.sql.exec(
      `UPDATE items SET status = 'complete', completed_at = ?, final = ?, final_entries = ?, conflicts = NULL WHERE queue_id = ? AND trace_id = ?`,
      now, JSON.stringify(final), JSON.stringify(entries), queue.id, traceId,
    );
    this.addOutbox({ trace_id: traceId, queue_id: queue.id, rows: finalFeedback(queue.id, traceId, entries, { author: 'consensus', reviewers: reviews.length, adjudicated: false, comment: null }) }, now);
  }

  /** Re-checks pending items after the queue started needing fewer reviewers. */
  async reconcile(queue: HubQueue, now = Date.now()): Promise<number> {
    this.rememberProject(queue.projectId);
    const ready = this.sql
      .exec<{ trace_id: string }>(
        `SELECT i.trace_id FROM items i WHERE i.queue_id = ? AND i.status = 'pending'
            AND (SELECT count(*) FROM reviews r WHERE r.queue_id = i.queue_id AND r.trace_id = i.trace_id) >= ?`,
        queue.id, queue.reviewersPerItem,
      )
      .toArray();
    this.ctx.storage.transactionSync(() => {
      for (const r of ready) this.settle(queue, r.trace_id, now);
    });
    if (ready.length) {
      this.markDirty(queue.id);
      this.kickFlush();
    }
    return ready.length;
  }

  /**
   * Settles a conflict: the adjudicator's values (checked against the rubric by the route)
   * override the reviewers' on the keys given; agreed keys keep the consensus.
   */
  async adjudicate(queue: HubQueue, traceId: string, adjudicator: HubReviewer, values: Record<string, boolean | number | string>, entries: ReviewEntry[], comment: string | null, now = Date.now()): Promise<HubResult<ItemOut>> {
    const item = this.item(queue.id, traceId);
    if (!item) return notInQueue(traceId);
    this.rememberProject(queue.projectId);
    if (item.status !== 'conflict') return fail(409, 'no_conflict', `only items in conflict are adjudicated; this one is ${item.status}`);
    const reviews = this.sql.exec<ReviewRow>('SELECT * FROM reviews WHERE queue_id = ? AND trace_id = ? ORDER BY submitted_at', queue.id, traceId).toArray();
    const agreed = consensus(queue.rubric, reviews);
    const missing = agreed.conflicts.find((k) => values[k] === undefined);
    if (missing) return fail(400, 'invalid_review', `values.${missing}: the reviewers disagree on it, so the adjudication must decide it`, `values.${missing}`);
    const final = { ...agreed.final, ...values };
    const byKey = new Map(agreed.entries.map((e) => [e.key, e]));
    for (const e of entries) byKey.set(e.key, e);
    const finalEntries = [...byKey.values()];
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `UPDATE items SET status = 'complete', completed_at = ?, final = ?, final_entries = ?, adjudicated_by = ?, conflicts = NULL WHERE queue_id = ? AND trace_id = ?`,
        now, JSON.stringify(final), JSON.stringify(finalEntries), adjudicator.email ?? adjudicator.id, queue.id, traceId,
      );
      this.addOutbox({ trace_id: traceId, queue_id: queue.id, rows: finalFeedback(queue.id, traceId, finalEntries, { author: adjudicator.email ?? adjudicator.id, reviewers: reviews.length, adjudicated: true, comment }) }, now);
    });
    this.markDirty(queue.id);
    this.kickFlush();
    return { ok: this.itemFor(queue, traceId, adjudicator, now) };
  }

  /**
   * Moves an item the reviewer holds to another queue (a domain-expert queue) with a note.
   * Here it becomes `escalated` and its claims end; there it is a new pending item (unless
   * the trace is already in that queue, which keeps its own item).
   */
  async escalate(queue: HubQueue, traceId: string, reviewer: HubReviewer, targetQueueId: string, note: string, now = Date.now()): Promise<HubResult<{ item: ItemOut; already_in_target: boolean }>> {
    const item = this.item(queue.id, traceId);
    if (!item) return notInQueue(traceId);
    if (item.status === 'escalated' && item.escalated_to === targetQueueId) return { ok: { item: this.itemFor(queue, traceId, reviewer, now), already_in_target: true } };
    if (item.status !== 'pending') return fail(409, 'item_finished', `this item is ${item.status}; only pending items are escalated`);
    if (!this.claimOf(queue.id, traceId, reviewer.id)) return fail(409, 'not_claimed', 'you do not hold this item; claim it before escalating it');
    let alreadyInTarget = false;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(`UPDATE items SET status = 'escalated', escalated_to = ?, note = ?, completed_at = ? WHERE queue_id = ? AND trace_id = ?`, targetQueueId, note, now, queue.id, traceId);
      this.sql.exec('DELETE FROM claims WHERE queue_id = ? AND trace_id = ?', queue.id, traceId);
      const seq = this.nextSeq();
      const res = this.sql.exec(
        `INSERT INTO items (queue_id, trace_id, status, source, source_ref, note, escalated_from, added_at, seq)
         VALUES (?, ?, 'pending', 'escalation', ?, ?, ?, ?, ?) ON CONFLICT (queue_id, trace_id) DO NOTHING`,
        targetQueueId, traceId, reviewer.email ?? reviewer.id, note, queue.id, now, seq,
      );
      alreadyInTarget = res.rowsWritten === 0;
      if (!alreadyInTarget) this.sql.exec(`INSERT INTO meta (k, v) VALUES ('seq', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, String(seq + 1));
    });
    this.markDirty(queue.id);
    this.markDirty(targetQueueId);
    return { ok: { item: this.itemFor(queue, traceId, reviewer, now), already_in_target: alreadyInTarget } };
  }

  // ---------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------

  /** One item as `viewer` may see it (others' reviews only once the viewer submitted, or to managers not reviewing it). */
  async getItem(queue: HubQueue, traceId: string, viewer: HubReviewer, now = Date.now()): Promise<HubResult<ItemOut>> {
    if (!this.item(queue.id, traceId)) return notInQueue(traceId);
    return { ok: this.itemFor(queue, traceId, viewer, now) };
  }

  /** A page of a queue's items, oldest first (keyset on the queue order). */
  async listItems(queue: HubQueue, opts: { status?: string; after?: number; limit: number }, now = Date.now()): Promise<{ items: ItemOut[]; next: number | null }> {
    const rows = this.sql
      .exec<ItemRow>(
        `SELECT * FROM items WHERE queue_id = ? AND (? IS NULL OR status = ?) AND seq > ? ORDER BY seq LIMIT ?`,
        queue.id, opts.status ?? null, opts.status ?? null, opts.after ?? 0, opts.limit + 1,
      )
      .toArray();
    const more = rows.length > opts.limit;
    const page = more ? rows.slice(0, opts.limit) : rows;
    return { items: page.map((r) => this.itemOut(queue, r, now)), next: more ? page[page.length - 1].seq : null };
  }

  /** Item counts of each queue. */
  async progressOf(queueIds: string[], now = Date.now()): Promise<Record<string, QueueProgress>> {
    const out: Record<string, QueueProgress> = {};
    for (const id of queueIds) out[id] = this.progress(id, now);
    return out;
  }

  /** Progress, reviewers and agreement of one queue. */
  async stats(queue: HubQueue, now = Date.now()): Promise<{ progress: QueueProgress; reviewers: ReviewerProgress[]; agreement: KeyAgreement[] }> {
    return { progress: this.progress(queue.id, now), reviewers: this.reviewers(queue.id, now), agreement: this.agreement(queue) };
  }

  /** Items in conflict with every reviewer's values (for the adjudication step). */
  async conflicts(queue: HubQueue, limit: number, now = Date.now()): Promise<ItemOut[]> {
    const rows = this.sql.exec<ItemRow>(`SELECT * FROM items WHERE queue_id = ? AND status = 'conflict' ORDER BY seq LIMIT ?`, queue.id, limit).toArray();
    return rows.map((r) => ({ ...this.itemOut(queue, r, now), reviews: this.reviewsOf(queue.id, r.trace_id).map((x) => this.reviewOut(x)) }));
  }

  /** Every review of a queue with its item's status and final label, in queue order. */
  async exportRows(queueId: string): Promise<ExportRow[]> {
    const rows = this.sql
      .exec<ReviewRow & { status: string; final: string | null; seq: number }>(
        `SELECT r.*, i.status, i.final, i.seq FROM reviews r JOIN items i ON i.queue_id = r.queue_id AND i.trace_id = r.trace_id
          WHERE r.queue_id = ? ORDER BY i.seq, r.submitted_at`,
        queueId,
      )
      .toArray();
    const emails = this.emails();
    return rows.map((r) => ({
      trace_id: r.trace_id,
      status: r.status,
      reviewer_id: r.reviewer_id,
      reviewer: emails.get(r.reviewer_id) ?? null,
      submitted_at: iso(r.submitted_at)!,
      values: JSON.parse(r.vals),
      correction: r.correction === null ? null : JSON.parse(r.correction),
      comment: r.comment,
      final: r.final ? JSON.parse(r.final) : null,
    }));
  }

  // ---------------------------------------------------------------------------------------
  // Live: hibernating websockets
  // ---------------------------------------------------------------------------------------

  /**
   * Accepts a websocket for one queue. The Worker authenticated the browser (session
   * cookie) and checked the queue before forwarding; the hub trusts the forwarded headers
   * because only this Worker can reach it.
   */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a websocket upgrade', { status: 426 });
    const queueId = request.headers.get('x-loupe-queue');
    const userId = request.headers.get('x-loupe-user');
    if (!queueId || !userId) return new Response('missing queue or user', { status: 400 });
    const email = request.headers.get('x-loupe-email');
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair);
    this.ctx.acceptWebSocket(server, [`q:${queueId}`, `u:${userId}`]);
    server.serializeAttachment({ queueId, userId, email } satisfies SocketInfo);
    if (email) this.rememberReviewer({ id: userId, email });
    server.send(JSON.stringify(this.stateMessage(queueId, Date.now())));
    this.markDirty(queueId);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** `{"type":"heartbeat"}` renews the sender's leases in its queue; `{"type":"state"}` asks for the state. */
  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const info = ws.deserializeAttachment() as SocketInfo | null;
    if (!info || typeof message !== 'string') return;
    let msg: { type?: string };
    try {
      msg = JSON.parse(message);
    } catch {
      return;
    }
    if (msg.type === 'heartbeat') {
      const renewed = this.renew(info.queueId, info.userId);
      ws.send(JSON.stringify({ type: 'heartbeat', renewed }));
    } else if (msg.type === 'state') {
      ws.send(JSON.stringify(this.stateMessage(info.queueId, Date.now())));
    }
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const info = ws.deserializeAttachment() as SocketInfo | null;
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closed');
    } catch {
      // already closed
    }
    if (info) this.markDirty(info.queueId);
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    const info = ws.deserializeAttachment() as SocketInfo | null;
    if (info) this.markDirty(info.queueId);
  }

  /** Notes that a queue changed; watchers get one state message per BROADCAST_DELAY_MS. */
  private markDirty(queueId: string): void {
    if (!this.ctx.getWebSockets(`q:${queueId}`).length) return;
    this.dirtyQueues.add(queueId);
    this.broadcastTimer ??= setTimeout(() => {
      this.broadcastTimer = null;
      const queues = [...this.dirtyQueues];
      this.dirtyQueues.clear();
      const now = Date.now();
      for (const q of queues) {
        const text = JSON.stringify(this.stateMessage(q, now));
        for (const ws of this.ctx.getWebSockets(`q:${q}`)) {
          try {
            ws.send(text);
          } catch {
            // a socket closing right now; its close handler broadcasts again
          }
        }
      }
    }, BROADCAST_DELAY_MS);
  }

  private stateMessage(queueId: string, now: number) {
    return { type: 'state', queue_id: queueId, progress: this.progress(queueId, now), reviewers: this.reviewers(queueId, now) };
  }

  // ---------------------------------------------------------------------------------------
  // Alarm: lease expiry and the D1 outbox
  // ---------------------------------------------------------------------------------------

  /** Releases expired leases (their items return to the queue) and retries D1 writes. */
  async alarm(): Promise<void> {
    const now = Date.now();
    const expired = this.sql.exec<{ queue_id: string }>('DELETE FROM claims WHERE lease_until <= ? RETURNING queue_id', now).toArray();
    for (const q of new Set(expired.map((e) => e.queue_id))) this.markDirty(q);
    await this.flushOutbox();
    this.scheduleAlarm();
  }

  /** Points the alarm at the next lease end or outbox retry (or clears it). */
  private scheduleAlarm(): void {
    const row = this.sql
      .exec<{ at: number | null }>('SELECT min(at) AS at FROM (SELECT min(lease_until) AS at FROM claims UNION ALL SELECT min(next_at) AS at FROM outbox)')
      .one();
    if (row.at === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(Math.max(row.at, Date.now()));
  }

  /** Records which project this hub serves (the alarm's D1 writes need it). */
  private rememberProject(projectId: string): void {
    this.sql.exec(`INSERT INTO meta (k, v) VALUES ('project', ?) ON CONFLICT (k) DO NOTHING`, projectId);
  }

  private addOutbox(body: OutboxBody, now: number): void {
    // The first attempt is made at once (kickFlush); this time is the alarm's safety net.
    this.sql.exec('INSERT INTO outbox (body, next_at) VALUES (?, ?)', JSON.stringify(body), now + 5_000);
  }

  /** Starts a flush now, off the caller's path; the alarm retries whatever it leaves. */
  private kickFlush(): void {
    this.scheduleAlarm();
    void this.flushOutbox();
  }

  /**
   * Writes outbox rows to D1 as feedback (deterministic ids, so a retry after a lost
   * answer rewrites the same rows), signals review routing for their traces, and only then
   * deletes them. One flush at a time; rows added meanwhile are taken by the next round.
   */
  flushOutbox(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        for (;;) {
          const rows = this.sql.exec<{ id: number; body: string; attempts: number }>('SELECT id, body, attempts FROM outbox ORDER BY id LIMIT ?', FLUSH_ROWS).toArray();
          if (!rows.length) return;
          const ids = rows.map((r) => r.id);
          try {
            await this.writeFeedback(rows.map((r) => JSON.parse(r.body) as OutboxBody));
            this.sql.exec('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(ids));
          } catch (err) {
            const now = Date.now();
            console.error(`review hub: writing ${rows.length} reviews to D1 failed; retrying`, err);
            for (const r of rows) this.sql.exec('UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?', now + flushBackoff(r.attempts), String(err).slice(0, 500), r.id);
            return;
          }
        }
      } finally {
        this.flushing = null;
        this.scheduleAlarm();
      }
    })();
    return this.flushing;
  }

  private async writeFeedback(bodies: OutboxBody[]): Promise<void> {
    if (!bodies.length) return;
    const projectId = this.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'project'`).toArray()[0]?.v;
    if (!projectId) throw new Error('the review hub does not know its project yet');
    const rows: FeedbackInput[] = [];
    for (const body of bodies) {
      for (const { id_material, ...row } of body.rows) rows.push({ ...row, id: await stableId('hr_', id_material) } as FeedbackInput);
    }
    // The writer signals routing too: new human feedback can route the trace into other
    // queues (e.g. feedback.needs_expert=1).
    await writeFeedback(this.env, projectId, rows);
  }

  // ---------------------------------------------------------------------------------------
  // Helpers (synchronous SQL)
  // ---------------------------------------------------------------------------------------

  private rememberReviewer(r: HubReviewer): void {
    if (r.email) this.sql.exec('INSERT INTO reviewers (user_id, email) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET email = excluded.email WHERE email IS NOT excluded.email', r.id, r.email);
  }

  private emails(): Map<string, string | null> {
    return new Map(this.sql.exec<{ user_id: string; email: string | null }>('SELECT user_id, email FROM reviewers').toArray().map((r) => [r.user_id, r.email]));
  }

  private item(queueId: string, traceId: string): ItemRow | undefined {
    return this.sql.exec<ItemRow>('SELECT * FROM items WHERE queue_id = ? AND trace_id = ?', queueId, traceId).toArray()[0];
  }

  private reviewOf(queueId: string, traceId: string, reviewerId: string): ReviewRow | undefined {
    return this.sql.exec<ReviewRow>('SELECT * FROM reviews WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queueId, traceId, reviewerId).toArray()[0];
  }

  private reviewsOf(queueId: string, traceId: string): ReviewRow[] {
    return this.sql.exec<ReviewRow>('SELECT * FROM reviews WHERE queue_id = ? AND trace_id = ? ORDER BY submitted_at', queueId, traceId).toArray();
  }

  private claimOf(queueId: string, traceId: string, reviewerId: string): { lease_until: number } | undefined {
    return this.sql.exec<{ lease_until: number }>('SELECT lease_until FROM claims WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queueId, traceId, reviewerId).toArray()[0];
  }

  /** Reviews plus live claims of others on an item. */
  private load(queueId: string, traceId: string, now: number, except: string): { taken: number } {
    const row = this.sql
      .exec<{ taken: number }>(
        `SELECT (SELECT count(*) FROM reviews WHERE queue_id = ?1 AND trace_id = ?2)
              + (SELECT count(*) FROM claims WHERE queue_id = ?1 AND trace_id = ?2 AND lease_until > ?3 AND reviewer_id != ?4) AS taken`,
        queueId, traceId, now, except,
      )
      .one();
    return { taken: row.taken };
  }

  private reviewOut(r: ReviewRow, emails = this.emails()): ReviewOut {
    return {
      reviewer_id: r.reviewer_id,
      reviewer: emails.get(r.reviewer_id) ?? null,
      values: JSON.parse(r.vals),
      correction: r.correction === null ? null : JSON.parse(r.correction),
      comment: r.comment,
      submitted_at: iso(r.submitted_at)!,
    };
  }

  private itemOut(queue: HubQueue, r: ItemRow, now: number): ItemOut {
    const counts = this.sql
      .exec<{ reviews: number; claims: number }>(
        `SELECT (SELECT count(*) FROM reviews WHERE queue_id = ?1 AND trace_id = ?2) AS reviews,
                (SELECT count(*) FROM claims WHERE queue_id = ?1 AND trace_id = ?2 AND lease_until > ?3) AS claims`,
        r.queue_id, r.trace_id, now,
      )
      .one();
    return {
      queue_id: r.queue_id,
      trace_id: r.trace_id,
      status: r.status,
      source: r.source,
      source_ref: r.source_ref,
      note: r.note,
      escalated_from: r.escalated_from,
      escalated_to: r.escalated_to,
      added_at: iso(r.added_at)!,
      completed_at: iso(r.completed_at),
      reviews_needed: queue.reviewersPerItem,
      reviews_done: counts.reviews,
      claims: counts.claims,
      final: r.final ? JSON.parse(r.final) : null,
      adjudicated_by: r.adjudicated_by,
      ...(r.conflicts ? { conflicts: JSON.parse(r.conflicts) } : {}),
    };
  }

  /** An item for one person: their lease and review, and others' reviews when they may see them (blind review). */
  private itemFor(queue: HubQueue, traceId: string, viewer: HubReviewer, now: number): ItemOut {
    const out = this.itemOut(queue, this.item(queue.id, traceId)!, now);
    const claim = this.claimOf(queue.id, traceId, viewer.id);
    const mine = this.reviewOf(queue.id, traceId, viewer.id);
    const emails = this.emails();
    out.lease_expires_at = claim && claim.lease_until > now ? iso(claim.lease_until) : null;
    out.my_review = mine ? this.reviewOut(mine, emails) : null;
    const mayLook = !!mine || (!!viewer.manager && !claim);
    if (mayLook) out.reviews = this.reviewsOf(queue.id, traceId).filter((r) => r.reviewer_id !== viewer.id).map((r) => this.reviewOut(r, emails));
    else if (out.final && queue.reviewersPerItem > 1) out.final = null; // the final label would reveal the others' answers
    return out;
  }

  private progress(queueId: string, now: number): QueueProgress {
    const row = this.sql
      .exec<{ items: number; pending: number | null; complete: number | null; conflict: number | null; escalated: number | null }>(
        `SELECT count(*) AS items, sum(status = 'pending') AS pending, sum(status = 'complete') AS complete,
                sum(status = 'conflict') AS conflict, sum(status = 'escalated') AS escalated FROM items WHERE queue_id = ?`,
        queueId,
      )
      .one();
    const busy = this.sql
      .exec<{ n: number }>(
        `SELECT count(DISTINCT c.trace_id) AS n FROM claims c JOIN items i ON i.queue_id = c.queue_id AND i.trace_id = c.trace_id
          WHERE c.queue_id = ? AND c.lease_until > ? AND i.status = 'pending'`,
        queueId, now,
      )
      .one().n;
    const reviews = this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM reviews WHERE queue_id = ?', queueId).one().n;
    return { items: row.items, pending: row.pending ?? 0, in_progress: busy, complete: row.complete ?? 0, conflict: row.conflict ?? 0, escalated: row.escalated ?? 0, reviews };
  }

  private reviewers(queueId: string, now: number): ReviewerProgress[] {
    const people = new Map<string, ReviewerProgress>();
    const emails = this.emails();
    const get = (id: string) => {
      let p = people.get(id);
      if (!p) people.set(id, (p = { user_id: id, email: emails.get(id) ?? null, submitted: 0, skipped: 0, holding: null, connected: false }));
      return p;
    };
    for (const r of this.sql.exec<{ id: string; n: number }>('SELECT reviewer_id AS id, count(*) AS n FROM reviews WHERE queue_id = ? GROUP BY reviewer_id', queueId)) get(r.id).submitted = r.n;
    for (const r of this.sql.exec<{ id: string; n: number }>('SELECT reviewer_id AS id, count(*) AS n FROM skips WHERE queue_id = ? GROUP BY reviewer_id', queueId)) get(r.id).skipped = r.n;
    for (const r of this.sql.exec<{ id: string; trace_id: string }>('SELECT reviewer_id AS id, trace_id FROM claims WHERE queue_id = ? AND lease_until > ? ORDER BY claimed_at', queueId, now)) get(r.id).holding = r.trace_id;
    for (const ws of this.ctx.getWebSockets(`q:${queueId}`)) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      const info = ws.deserializeAttachment() as SocketInfo | null;
      if (info) {
        const p = get(info.userId);
        p.connected = true;
        p.email ??= info.email;
      }
    }
    return [...people.values()].sort((a, b) => b.submitted - a.submitted || (a.email ?? a.user_id).localeCompare(b.email ?? b.user_id));
  }

  private agreement(queue: HubQueue): KeyAgreement[] {
    const reviews = this.sql
      .exec<{ trace_id: string; reviewer_id: string; vals: string }>(
        `SELECT r.trace_id, r.reviewer_id, r.vals FROM reviews r JOIN items i ON i.queue_id = r.queue_id AND i.trace_id = r.trace_id
          WHERE r.queue_id = ? AND i.status IN ('complete', 'conflict') ORDER BY r.trace_id`,
        queue.id,
      )
      .toArray();
    const byItem = new Map<string, { reviewer_id: string; vals: Record<string, unknown> }[]>();
    for (const r of reviews) {
      let list = byItem.get(r.trace_id);
      if (!list) byItem.set(r.trace_id, (list = []));
      list.push({ reviewer_id: r.reviewer_id, vals: JSON.parse(r.vals) });
    }
    return queue.rubric.filter(comparable).map((key) => {
      const items: Rating[][] = [...byItem.values()].map((list) =>
        list.filter((r) => r.vals[key.key] !== undefined && r.vals[key.key] !== null).map((r) => ({ rater: r.reviewer_id, value: String(r.vals[key.key]) })),
      );
      return { key: key.key, type: key.type, ...agreement(items) };
    });
  }
}

/** The agreed values (compared keys where all reviewers who answered agree) and the keys in conflict. */
function consensus(rubric: RubricKey[], reviews: ReviewRow[]): { final: Record<string, unknown>; entries: ReviewEntry[]; conflicts: string[] } {
  const final: Record<string, unknown> = {};
  const entries: ReviewEntry[] = [];
  const conflicts: string[] = [];
  const parsed = reviews.map((r) => ({ vals: JSON.parse(r.vals) as Record<string, unknown>, entries: JSON.parse(r.entries) as ReviewEntry[] }));
  for (const key of rubric.filter(comparable)) {
    const given = parsed.filter((p) => p.vals[key.key] !== undefined && p.vals[key.key] !== null);
    if (!given.length) continue;
    const distinct = new Set(given.map((p) => JSON.stringify(p.vals[key.key])));
    if (distinct.size > 1) {
      conflicts.push(key.key);
      continue;
    }
    final[key.key] = given[0].vals[key.key];
    const entry = given[0].entries.find((e) => e.key === key.key);
    if (entry) entries.push(entry);
  }
  return { final, entries, conflicts };
}

/** Feedback rows of a final label (multi-reviewer queues): one per key, marked `final` in metadata. */
function finalFeedback(queueId: string, traceId: string, entries: ReviewEntry[], info: { author: string; reviewers: number; adjudicated: boolean; comment: string | null }): OutboxBody['rows'] {
  return entries.map((e) => ({
    trace_id: traceId,
    span_id: null,
    key: e.key,
    score: e.score,
    value: e.value ?? undefined,
    comment: info.comment,
    source: 'human' as const,
    author: info.author,
    queue_id: queueId,
    metadata: { final: true, reviewers: info.reviewers, adjudicated: info.adjudicated },
    id_material: ['final', queueId, traceId, e.key].join('\u0000'),
  }));
}
