/**
 * The calibration option of a routing rule: of the traces a rule matched, which need
 * people because of a judge. A trace qualifies when the evaluator scored it and (a) a
 * person's label on the same trace/span differs from the score, (b) the score is within a
 * margin of a threshold, or (c) it falls in the calibration sample (a share of judged
 * traces, by hash of rule and trace, so the answer never changes for a trace).
 *
 * The review room reads the evaluator's scores straight from the feedback table (the
 * store's) and never imports the evals room above it. Routing runs again on every score
 * and label (ReviewRouteMessage), and the hub takes a trace into a queue once, so a trace
 * is routed exactly once however many signals arrive.
 */
import type { z } from 'zod';
import type { CalibrationRouting } from '../../schema/wire/review.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { isSampled } from '../store/matching.ts';

export type CalibrationOption = z.output<typeof CalibrationRouting>;

/** The option is checked when saved: the evaluator must be a live one of the project. */
export async function checkCalibrationOption(env: Env, projectId: string, c: CalibrationOption): Promise<void> {
  const found = await dbFor(env, projectId).prepare('SELECT 1 FROM evaluators WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(projectId, c.evaluator_id).first();
  if (!found) throw new ApiError(400, 'invalid_request', `calibration.evaluator_id: no evaluator '${c.evaluator_id}' in this project`, 'calibration.evaluator_id');
  if (!c.disagreement && !c.near_threshold && c.sample_rate === 0) {
    throw new ApiError(400, 'invalid_request', 'calibration: route something: disagreement true, near_threshold, or sample_rate above 0', 'calibration');
  }
}

interface ScoreRow {
  trace_id: string;
  span_id: string | null;
  key: string;
  score: number | null;
  value: string | null;
  source: string;
}

/** Why a trace needs people, or null: the note its queue item carries. */
function reasonFor(c: CalibrationOption, judged: ScoreRow[], humans: ScoreRow[]): string | null {
  if (c.disagreement) {
    for (const j of judged) {
      const key = c.human_key ?? j.key;
      const h = humans.find((h) => h.key === key && h.span_id === j.span_id && differs(j, h, c.tolerance));
      if (h) return `calibration: judge ${show(j)} vs person ${show(h)} on '${key}'`;
    }
  }
  if (c.near_threshold) {
    const { threshold, margin } = c.near_threshold;
    const j = judged.find((j) => j.score !== null && Math.abs(j.score - threshold) <= margin);
    if (j) return `calibration: judge score ${j.score} within ${margin} of ${threshold}`;
  }
  return null;
}

/** Scores compare as numbers (beyond the tolerance); labels without a score by their value. */
function differs(j: ScoreRow, h: ScoreRow, tolerance: number): boolean {
  if (j.score !== null && h.score !== null) return Math.abs(j.score - h.score) > tolerance + 1e-9;
  if (j.value !== null && h.value !== null) return j.value !== h.value;
  return false;
}

const show = (r: ScoreRow) => (r.score !== null ? String(r.score) : (r.value ?? '-'));

/**
 * Of `traceIds` (already matched and sampled by the rule's filter), those that need people
 * for this calibration option, each with the reason.
 */
export async function calibrationHits(env: Env, projectId: string, ruleId: string, c: CalibrationOption, traceIds: string[]): Promise<{ traceId: string; note: string }[]> {
  if (!traceIds.length) return [];
  // D1: 100 bound parameters per statement, so the trace ids go in as one JSON parameter.
  const { results } = await dbFor(env, projectId)
    .prepare(
      `SELECT f.trace_id, f.span_id, f.key, f.score, f.value, f.source FROM json_each(?2) t CROSS JOIN feedback f
        WHERE f.project_id = ?1 AND f.trace_id = t.value
          AND ((f.source = 'evaluator' AND f.evaluator_id = ?3) OR (f.source = 'human' AND ?4 = 1))`,
    )
    .bind(projectId, JSON.stringify([...new Set(traceIds)]), c.evaluator_id, c.disagreement ? 1 : 0)
    .all<ScoreRow>();
  const byTrace = new Map<string, { judged: ScoreRow[]; humans: ScoreRow[] }>();
  for (const r of results) {
    const e = byTrace.get(r.trace_id) ?? { judged: [], humans: [] };
    (r.source === 'human' ? e.humans : e.judged).push(r);
    byTrace.set(r.trace_id, e);
  }
  const hits: { traceId: string; note: string }[] = [];
  for (const [traceId, { judged, humans }] of byTrace) {
    if (!judged.length) continue;
    const reason = reasonFor(c, judged, humans);
    if (reason) hits.push({ traceId, note: reason });
    // Sampled apart from the rule's own sampling, so the two rates are independent.
    else if (c.sample_rate > 0 && (await isSampled(`${ruleId}:calibration`, traceId, c.sample_rate))) hits.push({ traceId, note: `calibration sample (${c.sample_rate * 100}% of judged traces)` });
  }
  return hits;
}
