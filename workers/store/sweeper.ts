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
 *
 * The same for trace signals (`sweepTraceSignals`): a "trace completed" or "look at it
 * again" message overdue by a minute is re-sent, without delay, to the evaluation rules or
 * the routing rules; both match a trace at most once per rule, so a signal handled twice
 * changes nothing.
 */
import type { IngestMessage, ReviewRouteMessage, TracesCompletedMessage } from '../../schema/queues.ts';
import { MAX_TRACES_PER_COMPLETED_MESSAGE, MAX_TRACES_PER_ROUTE_MESSAGE } from '../../schema/queues.ts';
import { controlDb, projectDatabases } from '../platform/db.ts';
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

/** Re-sends overdue trace signals (evaluation and routing); `now` is injectable for tests. */
export async function sweepTraceSignals(env: Env, now = Date.now()): Promise<{ resent: number }> {
  let resent = 0;
  for (const db of projectDatabases(env)) {
    const { results } = await db
      .prepare('SELECT project_id, channel, trace_id, updated_at FROM trace_signals WHERE due_at <= ? ORDER BY due_at LIMIT ?')
      .bind(now - SWEEP_AFTER_MS, SWEEP_LIMIT)
      .all<{ project_id: string; channel: 'evals' | 'review'; trace_id: string; updated_at: number }>();
    if (!results.length) continue;
    // Marked first (due again a minute on), so a failed send is retried by the next sweep.
    await db
      .prepare(
        `UPDATE trace_signals SET due_at = ?1, sweeps = sweeps + 1 WHERE EXISTS (SELECT 1 FROM json_each(?2) j
           WHERE j.value ->> 0 = trace_signals.project_id AND j.value ->> 1 = trace_signals.channel AND j.value ->> 2 = trace_signals.trace_id)`,
      )
      .bind(now, JSON.stringify(results.map((r) => [r.project_id, r.channel, r.trace_id])))
      .run();
    const groups = new Map<string, typeof results>();
    for (const r of results) {
      const k = `${r.channel}\n${r.project_id}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const evals: TracesCompletedMessage[] = [];
    const review: ReviewRouteMessage[] = [];
    for (const rows of groups.values()) {
      const { channel, project_id } = rows[0];
      const size = channel === 'evals' ? MAX_TRACES_PER_COMPLETED_MESSAGE : MAX_TRACES_PER_ROUTE_MESSAGE;
      for (let i = 0; i < rows.length; i += size) {
        const chunk = rows.slice(i, i + size);
        if (channel === 'evals') evals.push({ v: 1, type: 'traces_completed', project_id, traces: chunk.map((r) => [r.trace_id, r.updated_at]) });
        // `at` is the signal's own time, so the consumer clears exactly this row.
        else for (const r of chunk) review.push({ v: 1, type: 'route', project_id, reason: 'completed', trace_ids: [r.trace_id], at: r.updated_at });
      }
    }
    await sendInBatches(env.EVAL_QUEUE, evals);
    await sendInBatches(env.REVIEW_QUEUE, review);
    resent += results.length;
    console.log(`sweeper: re-sent ${results.length} overdue trace signal(s)`);
  }
  return { resent };
}
