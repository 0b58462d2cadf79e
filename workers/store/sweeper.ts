/**
 * The ingest sweeper: re-sends acknowledged batches that the indexer never committed.
 *
 * The R2 object is the source of truth and the ledger (`ingest_batches`, written before
 * the 202) lists every batch not yet in D1. A queue message can be lost: local queues do
 * not survive a killed `wrangler dev`, and deployed a delivery can exhaust its retries
 * and end in the dead-letter queue. So the queue is only the fast path; the sweeper, run by
 * a Cron Trigger every minute (locally, `scripts/local.ts` calls the scheduled handler the
 * same way), puts every ledger row older than `SWEEP_AFTER_MS` back on the queue. The
 * indexer is idempotent (spans upsert, roll-ups are recomputed), so a batch that was in
 * fact indexed and only its ledger delete was lost is redone, never doubled.
 *
 * Batches that reached the dead-letter queue are re-sent too, but only hourly: a batch
 * that cannot be indexed (a bug, not an outage) must not spin, and must not be dropped.
 */
import type { IngestMessage } from '../../schema/queues.ts';
import { controlDb } from '../platform/db.ts';
import { sendInBatches } from '../platform/queues.ts';

/** A batch still in the ledger this long after it was (re-)enqueued is re-sent. */
export const SWEEP_AFTER_MS = 60_000;
/** ... and one that reached the dead-letter queue, after this long. */
export const SWEEP_DEAD_AFTER_MS = 3_600_000;
/** Rows per sweep: at most this many messages per scheduled run (D1 and Queues are fast with 1,000; a backlog drains over a few runs). */
const SWEEP_LIMIT = 1000;

export interface SweepResult {
  /** Batches put back on the queue. */
  resent: number;
  /** Batches in the ledger after the sweep (in flight or waiting). */
  pending: number;
}

/** Re-enqueues the ledger's overdue batches; `now` is injectable for tests. */
export async function sweepUnindexedBatches(env: Env, now = Date.now()): Promise<SweepResult> {
  const db = controlDb(env);
  const { results } = await db
    .prepare(
      `SELECT b.key, b.project_id FROM ingest_batches b LEFT JOIN ingest_failures f ON f.key = b.key AND f.dead_at IS NOT NULL
        WHERE b.enqueued_at <= CASE WHEN f.key IS NULL THEN ?1 ELSE ?2 END
        ORDER BY b.enqueued_at LIMIT ?3`,
    )
    .bind(now - SWEEP_AFTER_MS, now - SWEEP_DEAD_AFTER_MS, SWEEP_LIMIT)
    .all<{ key: string; project_id: string }>();
  if (results.length) {
    // Marked first: if the send fails, the next sweep (a minute on) tries again anyway.
    await db
      .prepare('UPDATE ingest_batches SET enqueued_at = ?1, sweeps = sweeps + 1 WHERE key IN (SELECT value FROM json_each(?2))')
      .bind(now, JSON.stringify(results.map((r) => r.key)))
      .run();
    const messages: IngestMessage[] = results.map((r) => ({ v: 1, project_id: r.project_id, key: r.key, swept: true }));
    await sendInBatches(env.INGEST_QUEUE, messages);
    console.log(`sweeper: re-sent ${messages.length} unindexed batch(es) to the ingest queue`);
  }
  const pending = await db.prepare('SELECT count(*) AS n FROM ingest_batches').first<{ n: number }>();
  return { resent: results.length, pending: pending?.n ?? 0 };
}
