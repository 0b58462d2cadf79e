/** An evaluator's scores: the feedback rows it writes (their ids) and reads of them (newest first, for "watch scores arrive"). */
import type { FeedbackOut } from '../../schema/wire/feedback.ts';
import { dbFor } from '../platform/db.ts';
import { stableId } from '../platform/ids.ts';
import { newestFirstPage } from '../store/cursor.ts';
import { feedbackOut, type FeedbackRow } from '../store/rows.ts';

/** Lists feedback with this evaluator id (optionally one version). */
export async function listScores(env: Env, projectId: string, evaluatorId: string, opts: { version?: number; limit: number; cursor?: string }): Promise<{ scores: FeedbackOut[]; next_cursor: string | null }> {
  const conds = ['project_id = ?', 'evaluator_id = ?'];
  const binds: (string | number)[] = [projectId, evaluatorId];
  if (opts.version) conds.push('evaluator_version = ?'), binds.push(opts.version);
  const page = await newestFirstPage<FeedbackRow>(dbFor(env, projectId), 'feedback', 'created_at', { conds, binds }, opts);
  return { scores: page.rows.map(feedbackOut), next_cursor: page.next_cursor };
}

/** The feedback id of an evaluator's score on a trace or span: the same job always writes the same row. */
export function evaluatorFeedbackId(evaluatorId: string, version: number, traceId: string, spanId: string | null): Promise<string> {
  return stableId('ev_', [evaluatorId, version, traceId, spanId ?? ''].join('\u0000'));
}
