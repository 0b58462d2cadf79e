/**
 * A Durable Object's durable outbox: writes to somewhere else (D1, a queue, R2) that must
 * happen after a state change of the object, exactly as often as needed and never lost.
 *
 * `add` stores the body in the object's own SQLite table inside the caller's transaction,
 * so the change and the promise to tell the world commit together (or not at all).
 * `flush` hands stored bodies to a `write` callback and deletes them only once it resolved,
 * so the callback must be idempotent (a flush whose answer was lost, or which an eviction
 * cut short, writes the same bodies again). On failure each body waits out a backoff; the
 * owner points its alarm at `nextAttemptAt()` and flushes again from there, so retries
 * survive eviction. Knows nothing about what the bodies mean.
 *
 * Interleaving: `add` is synchronous SQL. `flush` awaits `write`, and while it waits the
 * object serves other events, which may `add` more; the running flush picks them up in its
 * next round. Only one flush runs at a time (a second call joins the running one).
 */
import { backoff } from '../../platform/retry.ts';

/** Retry delays of a failed flush: 1 s, 2 s, 4 s ... capped at 5 minutes. */
const flushBackoff = (attempts: number) => backoff(Math.min(attempts, 9), { base: 1000, cap: 300_000 });

/** How an outbox is stored and flushed. */
export interface OutboxOptions {
  /** The SQLite table (created if missing). Defaults to `outbox`, the review hub's table. */
  table?: string;
  /** Bodies handed to one `write` call (size it to what one write can carry). */
  batch?: number;
  /** When the alarm first retries a body that the immediate flush did not write. */
  safetyNetMs?: number;
  /** Names the owner in the log line of a failed write. */
  label?: string;
}

/** A durable outbox of `Body` values (JSON-serialisable) in a Durable Object's SQLite storage. */
export class Outbox<Body> {
  private readonly table: string;
  private readonly batch: number;
  private readonly safetyNetMs: number;
  private readonly label: string;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    opts: OutboxOptions = {},
  ) {
    this.table = opts.table ?? 'outbox';
    // The name is spliced into SQL (identifiers cannot be bound), so only plain names pass.
    if (!/^[a-z_][a-z0-9_]*$/.test(this.table)) throw new Error(`outbox table name '${this.table}' must be lower-case letters, digits and _`);
    this.batch = opts.batch ?? 40;
    this.safetyNetMs = opts.safetyNetMs ?? 5_000;
    this.label = opts.label ?? `outbox ${this.table}`;
    sql.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (
  id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL, last_error TEXT);`);
  }

  /**
   * Stores a body to be written. Synchronous, so it joins the caller's transaction. The
   * caller is expected to flush at once; `now + safetyNetMs` is when the alarm tries if not.
   */
  add(body: Body, now: number): void {
    this.sql.exec(`INSERT INTO ${this.table} (body, next_at) VALUES (?, ?)`, JSON.stringify(body), now + this.safetyNetMs);
  }

  /**
   * Writes every stored body, oldest first, `batch` at a time, deleting each batch once
   * `write` resolved. It takes bodies still waiting out a backoff too: a flush runs because
   * there is new work or the alarm fired, and one that succeeds clears the backlog. Stops at
   * the first failure, which pushes that batch's next attempt back. Never rejects on a
   * failed write (the failure is logged and stored in `last_error`). When the returned
   * promise settles, `nextAttemptAt()` may have moved: the owner re-points its alarm then.
   */
  flush(write: (bodies: Body[]) => Promise<void>): Promise<void> {
    if (this.flushing) return this.flushing;
    // Cleared in `.finally`, which always runs after this assignment. (Clearing it inside the
    // async body would not: on an empty outbox the body finishes before its first await, so
    // the clear ran first and the settled promise stayed behind, joining every later flush.)
    this.flushing = (async () => {
      for (;;) {
        const rows = this.sql.exec<{ id: number; body: string; attempts: number }>(`SELECT id, body, attempts FROM ${this.table} ORDER BY id LIMIT ?`, this.batch).toArray();
        if (!rows.length) return;
        const ids = rows.map((r) => r.id);
        try {
          await write(rows.map((r) => JSON.parse(r.body) as Body));
          this.sql.exec(`DELETE FROM ${this.table} WHERE id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
        } catch (err) {
          const now = Date.now();
          console.error(`${this.label}: writing ${rows.length} entries failed; retrying`, err);
          for (const r of rows) this.sql.exec(`UPDATE ${this.table} SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`, now + flushBackoff(r.attempts), String(err).slice(0, 500), r.id);
          return;
        }
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** When the next attempt is due (for the owner's alarm), or null when the outbox is empty. */
  nextAttemptAt(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT min(next_at) AS at FROM ${this.table}`).one().at;
  }
}
