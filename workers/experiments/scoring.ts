/**
 * Re-scoring an existing experiment with another evaluator, and the scoring progress of an
 * experiment. The jobs themselves are the evals room's (workers/evals/experiment-jobs.ts);
 * scoring runs as they arrive is score-runs.ts.
 */
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { dispatchExperimentJobs, experimentRuleId } from '../evals/experiment-jobs.ts';
import { getExperiment } from './experiments.ts';
import { checkEvaluators } from './score-runs.ts';

/** What a re-score request started. */
export interface RescoreResult {
  experiment_id: string;
  evaluators: string[];
  /** Jobs sent (runs with a trace, times evaluators); runs already scored by the same evaluator version are skipped by the job. */
  queued: number;
  /** Runs whose trace Loupe does not hold (yet): nothing to score. */
  runs_without_trace: number;
}

/**
 * Scores an existing experiment with more evaluators: each is added to the experiment's
 * list (so runs posted later get it too) and a job is sent per run with a trace.
 * Asking again sends the jobs again, and each finds its score already written.
 */
export async function rescoreExperiment(env: Env, projectId: string, idOrName: string, evaluatorIds: readonly string[]): Promise<RescoreResult> {
  const e = await getExperiment(env, projectId, idOrName);
  await checkEvaluators(env, projectId, evaluatorIds, 'evaluators');
  const db = dbFor(env, projectId);
  const evaluators = [...new Set([...e.evaluators, ...evaluatorIds])];
  await db.prepare('UPDATE experiments SET evaluators = ?3, updated_at = ?4 WHERE project_id = ?1 AND id = ?2').bind(projectId, e.id, JSON.stringify(evaluators), Date.now()).run();
  const { results } = await db
    .prepare(
      `SELECT r.trace_id, (t.trace_id IS NOT NULL) AS traced FROM experiment_runs r
       LEFT JOIN traces t ON t.project_id = r.project_id AND t.trace_id = r.trace_id
       WHERE r.project_id = ?1 AND r.experiment_id = ?2`,
    )
    .bind(projectId, e.id)
    .all<{ trace_id: string; traced: number }>();
  const traced = [...new Set(results.filter((r) => r.traced).map((r) => r.trace_id))];
  const wanted = [...new Set(evaluatorIds)];
  const queued = await dispatchExperimentJobs(env, projectId, 'rescore', traced.flatMap((traceId) => wanted.map((evaluatorId) => ({ experimentId: e.id, traceId, evaluatorId }))));
  return { experiment_id: e.id, evaluators: wanted, queued, runs_without_trace: results.filter((r) => !r.traced).length };
}

/** Per evaluator, how many of the experiment's scoring jobs are in each state. */
export interface ScoringStatus {
  experiment_id: string;
  evaluators: { evaluator_id: string; queued: number; scored: number; failed: number; skipped: number }[];
  /** True when no job is still queued. */
  done: boolean;
}

/** The scoring progress of an experiment (both the as-they-arrive and the re-score jobs). */
export async function scoringStatus(env: Env, projectId: string, idOrName: string): Promise<ScoringStatus> {
  const e = await getExperiment(env, projectId, idOrName);
  // The as-they-arrive and the re-score run may both hold a row for one (trace, evaluator):
  // each counts once, by its most telling state (in flight, else scored, else failed).
  const { results } = await dbFor(env, projectId)
    .prepare(
      `SELECT evaluator_id, CASE MAX(CASE status WHEN 'queued' THEN 4 WHEN 'scored' THEN 3 WHEN 'failed' THEN 2 ELSE 1 END)
         WHEN 4 THEN 'queued' WHEN 3 THEN 'scored' WHEN 2 THEN 'failed' ELSE 'skipped' END AS status, COUNT(*) AS n
       FROM (SELECT evaluator_id, trace_id, span_id, status FROM eval_results WHERE project_id = ?1 AND rule_id = ?2 AND status != 'expanded')
       GROUP BY evaluator_id, trace_id, span_id`,
    )
    .bind(projectId, experimentRuleId(e.id))
    .all<{ evaluator_id: string; status: string; n: number }>();
  const by = new Map<string, ScoringStatus['evaluators'][number]>();
  for (const id of e.evaluators) by.set(id, { evaluator_id: id, queued: 0, scored: 0, failed: 0, skipped: 0 });
  for (const r of results) {
    let row = by.get(r.evaluator_id);
    if (!row) by.set(r.evaluator_id, (row = { evaluator_id: r.evaluator_id, queued: 0, scored: 0, failed: 0, skipped: 0 }));
    if (r.status === 'queued' || r.status === 'scored' || r.status === 'failed' || r.status === 'skipped') row[r.status] += 1;
  }
  const evaluators = [...by.values()];
  return { experiment_id: e.id, evaluators, done: evaluators.every((x) => x.queued === 0) };
}
