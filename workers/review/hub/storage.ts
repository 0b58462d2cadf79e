/**
 * The review hub's own SQLite tables (Durable Object storage) and the small synchronous
 * reads and writes every part of the hub shares. Table and column names are fixed: objects
 * already deployed hold rows in them, and the DDL below only ever adds (IF NOT EXISTS).
 * The outbox table belongs to the generic outbox (outbox.ts), which creates its own.
 */
import type { ItemOut } from '../../../schema/wire/review.ts';
import type { HubReviewer, NewItem } from './contract.ts';

/** Idempotent DDL, run on every start of the object (first use, or after an eviction). */
export const SCHEMA = `
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
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
`;

/** An item of a queue: one trace waiting for, or done with, its reviews. */
export type ItemRow = {
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

/** One reviewer's review of an item (values and entries as JSON text). */
export type ReviewRow = {
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

/** What a websocket carries across hibernation (its attachment). */
export interface SocketInfo {
  queueId: string;
  userId: string;
  email: string | null;
}

/** An item of a queue, if the trace is in it. */
export function item(sql: SqlStorage, queueId: string, traceId: string): ItemRow | undefined {
  return sql.exec<ItemRow>('SELECT * FROM items WHERE queue_id = ? AND trace_id = ?', queueId, traceId).toArray()[0];
}

/** A reviewer's review of an item, if they submitted one. */
export function reviewOf(sql: SqlStorage, queueId: string, traceId: string, reviewerId: string): ReviewRow | undefined {
  return sql.exec<ReviewRow>('SELECT * FROM reviews WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queueId, traceId, reviewerId).toArray()[0];
}

/** An item's reviews, first submitted first. */
export function reviewsOf(sql: SqlStorage, queueId: string, traceId: string): ReviewRow[] {
  return sql.exec<ReviewRow>('SELECT * FROM reviews WHERE queue_id = ? AND trace_id = ? ORDER BY submitted_at', queueId, traceId).toArray();
}

/** A reviewer's claim on an item, live or not (a lapsed one may still be honoured by submit). */
export function claimOf(sql: SqlStorage, queueId: string, traceId: string, reviewerId: string): { lease_until: number } | undefined {
  return sql.exec<{ lease_until: number }>('SELECT lease_until FROM claims WHERE queue_id = ? AND trace_id = ? AND reviewer_id = ?', queueId, traceId, reviewerId).toArray()[0];
}

/** Reviews plus live claims of others on an item. */
export function load(sql: SqlStorage, queueId: string, traceId: string, now: number, except: string): { taken: number } {
  const row = sql
    .exec<{ taken: number }>(
      `SELECT (SELECT count(*) FROM reviews WHERE queue_id = ?1 AND trace_id = ?2)
            + (SELECT count(*) FROM claims WHERE queue_id = ?1 AND trace_id = ?2 AND lease_until > ?3 AND reviewer_id != ?4) AS taken`,
      queueId, traceId, now, except,
    )
    .one();
  return { taken: row.taken };
}

/**
 * Adds a pending item unless the trace is already in the queue (a trace enters a queue at
 * most once); true when it was added.
 */
export function insertItem(
  sql: SqlStorage,
  it: { queueId: string; traceId: string; source: NewItem['source']; sourceRef: string | null; note: string | null; escalatedFrom: string | null },
  seq: number,
  now: number,
): boolean {
  const res = sql.exec(
    `INSERT INTO items (queue_id, trace_id, status, source, source_ref, note, escalated_from, added_at, seq)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (queue_id, trace_id) DO NOTHING`,
    it.queueId, it.traceId, it.source, it.sourceRef, it.note, it.escalatedFrom, now, seq,
  );
  return res.rowsWritten > 0;
}

/** The next item's place in queue order (items are listed and offered by `seq`). */
export function nextSeq(sql: SqlStorage): number {
  const row = sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'seq'`).toArray()[0];
  return row ? Number(row.v) : 1;
}

/** Stores the place the next item takes (inside the transaction that used the one before it). */
export function saveSeq(sql: SqlStorage, seq: number): void {
  sql.exec(`INSERT INTO meta (k, v) VALUES ('seq', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, String(seq));
}

/** Records which project this hub serves (the alarm's D1 writes need it). */
export function rememberProject(sql: SqlStorage, projectId: string): void {
  sql.exec(`INSERT INTO meta (k, v) VALUES ('project', ?) ON CONFLICT (k) DO NOTHING`, projectId);
}

/** The project this hub serves, once a call told it. */
export function projectOf(sql: SqlStorage): string | undefined {
  return sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'project'`).toArray()[0]?.v;
}

/** Keeps a reviewer's email, so reviews and progress show a name rather than a user id. */
export function rememberReviewer(sql: SqlStorage, r: HubReviewer): void {
  if (r.email) sql.exec('INSERT INTO reviewers (user_id, email) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET email = excluded.email WHERE email IS NOT excluded.email', r.id, r.email);
}

/** Every known reviewer's email by user id. */
export function emails(sql: SqlStorage): Map<string, string | null> {
  return new Map(sql.exec<{ user_id: string; email: string | null }>('SELECT user_id, email FROM reviewers').toArray().map((r) => [r.user_id, r.email]));
}
