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
import { batchKey, encodeBatch } from './batch-format.ts';
import { controlDb } from '../platform/db.ts';

/** Which API a batch came in through (kept as R2 object metadata, for debugging). */
export type IngestOrigin = 'native' | 'otlp' | 'langsmith' | 'demo' | 'judge';

/** Writes the batch to R2 and enqueues it for indexing; resolves once both are durable. */
export async function writeSpanBatch(env: Env, projectId: string, spans: readonly NormalizedSpan[], origin: IngestOrigin): Promise<{ key: string }> {
  const key = batchKey(projectId);
  await env.BLOBS.put(key, encodeBatch(spans), {
    httpMetadata: { contentType: 'application/x-ndjson' },
    customMetadata: { project_id: projectId, spans: String(spans.length), origin },
  });
  const message: IngestMessage = { v: 1, project_id: projectId, key };
  const now = Date.now();
  // After the R2 put (the ledger must never name a batch that is not durable); the ledger
  // row and the message go out together, since either one is enough to get it indexed.
  await Promise.all([
    controlDb(env).prepare('INSERT INTO ingest_batches (key, project_id, spans, created_at, enqueued_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING').bind(key, projectId, spans.length, now, now).run(),
    env.INGEST_QUEUE.send(message, { contentType: 'json' }),
  ]);
  return { key };
}
