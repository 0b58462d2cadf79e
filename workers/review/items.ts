/**
 * Getting traces into a queue by hand (some trace ids, or every trace a filter matches),
 * and reading an item's trace the way its reviewer may see it (blind review).
 */
import type { z } from 'zod';
import type { AddItems } from '../../schema/wire/review.ts';
import type { TraceTree } from '../../schema/wire/trace.ts';
import type { FeedbackOut } from '../../schema/wire/feedback.ts';
import type { AuthContext } from '../platform/context.ts';
import { hasScope } from '../platform/context.ts';
import { dbFor } from '../platform/db.ts';
import { compileQuery } from '../store/filter.ts';
import { getTrace } from '../store/trace-query.ts';
import { ApiError } from '../platform/errors.ts';
import { hubFor, hubQueue, unwrap, type Queue } from './queues.ts';
import { isManager } from './access.ts';
import type { HubReviewer, NewItem } from './hub/contract.ts';

/** The caller as a viewer of items: owners, admins and admin keys see every review. */
export function viewerOf(auth: AuthContext): HubReviewer {
  return { id: auth.principalId, email: auth.email ?? null, manager: isManager(auth) || (auth.via === 'api_key' && hasScope(auth, 'admin')) };
}

/**
 * Adds traces to a queue: `trace_ids` (all must exist in the project, else 400 naming the
 * first missing one and nothing is added) or `filter` (+ time range; newest first, up to
 * `limit`). Traces already in the queue are counted, not added again.
 */
export async function addItems(env: Env, projectId: string, queue: Queue, body: z.output<typeof AddItems>, auth: AuthContext, now = Date.now()) {
  const db = dbFor(env, projectId);
  let traceIds: string[];
  let source: NewItem['source'];
  let sourceRef: string;
  if (body.trace_ids) {
    const wanted = [...new Set(body.trace_ids)];
    const { results } = await db
      .prepare('SELECT trace_id FROM traces WHERE project_id = ? AND trace_id IN (SELECT value FROM json_each(?))')
      .bind(projectId, JSON.stringify(wanted))
      .all<{ trace_id: string }>();
    const found = new Set(results.map((r) => r.trace_id));
    const i = body.trace_ids.findIndex((id) => !found.has(id));
    if (i >= 0) throw new ApiError(400, 'invalid_request', `trace_ids[${i}]: no trace '${body.trace_ids[i]}' in this project`, `trace_ids[${i}]`);
    traceIds = wanted;
    source = 'manual';
    sourceRef = auth.email ?? auth.principalId;
  } else {
    const compiled = compileQuery(body.filter, 'traces', projectId, now, 'filter');
    const conds = ['t.project_id = ?', `(${compiled.where})`];
    const binds: (string | number)[] = [projectId, ...compiled.params];
    if (body.from !== undefined) conds.push('t.start_time >= ?'), binds.push(body.from);
    if (body.to !== undefined) conds.push('t.start_time < ?'), binds.push(body.to);
    const { results } = await db
      .prepare(`SELECT t.trace_id FROM traces t WHERE ${conds.join(' AND ')} ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ?`)
      .bind(...binds, body.limit)
      .all<{ trace_id: string }>();
    traceIds = results.map((r) => r.trace_id);
    source = 'filter';
    sourceRef = body.filter!.trim() || '(every trace)';
  }
  if (!traceIds.length) return { matched: 0, added: 0, already_queued: 0 };
  const { added, already } = await hubFor(env, projectId).enqueue(traceIds.map((traceId) => ({ queueId: queue.id, traceId, source, sourceRef, note: body.note ?? null })), now);
  return { matched: traceIds.length, added, already_queued: already };
}

/**
 * An item's trace (span tree without payloads, and feedback) for one viewer. Until the
 * viewer may see the other reviews of the item, this queue's feedback by others (their
 * reviews and the final label) is left out, and the summary is recomputed without it.
 */
export async function reviewTrace(env: Env, projectId: string, queue: Queue, traceId: string, viewer: HubReviewer): Promise<TraceTree> {
  const item = unwrap(await hubFor(env, projectId).getItem(hubQueue(projectId, queue), traceId, viewer));
  const tree = await getTrace(env, projectId, traceId, { payloads: false });
  if (item.reviews) return tree;
  const visible = (f: FeedbackOut) => f.queue_id !== queue.id || f.metadata.reviewer_id === viewer.id;
  const feedback = tree.feedback.filter(visible);
  if (feedback.length === tree.feedback.length) return tree;
  const summary: Record<string, { avg: number | null; count: number }> = {};
  const sums = new Map<string, { total: number; scored: number; count: number }>();
  for (const f of feedback) {
    const s = sums.get(f.key) ?? { total: 0, scored: 0, count: 0 };
    s.count++;
    if (f.score != null) (s.total += f.score), s.scored++;
    sums.set(f.key, s);
  }
  for (const [key, s] of sums) summary[key] = { avg: s.scored ? s.total / s.scored : null, count: s.count };
  return { ...tree, trace: { ...tree.trace, feedback: summary }, feedback };
}
