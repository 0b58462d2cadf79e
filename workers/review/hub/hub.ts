/**
 * The review hub: one Durable Object per project (named by the project id) coordinating all
 * of the project's annotation queues. It owns the live state D1 cannot coordinate safely:
 * which traces wait in which queue, who holds a claim until when, who reviewed what, the
 * final labels, and who is watching. Queue configuration stays in D1; the Worker reads it
 * and hands the hub what a call needs (reviewers per item, lease, rubric), so the hub never
 * holds a stale copy.
 *
 * The class is the one RPC surface and owns the object's events; the work is in plain
 * functions over its SQLite storage: `storage.ts` (tables, rows), `claims.ts` (who holds
 * what until when), `reviews.ts` (reviews in, final labels out), `consensus.ts` (what
 * reviews decide, pure), `views.ts` (answers, incl. blind review), `outbox.ts` (the durable
 * outbox to D1). The RPC contract types are in `contract.ts`.
 *
 * Interleaving. A Durable Object runs one event at a time (RPC calls from the Worker, the
 * websocket upgrade, websocket messages and closes, the alarm), but awaits open the door:
 * - Every state change (claim, submit, skip, release, escalate, enqueue, adjudicate, lease
 *   expiry) is synchronous SQL (`ctx.storage.sql`) with no await between its reads and
 *   writes, so two reviewers asking at once are served one after the other and can never
 *   both get the last free slot of an item. That is why the parts are synchronous
 *   functions and the RPC methods here await nothing before their writes: keep it so. The
 *   input gate would also hold other events while a storage call is pending, but with
 *   synchronous SQL there is never one to wait on; what matters is that no `await` sits
 *   inside a read-then-write. The output gate holds each answer (and websocket send) until
 *   the writes before it are durable, so a caller never hears about state that could still
 *   be lost. Where a change writes several rows, the method runs the part inside
 *   `transactionSync`, so they commit together.
 * - RPC calls, the alarm, websocket messages and closes interleave only at awaits. The one
 *   long await is the outbox flush to D1 (and the queue send after it): while it waits,
 *   claims and submits keep running and may add outbox rows, which the flush loop picks up
 *   next. Only one flush runs at a time (the Outbox joins a second caller to the running one).
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
import type { ItemOut, KeyAgreement, QueueProgress, ReviewerProgress, ReviewOut } from '../../../schema/wire/review.ts';
import { stableId } from '../../platform/ids.ts';
import { writeFeedback, type FeedbackInput } from '../../store/feedback.ts';
import { claimItem, escalateItem, expireLeases, nextClaim, nextLeaseEnd, releaseClaim, renewLeases } from './claims.ts';
import type { PendingFeedback } from './consensus.ts';
import { notInQueue, type ExportRow, type HubQueue, type HubResult, type HubReviewer, type NewItem, type ReviewInput } from './contract.ts';
import { Outbox } from './outbox.ts';
import { adjudicateItem, settleReady, submitReview, type Adjudicated, type Outboxes } from './reviews.ts';
import type { PendingExample } from './dataset-examples.ts';
import { datasetPort } from '../dataset-port.ts';
import { SCHEMA, emails, insertItem, item, nextSeq, projectOf, rememberProject, rememberReviewer, reviewOf, saveSeq, type SocketInfo } from './storage.ts';
import * as views from './views.ts';

/** Outbox entries flushed per D1 batch (each is up to ~22 feedback upserts). */
const FLUSH_ROWS = 40;
/** Dataset examples written per flush round (each reads its trace and writes one version). */
const FLUSH_EXAMPLES = 10;
/** Changes within this window reach watchers as one message. */
const BROADCAST_DELAY_MS = 30;

/** The review hub of one project (see above): the RPC methods the review routes call, its alarm and its websockets. */
export class ReviewHub extends DurableObject<Env> {
  private sql: SqlStorage;
  /** Feedback rows for D1, stored in the same transaction as the review or label they come from. */
  private outbox: Outbox<PendingFeedback>;
  /**
   * Examples for queues' datasets, from finished items (dataset-examples.ts), stored in the
   * same transaction. Its own table, so a dataset that refuses an example never holds up
   * the feedback.
   */
  private examples: Outbox<PendingExample>;
  private broadcastTimer: ReturnType<typeof setTimeout> | null = null;
  private dirtyQueues = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Idempotent DDL runs on every start (first use, or after an eviction) before any event.
    this.sql.exec(SCHEMA);
    this.outbox = new Outbox(this.sql, { table: 'outbox', batch: FLUSH_ROWS, label: 'review hub' });
    this.examples = new Outbox(this.sql, { table: 'dataset_outbox', batch: FLUSH_EXAMPLES, label: 'review hub datasets' });
    // Keepalive pings are answered without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  // --- Items in ---

