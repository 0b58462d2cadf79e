/**
 * Consumer of queue "review": routing signals (traces completed, or got feedback or
 * scores) are matched against the project's routing rules and the matches enter their
 * queues in the project's review hub. Messages of one project are matched together. A
 * failure retries the project's messages with backoff; matching is idempotent (a trace
 * enters a queue at most once), so a redelivered message changes nothing.
 */
import { ReviewRouteMessage } from '../../schema/queues.ts';
import { byProject, retryDelaySeconds, validMessages } from '../platform/queues.ts';
import { routeTraces } from './routing.ts';
import { clearSignals } from '../store/signal-ledger.ts';

/** Handles a batch from the "review" queue. */
export async function consumeReviewRouting(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const [projectId, messages] of byProject(validMessages(batch.messages, ReviewRouteMessage, batch.queue))) {
    try {
      await routeTraces(env, projectId, messages.flatMap((m) => m.body.trace_ids));
      await clearSignals(env, projectId, 'review', messages.flatMap((m) => m.body.trace_ids.map((t) => [t, m.body.at] as const)));
      for (const m of messages) m.ack();
    } catch (err) {
      console.error(`review routing for project ${projectId} failed (attempt ${messages[0].attempts})`, err);
      for (const m of messages) m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
    }
  }
}

/** Signals that kept failing: logged with their traces, so an operator can add them by hand. */
export async function consumeReviewDeadLetters(batch: MessageBatch<unknown>): Promise<void> {
  for (const m of validMessages(batch.messages, ReviewRouteMessage, batch.queue)) {
    console.error(`dead-lettered review routing signal for project ${m.body.project_id} (${m.body.reason}): traces ${m.body.trace_ids.join(', ')} were not matched against routing rules`);
    m.ack();
  }
}
