/**
 * The dataset example behind a trace: when the trace is a run of an experiment (an
 * `experiment_runs` row names it), the example that run was made from, as it was at the
 * experiment's pinned dataset version. What `example.outputs`, `example.criteria`,
 * `example.expected_trajectory` and `example.inputs` read. Traces that are no experiment
 * run, or runs of an experiment on a dataset Loupe does not hold, have none.
 *
 * Reads the experiments and datasets tables directly (both contracts live in schema/db):
 * evaluators sit below experiments in the data flow, and a read of rows already written is
 * not a call upward.
 */
import type { SubjectExample } from '../../schema/values/read.ts';
import { dbFor } from '../platform/db.ts';

interface Row {
  trace_id: string;
  example_id: string;
  inputs: string;
  outputs: string | null;
  criteria: string | null;
  expected_trajectory: string | null;
  metadata: string | null;
}

// CROSS JOIN keeps the trace list as the outer loop: one index lookup (experiment_runs_trace) per trace.
// D1: 100 bound parameters per statement, so the ids go in as one JSON parameter.
const EXAMPLES_OF_TRACES = `SELECT r.trace_id, x.example_id, x.inputs, x.outputs, x.criteria, x.expected_trajectory, x.metadata
FROM json_each(?2) k
CROSS JOIN experiment_runs r ON r.project_id = ?1 AND r.trace_id = k.value
JOIN experiments e ON e.project_id = r.project_id AND e.id = r.experiment_id
JOIN dataset_example_revisions x ON x.project_id = r.project_id AND x.dataset_id = e.dataset_id AND x.example_id = r.example_id
  AND x.valid_from <= e.dataset_version AND x.valid_to > e.dataset_version`;

const parse = (t: string | null) => (t === null ? null : JSON.parse(t));

/** The example of each trace that is an experiment run (trace id -> example). */
export async function examplesOfTraces(env: Env, projectId: string, traceIds: readonly string[]): Promise<Map<string, SubjectExample>> {
  const out = new Map<string, SubjectExample>();
  if (!traceIds.length) return out;
  const { results } = await dbFor(env, projectId).prepare(EXAMPLES_OF_TRACES).bind(projectId, JSON.stringify(traceIds)).all<Row>();
  for (const r of results) {
    // A trace reused by two runs (a runner's own trace ids) keeps the first: both name the same example in practice.
    if (out.has(r.trace_id)) continue;
    out.set(r.trace_id, {
      id: r.example_id,
      inputs: parse(r.inputs),
      outputs: parse(r.outputs),
      criteria: r.criteria,
      expected_trajectory: parse(r.expected_trajectory),
      metadata: parse(r.metadata),
    });
  }
  return out;
}
