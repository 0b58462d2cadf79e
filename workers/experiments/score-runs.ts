/**
 * Scoring runs as they arrive: the evaluators chosen at creation score each run once its
 * trace is indexed and ended (now, when the runs are recorded after their trace, else when
 * the trace completes: workers/evals/experiment-jobs.ts). Kept apart from scoring.ts so
 * experiments.ts can call it without an import circle.
 */
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { loadEvaluator } from '../evals/evaluators.ts';
import { dispatchExperimentJobs } from '../evals/experiment-jobs.ts';
import type { ExperimentOut } from '../../schema/wire/experiments.ts';

/** Checks that every id names a live evaluator of the project; the 400 names the entry at fault. */
export async function checkEvaluators(env: Env, projectId: string, ids: readonly string[], field = 'evaluators'): Promise<void> {
  for (const [i, id] of ids.entries()) {
    const ev = await loadEvaluator(env, projectId, id);
    if (!ev || ev.deletedAt) throw new ApiError(400, 'invalid_request', `${field}[${i}]: evaluator '${id}' not found in this project`, `${field}[${i}]`);
  }
}

/** Which of the traces are indexed with an ended root: the ones an evaluator can score now. */
async function endedTraces(env: Env, projectId: string, traceIds: readonly string[]): Promise<string[]> {
  if (!traceIds.length) return [];
  // D1: 100 bound parameters per statement, so the ids go in as one JSON parameter.
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT trace_id FROM traces WHERE project_id = ?1 AND root_ended = 1 AND trace_id IN (SELECT value FROM json_each(?2))')
    .bind(projectId, JSON.stringify(traceIds))
    .all<{ trace_id: string }>();
  return results.map((r) => r.trace_id);
}

/**
 * After runs are recorded: score those whose trace is already complete. The others are
 * scored when their trace completes (the evals room's traces_completed handling).
 */
export async function scoreRecordedRuns(env: Env, projectId: string, e: ExperimentOut, traceIds: readonly string[]): Promise<number> {
  if (!e.evaluators.length || !traceIds.length) return 0;
  const ready = await endedTraces(env, projectId, [...new Set(traceIds)]);
  return dispatchExperimentJobs(env, projectId, 'auto', ready.flatMap((traceId) => e.evaluators.map((evaluatorId) => ({ experimentId: e.id, traceId, evaluatorId }))));
}
