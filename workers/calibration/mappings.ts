/** The stored comparison for an evaluator: which human key, as which type, with which threshold/tolerance. */
import type { CalibrationMapping, LabelType } from '../../schema/wire/calibration.ts';
import { getEvaluator } from '../evals/evaluators.ts';
import { dbFor } from '../platform/db.ts';

interface MappingRow {
  human_key: string;
  type: LabelType | null;
  threshold: number | null;
  tolerance: number | null;
  updated_at: number;
  updated_by: string | null;
}

const out = (evaluatorId: string, r: MappingRow) => ({
  evaluator_id: evaluatorId,
  human_key: r.human_key,
  type: r.type,
  threshold: r.threshold,
  tolerance: r.tolerance,
  updated_at: new Date(r.updated_at).toISOString(),
  updated_by: r.updated_by,
});

/** The mapping, or null when none is stored (compare with the same key). */
export async function getMapping(env: Env, projectId: string, evaluatorId: string) {
  const r = await dbFor(env, projectId)
    .prepare('SELECT human_key, type, threshold, tolerance, updated_at, updated_by FROM calibration_mappings WHERE project_id = ? AND evaluator_id = ?')
    .bind(projectId, evaluatorId)
    .first<MappingRow>();
  return r ? out(evaluatorId, r) : null;
}

/** Stores the mapping (a retried PUT writes the same row). */
export async function putMapping(env: Env, projectId: string, evaluatorId: string, m: CalibrationMapping, by: string | null) {
  await getEvaluator(env, projectId, evaluatorId);
  const now = Date.now();
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO calibration_mappings (project_id, evaluator_id, human_key, type, threshold, tolerance, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, evaluator_id) DO UPDATE SET human_key = excluded.human_key, type = excluded.type, threshold = excluded.threshold, tolerance = excluded.tolerance, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    )
    .bind(projectId, evaluatorId, m.human_key, m.type ?? null, m.threshold ?? null, m.tolerance ?? null, now, by)
    .run();
  return (await getMapping(env, projectId, evaluatorId))!;
}
