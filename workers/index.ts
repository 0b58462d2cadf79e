/**
 * The Worker entry: wires the HTTP app, the queue consumers and the Durable Object classes. Logic lives in the modules it imports.
 */
import { app } from './app.ts';
import { consumeIngest, consumeIngestDeadLetters } from './store/ingest-consumer.ts';
import { consumeEvalDeadLetters, consumeEvals } from './evals/consumer.ts';
import { consumeReviewDeadLetters, consumeReviewRouting } from './review/consumer.ts';
import { runDueSchedules } from './insights/schedule.ts';
import { consumeExperimentSlotDeadLetters, consumeExperimentSlots } from './experiments/target-slots.ts';
import { redriveTargets } from './experiments/target.ts';

/** The review hub Durable Object class (one per project), bound as REVIEW_HUB. */
export { ReviewHub } from './review/hub/hub.ts';
/** The Insights report Workflow (one instance per report), bound as INSIGHTS_WORKFLOW. */
export { InsightsReportWorkflow } from './insights/workflow.ts';

/** Dispatches each queue's batches to its consumer (each checks its message bodies against schema/queues.ts). */
async function queue(batch: MessageBatch, env: Env): Promise<void> {
  switch (batch.queue) {
    case 'loupe-ingest':
      return consumeIngest(batch, env);
    case 'loupe-ingest-dlq':
      return consumeIngestDeadLetters(batch, env);
    case 'loupe-evals':
      return consumeEvals(batch, env);
    case 'loupe-evals-dlq':
      return consumeEvalDeadLetters(batch, env);
    case 'loupe-review':
      return consumeReviewRouting(batch, env);
    case 'loupe-review-dlq':
      return consumeReviewDeadLetters(batch);
    case 'loupe-experiments':
      return consumeExperimentSlots(batch, env);
    case 'loupe-experiments-dlq':
      return consumeExperimentSlotDeadLetters(batch);
    default:
      console.error(`no consumer for queue ${batch.queue}; retrying`);
      batch.retryAll();
  }
}

/** Cron Triggers (wrangler.toml [triggers]): the hourly pass over scheduled Insights reports, and re-driving server-side experiments whose queue slots were lost. */
async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  await runDueSchedules(env);
  await redriveTargets(env);
}

export default { fetch: app.fetch, queue, scheduled } satisfies ExportedHandler<Env>;
