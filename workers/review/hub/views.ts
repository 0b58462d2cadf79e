/**
 * What the hub answers: items, reviews, progress, reviewers, agreement and exports, read
 * from its SQLite storage as the API shapes them. Read-only and synchronous.
 *
 * Blind review lives here (`itemFor`): a reviewer sees the others' reviews of an item only
 * once they submitted their own, and an owner or admin only when not reviewing it; until
 * then the final label of a multi-reviewer item is hidden too, since it would give the
 * others' answers away.
 */
import type { ItemOut, KeyAgreement, QueueProgress, ReviewerProgress, ReviewOut } from '../../../schema/wire/review.ts';
import { agreement, type Rating } from '../../stats/agreement.ts';
import { comparable } from '../rubric.ts';
import type { ExportRow, HubQueue, HubReviewer } from './contract.ts';
import { claimOf, emails, item, reviewOf, reviewsOf, type ItemRow, type ReviewRow, type SocketInfo } from './storage.ts';

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** A review as the API shows it (`emails` names the reviewer). */
export function reviewOut(r: ReviewRow, emails: Map<string, string | null>): ReviewOut {
  return {
    reviewer_id: r.reviewer_id,
    reviewer: emails.get(r.reviewer_id) ?? null,
    values: JSON.parse(r.vals),
    correction: r.correction === null ? null : JSON.parse(r.correction),
    comment: r.comment,
    submitted_at: iso(r.submitted_at)!,
  };
}

