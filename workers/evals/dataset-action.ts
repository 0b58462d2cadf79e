/**
 * A rule's "add to dataset" action: matched traces go to the datasets queue as ids only
 * (queue messages are <= 128 KB), and workers/datasets/consumer.ts adds them. Evals sits
 * below datasets on the floor plan, so it sends a message instead of calling up.
 */
import { MAX_TRACES_PER_DATASET_MESSAGE, type DatasetAddMessage } from '../../schema/queues.ts';
import { sendInBatches } from '../platform/queues.ts';
import type { Rule } from './rules.ts';

/** Sends the rule's matched traces to its dataset (nothing when the rule has no dataset action). */
export async function sendToDataset(env: Env, projectId: string, rule: Rule, traceIds: readonly string[]): Promise<void> {
  if (!rule.datasetId || !traceIds.length) return;
  const unique = [...new Set(traceIds)];
  const messages: DatasetAddMessage[] = [];
  for (let i = 0; i < unique.length; i += MAX_TRACES_PER_DATASET_MESSAGE) {
    messages.push({ v: 1, type: 'add_traces', project_id: projectId, dataset_id: rule.datasetId, rule_id: rule.id, trace_ids: unique.slice(i, i + MAX_TRACES_PER_DATASET_MESSAGE) });
  }
  await sendInBatches(env.DATASET_QUEUE, messages);
}
