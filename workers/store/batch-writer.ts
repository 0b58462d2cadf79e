/**
 * The durable half of write-behind ingest: a batch of normalized spans becomes one NDJSON
 * object in R2, then its key goes in the ledger (D1 `ingest_batches`) and on the "ingest"
 * queue. Only after all three succeed does a route acknowledge (202), so nothing
 * acknowledged is lost: a crashed indexer replays from R2, and a queue message that is
 * lost (local queues do not survive a killed process) is re-sent by the sweeper from the
 * ledger. Every ingest format (native, OTLP, LangSmith) ends here.
 */
import type { NormalizedSpan } from '../../schema/wire/span.ts';
import type { IngestMessage } from '../../schema/queues.ts';
import { batchKey, encodeBatch, isBatchOf, parseBatch } from './batch-format.ts';
import { prepareBatch, writeBatches } from './indexer.ts';
import { controlDb, dbFor } from '../platform/db.ts';
import { redactBatch } from './redaction/policy.ts';

/** Which API a batch came in through (kept as R2 object metadata, for debugging). */
export type IngestOrigin = 'native' | 'otlp' | 'langsmith' | 'demo' | 'judge' | 'import';

/**
 * Writes the batch to R2 and enqueues it for indexing; resolves once both are durable.
 * `key` is new for each call unless the caller names one (an import does, so a retried
 * import overwrites its own batch instead of adding a second copy to the log).
 */
export async function writeSpanBatch(env: Env, projectId: string, spans: readonly NormalizedSpan[], origin: IngestOrigin, key = batchKey(projectId)): Promise<{ key: string }> {
  if (!isBatchOf(projectId, key)) throw new Error(`batch key ${key} is outside project ${projectId}`);
  // PII redaction (off unless the project switched it on) before the first byte is stored.
  await env.BLOBS.put(key, encodeBatch(await redactBatch(env, projectId, spans)), {
    httpMetadata: { contentType: 'application/x-ndjson' },
    customMetadata: { project_id: projectId, spans: String(spans.length), origin },
  });
  await enqueueBatch(env, projectId, key, spans.length);
  return { key };
}

/**
 * Puts a durable batch in the ledger and on the ingest queue. After the R2 put (the ledger
 * must never name a batch that is not durable); the ledger row and the message go out
 * together, since either one is enough to get it indexed.
 */
async function enqueueBatch(env: Env, projectId: string, key: string, spans: number): Promise<void> {
  const message: IngestMessage = { v: 1, project_id: projectId, key };
  const now = Date.now();
  await Promise.all([
    controlDb(env).prepare('INSERT INTO ingest_batches (key, project_id, spans, created_at, enqueued_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING').bind(key, projectId, spans, now, now).run(),
    env.INGEST_QUEUE.send(message, { contentType: 'json' }),
  ]);
}

/**
 * Writes the batch to R2 and indexes it in D1 before resolving, for a writer that hands
 * out links to these spans right after (the evals consumer links each score to its judge
 * trace): through the queue, the trace would 404 until the indexer caught up (~0.5 s).
 * If the inline index fails, the batch goes on the queue like any other, so nothing is
 * lost; `indexed` says which happened. Indexing is idempotent, so no double rows.
 */
export async function writeIndexedSpanBatch(env: Env, projectId: string, spans: readonly NormalizedSpan[], origin: IngestOrigin): Promise<{ key: string; indexed: boolean }> {
  const key = batchKey(projectId);
  const body = new TextEncoder().encode(encodeBatch(await redactBatch(env, projectId, spans)));
  await env.BLOBS.put(key, body, {
    httpMetadata: { contentType: 'application/x-ndjson' },
    customMetadata: { project_id: projectId, spans: String(spans.length), origin },
  });
  try {
    await writeBatches(dbFor(env, projectId), [prepareBatch(projectId, key, parseBatch(body))], Date.now());
    return { key, indexed: true };
  } catch (err) {
    console.error(`inline index of ${key} failed; the ingest queue indexes it instead`, err);
    await enqueueBatch(env, projectId, key, spans.length);
    return { key, indexed: false };
  }
}
