/**
 * An experiment's runs posted by a LangSmith SDK (evaluate(), the vitest/jest runners).
 * Those runs arrive through the LangSmith run API as ordinary traces; ingest records, for
 * each root run that names a dataset example, its session and example
 * (`exampleRunsOfSession`). When an experiment's runs are read, the runs of its session
 * whose traces are indexed and whose root has ended and that are not recorded yet become
 * experiment runs here: output and error from the root run, latency, tokens and cost from
 * the trace. Scores need no copying: the SDK's evaluator feedback lands on the run's trace,
 * which is where experiment runs read their scores.
 *
 * Ingest cannot call experiments (data flows one way), hence gathering on read rather than
 * pushing on write; a run shows up once its trace is indexed (seconds, the queue's delay).
 * Runs the SDKs send to the session named `evaluators` (their evaluators' own traces) are
 * never gathered: they belong to another session.
 */
import type { ExperimentRunIn } from '../../schema/wire/experiments.ts';
import { dbFor } from '../platform/db.ts';
import { exampleRunsOfSession, type ExampleRun } from '../ingest/langsmith/bookkeeping.ts';
import { getTraces } from '../store/trace-query.ts';

/** Traces loaded per store read (each holds its payloads in memory; Workers have 128 MB). */
const TRACES_PER_READ = 25;

/**
 * The LangSmith-posted runs of an experiment not recorded yet, ready for recordRuns. The
 * n-th run of an example (in the order they were created) is repetition n; runs beyond the
 * experiment's repetitions are left out.
 */
export async function langsmithRunsToRecord(env: Env, projectId: string, experimentId: string): Promise<ExperimentRunIn[]> {
  const db = dbFor(env, projectId);
  const e = await db.prepare('SELECT id, name, repetitions FROM experiments WHERE project_id = ?1 AND id = ?2').bind(projectId, experimentId).first<{ id: string; name: string; repetitions: number }>();
  if (!e) return [];
  const runs = await exampleRunsOfSession(env, projectId, { name: e.name, id: e.id });
  if (!runs.length) return [];
  const { results } = await db.prepare('SELECT trace_id FROM experiment_runs WHERE project_id = ?1 AND experiment_id = ?2').bind(projectId, e.id).all<{ trace_id: string }>();
  const recorded = new Set(results.map((r) => r.trace_id));
  const seen = new Map<string, number>();
  const todo: (ExampleRun & { repetition: number })[] = [];
  for (const r of runs) {
    const repetition = seen.get(r.exampleId) ?? 0;
    seen.set(r.exampleId, repetition + 1);
    if (repetition < e.repetitions && !recorded.has(r.traceId)) todo.push({ ...r, repetition });
  }
  const out: ExperimentRunIn[] = [];
  for (let i = 0; i < todo.length; i += TRACES_PER_READ) {
    const chunk = todo.slice(i, i + TRACES_PER_READ);
    const trees = await getTraces(env, projectId, chunk.map((r) => r.traceId));
    for (const r of chunk) {
      const tree = trees.get(r.traceId);
      // Not indexed yet, or the target is still running: gathered on a later read.
      if (!tree || tree.trace.status === 'unset') continue;
      const root = tree.spans.find((s) => s.id === r.runId);
      if (!root || !root.end_time) continue;
      out.push({
        example_id: r.exampleId,
        repetition: r.repetition,
        trace_id: r.traceId,
        output: root.output ?? null,
        error: root.status === 'error' ? (root.error ?? 'error') : null,
        latency_ms: tree.trace.latency_ms ?? null,
        tokens: tree.trace.usage.total_tokens ?? null,
        cost: tree.trace.usage.cost_usd ?? null,
      });
    }
  }
  return out;
}
