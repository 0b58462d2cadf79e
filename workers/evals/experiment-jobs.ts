/**
 * Scoring experiment runs with the experiment's evaluators: one `evaluate` job per (run
 * trace, evaluator) on the evals queue, logged in `eval_results` under the pseudo rule
 * `exp:<experiment id>`, so jobs.ts runs them exactly like rule jobs (and reads the run's
 * dataset example for `example.*` sources, examples.ts).
 *
 * Two moments send them, whichever comes second finds the other's work done:
 * - runs recorded while their trace is already indexed and ended (experiments room), and
 * - a trace completing (traces_completed) that an already recorded run names.
 * Re-scoring with another evaluator later sends the same jobs for that evaluator alone.
 *
 * Idempotent: the score's feedback id is (evaluator, version, trace), the run log row is
 * keyed by (rule, run, trace, evaluator), so a retried request, a duplicate message or both
 * moments firing write one score per run and evaluator.
 */
import type { EvaluateMessage } from '../../schema/queues.ts';
import { dbFor } from '../platform/db.ts';
import { sendInBatches } from '../platform/queues.ts';

/** The run-log rule id of an experiment's scoring jobs. */
export const experimentRuleId = (experimentId: string) => `exp:${experimentId}`;

/** Run ids: scored as the runs arrive, or asked for later (POST /v1/experiments/{id}/score). */
export type ExperimentScoringRun = 'auto' | 'rescore';

/** One job to send: a run trace and an evaluator. */
export interface ExperimentJob {
  experimentId: string;
  traceId: string;
  evaluatorId: string;
}

/**
 * Records the jobs as `queued` (rows already there, e.g. scored, are left as they are),
 * then sends them. A crash between the two leaves queued rows without messages; the next
 * moment or a re-score request sends them again.
 */
export async function dispatchExperimentJobs(env: Env, projectId: string, runId: ExperimentScoringRun, jobs: readonly ExperimentJob[]): Promise<number> {
  if (!jobs.length) return 0;
  const db = dbFor(env, projectId);
  const now = Date.now();
  // D1: 100 bound parameters per statement, so the jobs go in as one JSON parameter, 1,000 at a time.
  const insert = db.prepare(
    `INSERT INTO eval_results (project_id, rule_id, run_id, trace_id, span_id, evaluator_id, status, attempts, created_at, updated_at)
     SELECT ?1, j.value ->> 0, ?2, j.value ->> 1, '', j.value ->> 2, 'queued', 0, ?3, ?3 FROM json_each(?4) j WHERE true
     ON CONFLICT (project_id, rule_id, run_id, trace_id, span_id, evaluator_id) DO NOTHING`,
  );
  const rows = jobs.map((j) => [experimentRuleId(j.experimentId), j.traceId, j.evaluatorId]);
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += 1000) statements.push(insert.bind(projectId, runId, now, JSON.stringify(rows.slice(i, i + 1000))));
  await db.batch(statements);
  const messages: EvaluateMessage[] = jobs.map((j) => ({ v: 1, type: 'evaluate', project_id: projectId, rule_id: experimentRuleId(j.experimentId), run_id: runId, trace_id: j.traceId, evaluator_id: j.evaluatorId }));
  await sendInBatches(env.EVAL_QUEUE, messages);
  return messages.length;
}

/**
 * The scoring jobs of traces that just completed: each trace an experiment run names,
 * times its experiment's evaluators. Called from traces_completed handling.
 */
export async function scoreCompletedExperimentRuns(env: Env, projectId: string, traceIds: readonly string[]): Promise<number> {
  if (!traceIds.length) return 0;
  const { results } = await dbFor(env, projectId)
    .prepare(
      // CROSS JOIN keeps the trace list as the outer loop: one index lookup (experiment_runs_trace) per trace.
      `SELECT DISTINCT r.experiment_id, r.trace_id, ev.value AS evaluator_id FROM json_each(?2) k
       CROSS JOIN experiment_runs r ON r.project_id = ?1 AND r.trace_id = k.value
       JOIN experiments e ON e.project_id = r.project_id AND e.id = r.experiment_id
       JOIN json_each(e.evaluators) ev`,
    )
    .bind(projectId, JSON.stringify(traceIds))
    .all<{ experiment_id: string; trace_id: string; evaluator_id: string }>();
  return dispatchExperimentJobs(
    env,
    projectId,
    'auto',
    results.map((r) => ({ experimentId: r.experiment_id, traceId: r.trace_id, evaluatorId: r.evaluator_id })),
  );
}
