/**
 * What a finished item hands to its queue's dataset: the correction (ground truth), the
 * reviewers' comments and free-text answers (what good looks like), the final label and
 * each review (metadata), and where it came from. Pure, like consensus.ts: the hub calls it
 * inside the transaction that finishes the item and stores the answer in its dataset
 * outbox; workers/datasets/from-review.ts turns it into an example when the outbox flushes.
 *
 * Which correction wins: the adjudicator's, when they gave one; else the latest review's
 * (reviewers are not compared on corrections, only on rubric keys). An item with neither a
 * correction nor anything written makes no example: a score alone is not a test case.
 */
import type { RubricKey } from '../../../schema/wire/review.ts';
import type { HubQueue } from './contract.ts';
import type { ReviewRow } from './storage.ts';

/** One finished item, as the dataset outbox stores it (plain JSON). */
export interface PendingExample {
  dataset_id: string;
  queue_id: string;
  trace_id: string;
  /** The expected output; absent when nobody gave one. */
  correction?: unknown;
  /** Who gave the correction: `review` (a reviewer, see `correction_by`) or `adjudication`. */
  correction_from: 'review' | 'adjudication' | null;
  /** The user id of the reviewer whose correction it is (the D1 feedback row's id is derived from it). */
  correction_by: string | null;
  criteria: string | null;
  final: Record<string, unknown>;
  adjudicated: boolean;
  adjudicated_by: string | null;
  reviews: { reviewer_id: string; reviewer: string | null; values: Record<string, unknown>; comment: string | null; has_correction: boolean }[];
  completed_at: number;
}

/** The adjudicator's part of a finished item (absent: the reviews settled it). */
export interface Adjudication {
  by: string;
  comment: string | null;
  correction?: unknown;
}

/** Text a reviewer wrote: their comment and their answers to free-text rubric keys. */
function writing(rubric: RubricKey[], vals: Record<string, unknown>, comment: string | null): string[] {
  const out = comment ? [comment] : [];
  for (const k of rubric) if (k.type === 'text' && typeof vals[k.key] === 'string' && (vals[k.key] as string).trim()) out.push(`${k.key}: ${vals[k.key]}`);
  return out;
}

/** The example a finished item makes for the queue's dataset, or null (no dataset, or nothing to learn from). */
export function pendingExample(
  queue: Pick<HubQueue, 'id' | 'rubric' | 'datasetId'>,
  traceId: string,
  reviews: ReviewRow[],
  emails: Map<string, string | null>,
  final: Record<string, unknown>,
  now: number,
  adjudication?: Adjudication,
): PendingExample | null {
  if (!queue.datasetId) return null;
  const parsed = reviews.map((r) => ({ row: r, vals: JSON.parse(r.vals) as Record<string, unknown>, correction: r.correction === null ? undefined : (JSON.parse(r.correction) as unknown) }));
  const latest = [...parsed].reverse().find((p) => p.correction !== undefined);
  const fromAdjudication = adjudication?.correction !== undefined;
  const correction = fromAdjudication ? adjudication!.correction : latest?.correction;
  const lines = [...(adjudication ? writing(queue.rubric, final, adjudication.comment) : []), ...parsed.flatMap((p) => writing(queue.rubric, p.vals, p.row.comment))];
  const criteria = [...new Set(lines)].join('\n') || null;
  if (correction === undefined && !criteria) return null;
  return {
    dataset_id: queue.datasetId,
    queue_id: queue.id,
    trace_id: traceId,
    ...(correction !== undefined ? { correction } : {}),
    correction_from: correction === undefined ? null : fromAdjudication ? 'adjudication' : 'review',
    correction_by: correction === undefined ? null : fromAdjudication ? null : latest!.row.reviewer_id,
    criteria,
    final,
    adjudicated: !!adjudication,
    adjudicated_by: adjudication?.by ?? null,
    reviews: parsed.map((p) => ({ reviewer_id: p.row.reviewer_id, reviewer: emails.get(p.row.reviewer_id) ?? null, values: p.vals, comment: p.row.comment, has_correction: p.correction !== undefined })),
    completed_at: now,
  };
}