/** An item as anyone may see it: status, counts and final label, no reviews. */
export function itemOut(sql: SqlStorage, queue: HubQueue, r: ItemRow, now: number): ItemOut {
  const counts = sql
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

/** An item (which must exist) for one person: their lease and review, and others' reviews when they may see them (blind review). */
export function itemFor(sql: SqlStorage, queue: HubQueue, traceId: string, viewer: HubReviewer, now: number): ItemOut {
  const out = itemOut(sql, queue, item(sql, queue.id, traceId)!, now);
  const claim = claimOf(sql, queue.id, traceId, viewer.id);
  const mine = reviewOf(sql, queue.id, traceId, viewer.id);
  const names = emails(sql);
  out.lease_expires_at = claim && claim.lease_until > now ? iso(claim.lease_until) : null;
  out.my_review = mine ? reviewOut(mine, names) : null;
  const mayLook = !!mine || (!!viewer.manager && !claim);
  if (mayLook) out.reviews = reviewsOf(sql, queue.id, traceId).filter((r) => r.reviewer_id !== viewer.id).map((r) => reviewOut(r, names));
  else if (out.final && queue.reviewersPerItem > 1) out.final = null; // the final label would reveal the others' answers
  return out;
}

/** A page of a queue's items, oldest first (keyset on the queue order `seq`). */
export function listItems(sql: SqlStorage, queue: HubQueue, opts: { status?: string; after?: number; limit: number }, now: number): { items: ItemOut[]; next: number | null } {
  const rows = sql
    .exec<ItemRow>(
      `SELECT * FROM items WHERE queue_id = ? AND (? IS NULL OR status = ?) AND seq > ? ORDER BY seq LIMIT ?`,
      queue.id, opts.status ?? null, opts.status ?? null, opts.after ?? 0, opts.limit + 1,
    )
    .toArray();
  const more = rows.length > opts.limit;
  const page = more ? rows.slice(0, opts.limit) : rows;
  return { items: page.map((r) => itemOut(sql, queue, r, now)), next: more ? page[page.length - 1].seq : null };
}

/** Items in conflict with every reviewer's values (for the adjudicator, who may see them all). */
export function conflictItems(sql: SqlStorage, queue: HubQueue, limit: number, now: number): ItemOut[] {
  const rows = sql.exec<ItemRow>(`SELECT * FROM items WHERE queue_id = ? AND status = 'conflict' ORDER BY seq LIMIT ?`, queue.id, limit).toArray();
  const names = emails(sql);
  return rows.map((r) => ({ ...itemOut(sql, queue, r, now), reviews: reviewsOf(sql, queue.id, r.trace_id).map((x) => reviewOut(x, names)) }));
}

/** Item counts of a queue by status, items someone is working on, and reviews submitted. */
export function progress(sql: SqlStorage, queueId: string, now: number): QueueProgress {
  const row = sql
    .exec<{ items: number; pending: number | null; complete: number | null; conflict: number | null; escalated: number | null }>(
      `SELECT count(*) AS items, sum(status = 'pending') AS pending, sum(status = 'complete') AS complete,
              sum(status = 'conflict') AS conflict, sum(status = 'escalated') AS escalated FROM items WHERE queue_id = ?`,
      queueId,
    )
    .one();
  const busy = sql
    .exec<{ n: number }>(
      `SELECT count(DISTINCT c.trace_id) AS n FROM claims c JOIN items i ON i.queue_id = c.queue_id AND i.trace_id = c.trace_id
        WHERE c.queue_id = ? AND c.lease_until > ? AND i.status = 'pending'`,
      queueId, now,
    )
    .one().n;
  const reviews = sql.exec<{ n: number }>('SELECT count(*) AS n FROM reviews WHERE queue_id = ?', queueId).one().n;
  return { items: row.items, pending: row.pending ?? 0, in_progress: busy, complete: row.complete ?? 0, conflict: row.conflict ?? 0, escalated: row.escalated ?? 0, reviews };
}

/** Everyone who reviewed, skipped, holds an item or watches the queue (`watching`: its open sockets), most reviews first. */
export function reviewers(sql: SqlStorage, queueId: string, now: number, watching: SocketInfo[]): ReviewerProgress[] {
  const people = new Map<string, ReviewerProgress>();
  const names = emails(sql);
  const get = (id: string) => {
    let p = people.get(id);
    if (!p) people.set(id, (p = { user_id: id, email: names.get(id) ?? null, submitted: 0, skipped: 0, holding: null, connected: false }));
    return p;
  };
  for (const r of sql.exec<{ id: string; n: number }>('SELECT reviewer_id AS id, count(*) AS n FROM reviews WHERE queue_id = ? GROUP BY reviewer_id', queueId)) get(r.id).submitted = r.n;
  for (const r of sql.exec<{ id: string; n: number }>('SELECT reviewer_id AS id, count(*) AS n FROM skips WHERE queue_id = ? GROUP BY reviewer_id', queueId)) get(r.id).skipped = r.n;
  for (const r of sql.exec<{ id: string; trace_id: string }>('SELECT reviewer_id AS id, trace_id FROM claims WHERE queue_id = ? AND lease_until > ? ORDER BY claimed_at', queueId, now)) get(r.id).holding = r.trace_id;
  for (const info of watching) {
    const p = get(info.userId);
    p.connected = true;
    p.email ??= info.email;
  }
  return [...people.values()].sort((a, b) => b.submitted - a.submitted || (a.email ?? a.user_id).localeCompare(b.email ?? b.user_id));
}

/** Inter-reviewer agreement per compared rubric key, over the queue's finished items. */
export function queueAgreement(sql: SqlStorage, queue: HubQueue): KeyAgreement[] {
  const reviews = sql
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

/** Every review of a queue with its item's status and final label, in queue order. */
export function exportRows(sql: SqlStorage, queueId: string): ExportRow[] {
  const rows = sql
    .exec<ReviewRow & { status: string; final: string | null; seq: number }>(
      `SELECT r.*, i.status, i.final, i.seq FROM reviews r JOIN items i ON i.queue_id = r.queue_id AND i.trace_id = r.trace_id
        WHERE r.queue_id = ? ORDER BY i.seq, r.submitted_at`,
      queueId,
    )
    .toArray();
  const names = emails(sql);
  return rows.map((r) => ({
    trace_id: r.trace_id,
    status: r.status,
    reviewer_id: r.reviewer_id,
    reviewer: names.get(r.reviewer_id) ?? null,
    submitted_at: iso(r.submitted_at)!,
    values: JSON.parse(r.vals),
    correction: r.correction === null ? null : JSON.parse(r.correction),
    comment: r.comment,
    final: r.final ? JSON.parse(r.final) : null,
  }));
}
