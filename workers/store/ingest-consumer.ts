/**
 * Consumers of the "ingest" queue and its dead-letter queue.
 * A message is acked only after its batch is committed to D1 and taken off the ledger
 * (workers/store/sweeper.ts re-sends what is left there); a failure retries it with
 * backoff (the indexer is idempotent, so redelivery never duplicates). After max_retries
 * the platform moves it to the dead-letter queue, whose consumer records it in D1
 * (`ingest_failures`); the R2 object is never deleted, so it can be replayed.
 */
import { IngestMessage, MAX_TRACES_PER_COMPLETED_MESSAGE, type TracesCompletedMessage } from '../../schema/queues.ts';
import { controlDb, ProjectMovingError, shardMapTtlMs } from '../platform/db.ts';
import { retryDelaySeconds, sendInBatches, validMessages } from '../platform/queues.ts';
import { indexBatch } from './indexer.ts';
import { signalRouting } from './review-signal.ts';
import { recordSignals } from './signal-ledger.ts';

/**
 * A message older than this whose batch is no longer in the ledger was already indexed
 * through another copy. Younger ones are indexed regardless: the ledger row and the
 * message are written at the same time, so a fresh message can arrive a moment before its
 * row is visible.
 */
const STALE_COPY_MS = 30_000;

/**
 * The messages of `messages` whose batch is already indexed: off the ledger, and either a
 * sweeper's re-send or older than STALE_COPY_MS. Under a backlog longer than the sweeper's
 * minute, the sweeper re-sends every waiting batch each minute; without this check each
 * copy would index its batch again (harmless, idempotent, but it multiplied the indexer's
 * work exactly when it was already behind: the soak's growing ack latency).
 */
async function alreadyIndexed(env: Env, messages: Message<IngestMessage>[], now: number): Promise<Set<Message<IngestMessage>>> {
  const candidates = messages.filter((m) => m.body.swept || now - m.timestamp.getTime() > STALE_COPY_MS);
  if (!candidates.length) return new Set();
  const { results } = await controlDb(env)
    .prepare('SELECT key FROM ingest_batches WHERE key IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(candidates.map((m) => m.body.key)))
    .all<{ key: string }>();
  const waiting = new Set(results.map((r) => r.key));
  return new Set(candidates.filter((m) => !waiting.has(m.body.key)));
}

/**
 * How long a batch of a project being moved waits before it is tried again: six shard-map
 * TTLs (30 s deployed), so its five retries span a few minutes; a longer move leaves it to
 * the dead-letter queue and the sweeper, which re-sends it from the ledger.
 */
const movingRetrySeconds = (env: Env) => Math.max(1, Math.ceil((6 * shardMapTtlMs(env)) / 1000));

/** Handles a batch from the "ingest" queue. */
export async function consumeIngest(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const messages = [...validMessages(batch.messages, IngestMessage, batch.queue)];
  const done = await alreadyIndexed(env, messages, Date.now()).catch((err) => {
    console.error('ledger check failed; indexing every message', err);
    return new Set<Message<IngestMessage>>();
  });
  for (const message of messages) {
    if (done.has(message)) {
      message.ack();
      continue;
    }
    try {
      const { completed } = await indexBatch(env, message.body);
      await signalCompleted(env, message.body.project_id, completed);
      // Off the ledger once committed. If this delete is lost, the sweeper re-sends the
      // batch and the indexer runs it again idempotently: redone, never doubled.
      const db = controlDb(env);
      const clear = [db.prepare('DELETE FROM ingest_batches WHERE key = ?').bind(message.body.key)];
      if (message.attempts > 1 || message.body.swept) clear.push(db.prepare('DELETE FROM ingest_failures WHERE key = ?').bind(message.body.key));
      await db.batch(clear).catch((err) => console.error(`ledger: ${message.body.key} indexed but not cleared (the sweeper will redo it)`, err));
      message.ack();
    } catch (err) {
      if (err instanceof ProjectMovingError) {
        // The project is being moved between shards: index it once the move is done. The
        // batch stays in R2 and on the ledger, so the sweeper re-sends it should this
        // message run out of retries meanwhile.
        message.retry({ delaySeconds: movingRetrySeconds(env) });
        continue;
      }
      console.error(`indexing ${message.body.key} failed (attempt ${message.attempts})`, err);
      await recordFailure(env, message.body, message.attempts, String((err as Error)?.message ?? err), null).catch(() => {});
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

/**
 * Tells the later steps which traces now have an ended root span, delayed by the quiet
 * period for late children (TRACE_QUIET_SECONDS): the evals queue (rules match a trace once
 * no span arrived during the delay) and the review queue (annotation-queue routing rules).
 * Review hears it here, not through the evals consumer, so a judge backlog never delays
 * human routing. The store imports neither step: data flows one way, through the queues.
 * Sent before the ack, so a failure re-indexes (idempotent) and re-sends rather than
 * losing the signal; routing a trace twice is harmless (it enters a queue once).
 */
export async function signalCompleted(env: Env, projectId: string, completed: [string, number][]): Promise<void> {
  if (!completed.length) return;
  const quiet = Number(env.TRACE_QUIET_SECONDS ?? 10);
  const delaySeconds = Number.isFinite(quiet) && quiet > 0 ? Math.min(3600, Math.round(quiet)) : 0;
  const evals: TracesCompletedMessage[] = [];
  for (let i = 0; i < completed.length; i += MAX_TRACES_PER_COMPLETED_MESSAGE) {
    evals.push({ v: 1, type: 'traces_completed', project_id: projectId, traces: completed.slice(i, i + MAX_TRACES_PER_COMPLETED_MESSAGE) });
  }
  // In the ledger first: a delayed message is the one a crash most easily loses.
  await recordSignals(env, projectId, 'evals', completed, Date.now() + delaySeconds * 1000);
  await sendInBatches(env.EVAL_QUEUE, evals, { delaySeconds });
  await signalRouting(env, projectId, completed.map(([traceId]) => traceId), 'completed', { delaySeconds });
}

/** Handles the dead-letter queue: the batch exhausted its retries; keep a durable record. */
export async function consumeIngestDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of validMessages(batch.messages, IngestMessage, batch.queue)) {
    await recordFailure(env, message.body, message.attempts, null, Date.now());
    message.ack();
  }
}

async function recordFailure(env: Env, body: IngestMessage, attempts: number, error: string | null, deadAt: number | null): Promise<void> {
  await controlDb(env)
    .prepare(
      `INSERT INTO ingest_failures (key, project_id, attempts, last_error, failed_at, dead_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET attempts = max(attempts, excluded.attempts),
         last_error = COALESCE(excluded.last_error, last_error), failed_at = excluded.failed_at,
         dead_at = COALESCE(excluded.dead_at, dead_at)`,
    )
    .bind(body.key, body.project_id, attempts, error, Date.now(), deadAt)
    .run();
}
