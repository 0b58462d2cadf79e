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
import { sweepTraceSignals, sweepUnindexedBatches } from './store/sweeper.ts';
import { sweepEvalWork } from './evals/sweeper.ts';
import { sweepIdleThreads } from './evals/threads.ts';
import { continueKeyRotation } from './secrets/rotation.ts';
import { consumeDatasetAdds, consumeDatasetDeadLetters } from './datasets/consumer.ts';
import { connectDatasets } from './review/dataset-port.ts';
import { reviewDatasetPort } from './datasets/from-review.ts';
import { checkAlerts } from './monitoring/alert-check.ts';
import { runLifecycle } from './lifecycle/cron.ts';
import { runExportJobs } from './portability/export-job.ts';
import { runRollupPass } from './monitoring/rollup-pass.ts';

// Review reaches datasets (a higher floor) through a port: queues naming a dataset, finished reviews becoming examples.
connectDatasets(reviewDatasetPort);

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
    case 'loupe-datasets':
      return consumeDatasetAdds(batch, env);
    case 'loupe-datasets-dlq':
      return consumeDatasetDeadLetters(batch);
    default:
      console.error(`no consumer for queue ${batch.queue}; retrying`);
      batch.retryAll();
  }
}

/** The hourly cron (wrangler.toml [triggers]); the other one runs every minute. */
const HOURLY_CRON = '0 * * * *';

/**
 * Cron Triggers (wrangler.toml [triggers]): every minute the sweepers re-send what lost
 * queue messages left behind (unindexed batches, trace signals, evaluation jobs, server-side
 * experiments' worker slots), thread rules pick up conversations that have gone idle, and,
 * during a key rotation, secrets are re-encrypted; retention passes and deletion jobs take
 * their next chunks (workers/lifecycle), export jobs their next parts (workers/portability), and stale dashboard roll-ups are rebuilt; hourly, the pass over scheduled
 * Insights reports.
 */
async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  if (controller.cron === HOURLY_CRON) return void (await runDueSchedules(env));
  // Each on its own: one failing must not keep the others from running.
  // continueKeyRotation only does work while ENCRYPTION_KEY_PREVIOUS is set.
  const results = await Promise.allSettled([sweepUnindexedBatches(env), sweepTraceSignals(env), sweepEvalWork(env), sweepIdleThreads(env), continueKeyRotation(env), redriveTargets(env), checkAlerts(env), runLifecycle(env), runExportJobs(env), runRollupPass(env)]);
  for (const r of results) if (r.status === 'rejected') console.error('sweep failed', r.reason);
}

export default { fetch: app.fetch, queue, scheduled } satisfies ExportedHandler<Env>;
