/** An evaluator's scores (feedback rows it wrote), newest first, for "watch scores arrive". */
import type { FeedbackOut } from '../../schema/wire/feedback.ts';
import { dbFor } from '../store/db.ts';
import { decodeCursor, encodeCursor } from '../store/cursor.ts';
import { feedbackOut, type FeedbackRow } from '../store/rows.ts';

/** Lists feedback with this evaluator id (optionally one version). */
export async function listScores(env: Env, projectId: string, evaluatorId: string, opts: { version?: number; limit: number; cursor?: string }): Promise<{ scores: FeedbackOut[]; next_cursor: string | null }> {
  const conds = ['project_id = ?', 'evaluator_id = ?'];
  const binds: (string | number)[] = [projectId, evaluatorId];
  if (opts.version) conds.push('evaluator_version = ?'), binds.push(opts.version);
  if (opts.cursor) {
    const [at, rowid] = decodeCursor(opts.cursor, 2) as [number, number];
    conds.push('(created_at < ? OR (created_at = ? AND rowid < ?))');
    binds.push(at, at, rowid);
  }
  const { results } = await dbFor(env, projectId)
    .prepare(`SELECT *, rowid AS row_id FROM feedback WHERE ${conds.join(' AND ')} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
    .bind(...binds, opts.limit + 1)
    .all<FeedbackRow & { row_id: number }>();
  const more = results.length > opts.limit;
  const page = more ? results.slice(0, opts.limit) : results;
  const last = page[page.length - 1];
  return { scores: page.map(feedbackOut), next_cursor: more && last ? encodeCursor([last.created_at, last.row_id]) : null };
}
