/**
 * Routing signals: "look at these traces again" messages on queue "review". Feedback
 * writers send them after the write is stored, so a rule like `feedback.thumbs=0` routes
 * the trace; the review consumer (consumer.ts) does the matching. Only a message is sent,
 * so writers never depend on the review hub being reachable.
 */
import type { ReviewRouteMessage } from '../../schema/queues.ts';
import { MAX_TRACES_PER_ROUTE_MESSAGE } from '../../schema/queues.ts';

/** Sends routing signals for traces (chunked: queue messages are <= 128 KB). */
export async function signalRouting(env: Env, projectId: string, traceIds: string[], reason: ReviewRouteMessage['reason']): Promise<void> {
  const unique = [...new Set(traceIds)];
  for (let i = 0; i < unique.length; i += MAX_TRACES_PER_ROUTE_MESSAGE) {
    const msg: ReviewRouteMessage = { v: 1, type: 'route', project_id: projectId, reason, trace_ids: unique.slice(i, i + MAX_TRACES_PER_ROUTE_MESSAGE), at: Date.now() };
    await env.REVIEW_QUEUE.send(msg, { contentType: 'json' });
  }
}