  /** Adds traces to queues; a trace already in a queue stays as it was (it enters at most once). */
  async enqueue(items: NewItem[], now = Date.now()): Promise<{ added: number; already: number; addedKeys: string[] }> {
    const addedKeys: string[] = [];
    const touched = new Set<string>();
    this.ctx.storage.transactionSync(() => {
      let seq = nextSeq(this.sql);
      for (const it of items) {
        const escalatedFrom = it.source === 'escalation' ? it.sourceRef : null;
        if (!insertItem(this.sql, { ...it, note: it.note ?? null, escalatedFrom }, seq, now)) continue;
        seq++;
        addedKeys.push(`${it.queueId}\u0000${it.traceId}`);
        touched.add(it.queueId);
      }
      saveSeq(this.sql, seq);
    });
    for (const q of touched) this.markDirty(q);
    return { added: addedKeys.length, already: items.length - addedKeys.length, addedKeys };
  }

  /** Removes a queue's live state (the queue was deleted). Its feedback in D1 stays. */
  async dropQueue(queueId: string): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const table of ['items', 'claims', 'reviews', 'skips']) this.sql.exec(`DELETE FROM ${table} WHERE queue_id = ?`, queueId);
    });
    this.markDirty(queueId);
  }

  /**
   * Forgets traces that are being deleted (workers/lifecycle): their items, claims, reviews,
   * skips and unflushed feedback in every queue, in one synchronous transaction, so no
   * answer of the hub shows them afterwards and no outbox flush writes their feedback back
   * after D1 dropped it. Dataset examples already taken from a review keep their own copy.
   */
  async forgetTraces(traceIds: string[]): Promise<{ items: number }> {
    const ids = JSON.stringify(traceIds);
    let items = 0;
    const touched = new Set<string>();
    this.ctx.storage.transactionSync(() => {
      for (const r of this.sql.exec<{ queue_id: string }>('SELECT queue_id FROM items WHERE trace_id IN (SELECT value FROM json_each(?))', ids)) {
        touched.add(r.queue_id);
        items++;
      }
      for (const table of ['items', 'claims', 'reviews', 'skips']) this.sql.exec(`DELETE FROM ${table} WHERE trace_id IN (SELECT value FROM json_each(?))`, ids);
      this.sql.exec("DELETE FROM outbox WHERE json_extract(body, '$.trace_id') IN (SELECT value FROM json_each(?))", ids);
    });
    for (const q of touched) this.markDirty(q);
    return { items };
  }

  // --- Claims (claims.ts): each is one synchronous read-then-write ---

  /** Claims the next item for a reviewer (see `nextClaim`), with the queue's progress so the screen needs no second call. */
  async next(queue: HubQueue, reviewer: HubReviewer, now = Date.now()): Promise<HubResult<{ item: ItemOut | null; progress: QueueProgress }>> {
    rememberReviewer(this.sql, reviewer);
    const picked = nextClaim(this.sql, queue, reviewer.id, now);
    if (picked?.fresh) this.markDirty(queue.id);
    if (picked) this.scheduleAlarm();
    return { ok: { item: picked ? views.itemFor(this.sql, queue, picked.traceId, reviewer, now) : null, progress: views.progress(this.sql, queue.id, now) } };
  }

  /** Claims one given item (from the queue's item list or a trace's page). */
  async claim(queue: HubQueue, traceId: string, reviewer: HubReviewer, now = Date.now()): Promise<HubResult<ItemOut>> {
    rememberReviewer(this.sql, reviewer);
    const refused = claimItem(this.sql, queue, traceId, reviewer.id, now);
    if (refused) return refused;
    this.markDirty(queue.id);
    this.scheduleAlarm();
    return { ok: views.itemFor(this.sql, queue, traceId, reviewer, now) };
  }

  /** Lets go of a claim without a review. With `skip`, the item is not offered to this reviewer again. */
  async release(queue: HubQueue, traceId: string, reviewer: HubReviewer, skip: boolean, now = Date.now()): Promise<HubResult<{ released: boolean }>> {
    const res = this.ctx.storage.transactionSync(() => releaseClaim(this.sql, queue.id, traceId, reviewer.id, skip, now));
    if ('fail' in res) return res;
    this.markDirty(queue.id);
    this.scheduleAlarm();
    return res;
  }

  /** Extends the leases a reviewer holds in a queue (a heartbeat from the review screen). */
  renew(queueId: string, reviewerId: string, now = Date.now()): number {
    const n = renewLeases(this.sql, queueId, reviewerId, now);
    if (n) this.scheduleAlarm();
    return n;
  }

  /** Moves an item the reviewer holds to another queue (see `escalateItem`). */
  async escalate(queue: HubQueue, traceId: string, reviewer: HubReviewer, targetQueueId: string, note: string, now = Date.now()): Promise<HubResult<{ item: ItemOut; already_in_target: boolean }>> {
    const res = this.ctx.storage.transactionSync(() => escalateItem(this.sql, queue, traceId, reviewer, targetQueueId, note, now));
    if ('fail' in res) return res;
    if (res.ok.moved) {
      this.markDirty(queue.id);
      this.markDirty(targetQueueId);
    }
    return { ok: { item: views.itemFor(this.sql, queue, traceId, reviewer, now), already_in_target: res.ok.alreadyInTarget } };
  }

  // --- Reviews and final labels (reviews.ts; what they decide: consensus.ts) ---

  /**
   * Stores a review exactly once (see `submitReview`): a retry with the same idempotency key
   * answers the stored review (`duplicate`). The review, its item's new status and the D1
   * feedback in the outbox commit in one transaction; the flush starts right after.
   */
  async submit(queue: HubQueue, traceId: string, reviewer: HubReviewer, review: ReviewInput, now = Date.now()): Promise<HubResult<{ review: ReviewOut; item: ItemOut; duplicate: boolean }>> {
    rememberReviewer(this.sql, reviewer);
    rememberProject(this.sql, queue.projectId);
    const res = this.ctx.storage.transactionSync(() => submitReview(this.sql, this.outboxes(), queue, traceId, reviewer, review, now));
    if ('fail' in res) return res;
    if (!res.ok.duplicate) {
      this.markDirty(queue.id);
      this.kickFlush();
    }
    const stored = views.reviewOut(reviewOf(this.sql, queue.id, traceId, reviewer.id)!, emails(this.sql));
    return { ok: { review: stored, item: views.itemFor(this.sql, queue, traceId, reviewer, now), duplicate: res.ok.duplicate } };
  }

  /** Re-checks pending items after the queue started needing fewer reviewers. */
  async reconcile(queue: HubQueue, now = Date.now()): Promise<number> {
    rememberProject(this.sql, queue.projectId);
    const settled = this.ctx.storage.transactionSync(() => settleReady(this.sql, this.outboxes(), queue, now));
    if (settled) {
      this.markDirty(queue.id);
      this.kickFlush();
    }
    return settled;
  }

  /**
   * Settles a conflict: the adjudicator's values (checked against the rubric by the route)
   * override the reviewers' on the keys given; agreed keys keep the consensus.
   */
  async adjudicate(queue: HubQueue, traceId: string, adjudicator: HubReviewer, answer: Adjudicated, now = Date.now()): Promise<HubResult<ItemOut>> {
    rememberProject(this.sql, queue.projectId);
    const res = this.ctx.storage.transactionSync(() => adjudicateItem(this.sql, this.outboxes(), queue, traceId, adjudicator, answer, now));
    if ('fail' in res) return res;
    this.markDirty(queue.id);
    this.kickFlush();
    return { ok: views.itemFor(this.sql, queue, traceId, adjudicator, now) };
  }

  // --- Reads (views.ts) ---

  /** One item as `viewer` may see it (others' reviews only once the viewer submitted, or to managers not reviewing it). */
  async getItem(queue: HubQueue, traceId: string, viewer: HubReviewer, now = Date.now()): Promise<HubResult<ItemOut>> {
    if (!item(this.sql, queue.id, traceId)) return notInQueue(traceId);
    return { ok: views.itemFor(this.sql, queue, traceId, viewer, now) };
  }

  /** A page of a queue's items, oldest first (keyset on the queue order). */
  async listItems(queue: HubQueue, opts: { status?: string; after?: number; limit: number }, now = Date.now()): Promise<{ items: ItemOut[]; next: number | null }> {
    return views.listItems(this.sql, queue, opts, now);
  }

  /** Item counts of each queue. */
  async progressOf(queueIds: string[], now = Date.now()): Promise<Record<string, QueueProgress>> {
    return Object.fromEntries(queueIds.map((id) => [id, views.progress(this.sql, id, now)]));
  }

  /** Progress, reviewers and agreement of one queue. */
  async stats(queue: HubQueue, now = Date.now()): Promise<{ progress: QueueProgress; reviewers: ReviewerProgress[]; agreement: KeyAgreement[] }> {
    return { progress: views.progress(this.sql, queue.id, now), reviewers: views.reviewers(this.sql, queue.id, now, this.watching(queue.id)), agreement: views.queueAgreement(this.sql, queue) };
  }

  /** Items in conflict with every reviewer's values (for the adjudication step). */
  async conflicts(queue: HubQueue, limit: number, now = Date.now()): Promise<ItemOut[]> {
    return views.conflictItems(this.sql, queue, limit, now);
  }

  /** Every review of a queue with its item's status and final label, in queue order. */
  async exportRows(queueId: string): Promise<ExportRow[]> {
    return views.exportRows(this.sql, queueId);
  }

  // --- Live: hibernating websockets ---

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
    if (email) rememberReviewer(this.sql, { id: userId, email });
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
    return { type: 'state', queue_id: queueId, progress: views.progress(this.sql, queueId, now), reviewers: views.reviewers(this.sql, queueId, now, this.watching(queueId)) };
  }

  /** Who has the queue open (each socket's attachment survives hibernation). */
  private watching(queueId: string): SocketInfo[] {
    const open = this.ctx.getWebSockets(`q:${queueId}`).filter((ws) => ws.readyState === WebSocket.OPEN);
    return open.map((ws) => ws.deserializeAttachment() as SocketInfo | null).filter((info): info is SocketInfo => info !== null);
  }

  // --- Alarm: lease expiry and the D1 outbox ---

  /** Releases expired leases (their items return to the queue) and retries D1 writes. */
  async alarm(): Promise<void> {
    for (const q of expireLeases(this.sql, Date.now())) this.markDirty(q);
    await this.flushOutbox();
    this.scheduleAlarm();
  }

  private outboxes(): Outboxes {
    return { feedback: this.outbox, examples: this.examples };
  }

  /** Points the alarm at the next lease end or outbox retry (or clears it). */
  private scheduleAlarm(): void {
    const due = [nextLeaseEnd(this.sql), this.outbox.nextAttemptAt(), this.examples.nextAttemptAt()].filter((at): at is number => at !== null);
    if (!due.length) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(Math.max(Math.min(...due), Date.now()));
  }

  /** Starts a flush now, off the caller's path; the alarm retries whatever it leaves. */
  private kickFlush(): void {
    this.scheduleAlarm();
    void this.flushOutbox();
  }

  /**
   * Writes the outboxes to D1 (one flush of each at a time; rows added meanwhile go in its
   * next round), then re-points the alarm. Feedback first: the dataset's examples name it.
   */
  flushOutbox(): Promise<void> {
    return this.outbox
      .flush((bodies) => this.writeFeedback(bodies))
      .then(() => this.examples.flush((bodies) => this.writeExamples(bodies)))
      .finally(() => this.scheduleAlarm());
  }

  /** The dataset outbox's write, through the dataset port (datasets/from-review.ts; idempotent: a re-delivered item changes nothing). */
  private async writeExamples(bodies: PendingExample[]): Promise<void> {
    const projectId = projectOf(this.sql);
    if (!projectId) throw new Error('the review hub does not know its project yet');
    await datasetPort().writeExamples(this.env, projectId, bodies);
  }

  /**
   * The outbox's write: feedback rows into the project's D1 through the one feedback writer,
   * with deterministic ids (`hr_` + hash of what the row is), so a retry after a lost answer
   * rewrites the same rows. The writer signals routing too: new human feedback can route
   * the trace into other queues (e.g. feedback.needs_expert=1).
   */
  private async writeFeedback(bodies: PendingFeedback[]): Promise<void> {
    if (!bodies.length) return;
    const projectId = projectOf(this.sql);
    if (!projectId) throw new Error('the review hub does not know its project yet');
    const rows: FeedbackInput[] = [];
    for (const body of bodies) {
      for (const { id_material, ...row } of body.rows) rows.push({ ...row, id: await stableId('hr_', id_material) } as FeedbackInput);
    }
    await writeFeedback(this.env, projectId, rows);
  }
}
