/**
 * Routing signals: "look at these traces again" messages on queue "review". The ingest
 * consumer sends them for completed traces, and the feedback writer after every stored
 * write, so a rule like `feedback.thumbs=0` routes the trace; the review consumer
 * (workers/review/consumer.ts) does the matching. Only a message is sent, so writers never
 * depend on the review hub being reachable.
 */
import type { ReviewRouteMessage } from '../../schema/queues.ts';
import { MAX_TRACES_PER_ROUTE_MESSAGE } from '../../schema/queues.ts';
import { sendInBatches } from '../platform/queues.ts';
import { recordSignals } from './signal-ledger.ts';

/** Sends routing signals for traces (chunked: queue messages are <= 128 KB). */
export async function signalRouting(env: Env, projectId: string, traceIds: readonly string[], reason: ReviewRouteMessage['reason'], opts: { delaySeconds?: number } = {}): Promise<void> {
  const unique = [...new Set(traceIds)];
  const at = Date.now();
  const messages: ReviewRouteMessage[] = [];
  for (let i = 0; i < unique.length; i += MAX_TRACES_PER_ROUTE_MESSAGE) {
    messages.push({ v: 1, type: 'route', project_id: projectId, reason, trace_ids: unique.slice(i, i + MAX_TRACES_PER_ROUTE_MESSAGE), at });
  }
  // In the ledger first (cleared by the review consumer), so a lost message is re-sent.
  await recordSignals(env, projectId, 'review', unique.map((t) => [t, at] as const), at + (opts.delaySeconds ?? 0) * 1000);
  await sendInBatches(env.REVIEW_QUEUE, messages, opts);
}
