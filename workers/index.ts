/**
 * The Worker entry: wires the HTTP app, the queue consumers and (as they arrive) cron
 * jobs and Durable Object classes. Logic lives in the modules it imports.
 */
import { app } from './app.ts';
import type { EvalMessage, IngestMessage } from '../schema/queues.ts';
import { consumeIngest, consumeIngestDeadLetters } from './store/ingest-consumer.ts';
import { consumeEvalDeadLetters, consumeEvals } from './evals/consumer.ts';

/** Dispatches each queue's batches to its consumer. */
async function queue(batch: MessageBatch, env: Env): Promise<void> {
  switch (batch.queue) {
    case 'loupe-ingest':
      return consumeIngest(batch as MessageBatch<IngestMessage>, env);
    case 'loupe-ingest-dlq':
      return consumeIngestDeadLetters(batch as MessageBatch<IngestMessage>, env);
    case 'loupe-evals':
      return consumeEvals(batch as MessageBatch<EvalMessage>, env);
    case 'loupe-evals-dlq':
      return consumeEvalDeadLetters(batch as MessageBatch<EvalMessage>, env);
    default:
      console.error(`no consumer for queue ${batch.queue}; retrying`);
      batch.retryAll();
  }
}

export default { fetch: app.fetch, queue } satisfies ExportedHandler<Env>;
