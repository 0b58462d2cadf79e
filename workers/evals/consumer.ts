/**
 * Consumers of the "evals" queue and its dead-letter queue. Three message types:
 * `traces_completed` (from the indexer, after the quiet period) and `backfill` pages are
 * matched against rules and fan out `evaluate` jobs, which run in batches (jobs.ts).
 * A message whose handling throws is retried with backoff; after max_retries the
 * platform moves it to the dead-letter queue, whose consumer records it in the run log.
 */
import { EvalMessage, type EvaluateMessage } from '../../schema/queues.ts';
import { dbFor } from '../platform/db.ts';
import { retryDelaySeconds, validMessages } from '../platform/queues.ts';
import { matchCompletedTraces, scanBackfillPage } from './matching.ts';
import { runEvaluateBatch } from './jobs.ts';
import { clearSignals } from '../store/signal-ledger.ts';

/** Handles a batch from the "evals" queue. */
export async function consumeEvals(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const jobs: Message<EvaluateMessage>[] = [];
  for (const message of validMessages(batch.messages, EvalMessage, batch.queue)) {
    const body = message.body;
    if (body.type === 'evaluate') {
      jobs.push(message as Message<EvaluateMessage>);
      continue;
    }
    try {
      if (body.type === 'traces_completed') {
        await matchCompletedTraces(env, body);
        await clearSignals(env, body.project_id, 'evals', body.traces);
      }
      else if (body.type === 'backfill') await scanBackfillPage(env, body);
      else console.error('unknown evals message', body);
      message.ack();
    } catch (err) {
      console.error(`evals ${body.type} message for project ${body.project_id} failed (attempt ${message.attempts})`, err);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
  if (jobs.length) await runEvaluateBatch(env, jobs);
}

/** Handles the dead-letter queue: keep a durable record of what could not be done. */
export async function consumeEvalDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of validMessages(batch.messages, EvalMessage, batch.queue)) {
    const body = message.body;
    const now = Date.now();
    try {
      if (body.type === 'evaluate') {
        await dbFor(env, body.project_id)
          .prepare(
            `INSERT INTO eval_results (project_id, rule_id, run_id, trace_id, span_id, evaluator_id, status, error_code, error, attempts, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, 'failed', 'internal', ?, ?, ?, ?)
             ON CONFLICT (project_id, rule_id, run_id, trace_id, span_id, evaluator_id) DO UPDATE SET
               status = 'failed', error_code = 'internal', error = excluded.error, attempts = excluded.attempts, updated_at = excluded.updated_at
             WHERE eval_results.status = 'queued'`,
          )
          .bind(body.project_id, body.rule_id, body.run_id, body.trace_id, body.span_id ?? '', body.evaluator_id, `the job kept crashing and was dead-lettered after ${message.attempts} attempts`, message.attempts, now, now)
          .run();
      } else if (body.type === 'backfill') {
        await dbFor(env, body.project_id)
          .prepare("UPDATE eval_runs SET status = 'failed', error = ?, updated_at = ? WHERE project_id = ? AND rule_id = ? AND id = ?")
          .bind(`a backfill page kept failing and was dead-lettered after ${message.attempts} attempts`, now, body.project_id, body.rule_id, body.run_id)
          .run();
      } else {
        console.error(`dead-lettered traces_completed for project ${body.project_id}: ${body.traces.length} traces not matched against rules`);
      }
    } catch (err) {
      console.error('recording a dead-lettered evals message failed', err);
    }
    message.ack();
  }
}
