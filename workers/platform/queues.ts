/**
 * Helpers every queue consumer and producer shares. Cloudflare Queues: a message body is
 * at most 128 KB (so messages carry ids and R2 keys, never payloads), and `sendBatch`
 * takes at most 100 messages (and 256 KB) per call.
 */
import type { z } from 'zod';
import { backoff } from './retry.ts';

/** Queues: sendBatch takes at most 100 messages per call ... */
const SEND_BATCH = 100;
/** ... and 256 KB in all; leave room for per-message overhead. */
const SEND_BATCH_BYTES = 200_000;

/** Seconds before a consumer retries a message on its nth attempt (1-based): 2, 4, 8, ... capped (default 5 minutes). */
export function retryDelaySeconds(attempts: number, capSeconds = 300): number {
  return backoff(Math.max(1, attempts), { base: 1, cap: capSeconds });
}

/**
 * The messages whose body matches `schema` (the message shapes of schema/queues.ts). A body
 * that does not match is logged and acked: it could never be handled, and retrying it would
 * only move it to the dead-letter queue after max_retries.
 */
export function validMessages<S extends z.ZodType>(messages: readonly Message<unknown>[], schema: S, queue: string): Message<z.output<S>>[] {
  const out: Message<z.output<S>>[] = [];
  for (const m of messages) {
    const parsed = schema.safeParse(m.body);
    if (parsed.success) out.push(m as Message<z.output<S>>);
    else {
      const issue = parsed.error.issues[0];
      console.error(`queue ${queue}: dropped malformed message ${m.id} (${issue.path.join('.') || 'body'}: ${issue.message}): ${JSON.stringify(m.body)?.slice(0, 300)}`);
      m.ack();
    }
  }
  return out;
}

/** A batch's messages grouped by project, in arrival order (work is scoped and retried per project). */
export function byProject<T extends { project_id: string }>(messages: readonly Message<T>[]): Map<string, Message<T>[]> {
  const out = new Map<string, Message<T>[]>();
  for (const m of messages) {
    let list = out.get(m.body.project_id);
    if (!list) out.set(m.body.project_id, (list = []));
    list.push(m);
  }
  return out;
}

/** Sends message bodies as JSON in batches the queue accepts (by count and by size), optionally delayed. */
export async function sendInBatches<T>(queue: Queue<T>, bodies: readonly T[], opts: { delaySeconds?: number } = {}): Promise<void> {
  const extra = opts.delaySeconds ? { delaySeconds: opts.delaySeconds } : {};
  let batch: MessageSendRequest<T>[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = JSON.stringify(body).length;
    if (batch.length && (batch.length === SEND_BATCH || bytes + size > SEND_BATCH_BYTES)) {
      await queue.sendBatch(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ body, contentType: 'json', ...extra });
    bytes += size;
  }
  if (batch.length) await queue.sendBatch(batch);
}
