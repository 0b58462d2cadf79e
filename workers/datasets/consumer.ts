/**
 * Consumer of the "datasets" queue: rules' "add to dataset" actions. Each message names
 * matched, completed traces; they are added as one version per message, each under an id
 * derived from (dataset, trace) and skipped if already there, so redelivery (or the
 * matcher sending the same traces again) adds nothing twice and makes no new version.
 */
import { DatasetAddMessage } from '../../schema/queues.ts';
import { ApiError } from '../platform/errors.ts';
import { retryDelaySeconds, validMessages } from '../platform/queues.ts';
import { addTraces } from './from-traces.ts';

/** Handles a batch from the "datasets" queue. */
export async function consumeDatasetAdds(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of validMessages(batch.messages, DatasetAddMessage, batch.queue)) {
    const m = message.body;
    try {
      await addTraces(env, m.project_id, m.dataset_id, m.trace_ids, { message: `added by rule ${m.rule_id}`, metadata: { rule_id: m.rule_id }, skipInvalid: true });
      message.ack();
    } catch (err) {
      // A dataset that is gone cannot come back under its id: retrying could never succeed.
      if (err instanceof ApiError && err.status === 404) {
        console.error(`datasets: rule ${m.rule_id} names dataset ${m.dataset_id}, which is not in project ${m.project_id}; ${m.trace_ids.length} traces not added`);
        message.ack();
        continue;
      }
      console.error(`datasets: adding ${m.trace_ids.length} traces to ${m.dataset_id} failed (attempt ${message.attempts})`, err);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

/** Handles the dead-letter queue: log what could not be added (re-running the rule's filter adds them). */
export async function consumeDatasetDeadLetters(batch: MessageBatch<unknown>): Promise<void> {
  for (const message of validMessages(batch.messages, DatasetAddMessage, batch.queue)) {
    const m = message.body;
    console.error(`dead-lettered dataset add for project ${m.project_id}, dataset ${m.dataset_id} (rule ${m.rule_id}): traces ${m.trace_ids.join(', ')}`);
    message.ack();
  }
}
