/**
 * What an item's reviews decide, and the feedback rows they become. Pure: no storage and no
 * Durable Object, so every rule here is tested on its own (consensus.test.ts) and can serve
 * judge calibration later. The hub reads the rows, asks these functions, and writes what
 * they answer inside its own transaction.
 *
 * Rules: one reviewer's review is the label. With several reviewers, a compared (non-text)
 * key is agreed when every reviewer who answered it gave the same value, and in conflict
 * otherwise; keys nobody answered are left out. An adjudicator must decide every key in
 * conflict; the values they give override, and the keys they leave out keep the consensus.
 */
import type { RubricKey } from '../../../schema/wire/review.ts';
import type { FeedbackInput } from '../../store/feedback.ts';
import { comparable, type ReviewEntry } from '../rubric.ts';
import { fail, type HubQueue, type HubResult, type HubReviewer, type ReviewInput } from './contract.ts';
import type { ReviewRow } from './storage.ts';

/** One D1 feedback row still to write; its id is derived from `id_material` when flushed. */
export type PendingRow = Omit<FeedbackInput, 'id'> & { id_material: string };

/** The D1 feedback rows one outbox entry writes (ids are derived when flushed). */
export interface PendingFeedback {
  trace_id: string;
  queue_id: string;
  rows: PendingRow[];
}

/**
 * What an item's reviews decide once it has as many as it needs (else it stays `pending`).
 * A `complete` item has `entries` and `feedback` only with several reviewers: a single
 * review is the label, and its own feedback rows are written already.
 */
export type Settlement =
  | { status: 'pending' }
  | { status: 'conflict'; conflicts: string[] }
  | { status: 'complete'; final: Record<string, unknown>; entries?: ReviewEntry[]; feedback?: PendingRow[] };

/** The agreed values (compared keys where all reviewers who answered agree) and the keys in conflict. */
export function consensus(rubric: RubricKey[], reviews: ReviewRow[]): { final: Record<string, unknown>; entries: ReviewEntry[]; conflicts: string[] } {
  const final: Record<string, unknown> = {};
  const entries: ReviewEntry[] = [];
  const conflicts: string[] = [];
  const parsed = reviews.map((r) => ({ vals: JSON.parse(r.vals) as Record<string, unknown>, entries: JSON.parse(r.entries) as ReviewEntry[] }));
  for (const key of rubric.filter(comparable)) {
    const given = parsed.filter((p) => p.vals[key.key] !== undefined && p.vals[key.key] !== null);
    if (!given.length) continue;
    const distinct = new Set(given.map((p) => JSON.stringify(p.vals[key.key])));
    if (distinct.size > 1) {
      conflicts.push(key.key);
      continue;
    }
    final[key.key] = given[0].vals[key.key];
    const entry = given[0].entries.find((e) => e.key === key.key);
    if (entry) entries.push(entry);
  }
  return { final, entries, conflicts };
}

/**
 * Settles an item once it has the reviews it needs (`reviews` first submitted first): one
 * reviewer's review is the label; several reviewers who agree on every compared key make
 * the final label (written as feedback marked `final`); otherwise the item waits for
 * adjudication (`conflict`).
 */
export function settlement(queue: Pick<HubQueue, 'id' | 'reviewersPerItem' | 'rubric'>, traceId: string, reviews: ReviewRow[]): Settlement {
  if (reviews.length < queue.reviewersPerItem) return { status: 'pending' };
  if (queue.reviewersPerItem === 1) return { status: 'complete', final: JSON.parse(reviews[0].vals) };
  const { final, entries, conflicts } = consensus(queue.rubric, reviews);
  if (conflicts.length) return { status: 'conflict', conflicts };
  const feedback = finalFeedback(queue.id, traceId, entries, { author: 'consensus', reviewers: reviews.length, adjudicated: false, comment: null });
  return { status: 'complete', final, entries, feedback };
}

/**
 * The final label of a conflict an adjudicator settles: the consensus on agreed keys, with
 * the adjudicator's values (checked against the rubric by the route) over it on the keys
 * given. Refused (400 naming the key) while a key in conflict is left undecided.
 */
export function adjudication(rubric: RubricKey[], reviews: ReviewRow[], values: Record<string, boolean | number | string>, entries: ReviewEntry[]): HubResult<{ final: Record<string, unknown>; entries: ReviewEntry[] }> {
  const agreed = consensus(rubric, reviews);
  const missing = agreed.conflicts.find((k) => values[k] === undefined);
  if (missing) return fail(400, 'invalid_review', `values.${missing}: the reviewers disagree on it, so the adjudication must decide it`, `values.${missing}`);
  const byKey = new Map(agreed.entries.map((e) => [e.key, e]));
  for (const e of entries) byKey.set(e.key, e);
  return { ok: { final: { ...agreed.final, ...values }, entries: [...byKey.values()] } };
}

/** Feedback rows of one review: one per answered key, plus the correction (with the comment) or the comment. */
export function reviewFeedback(queueId: string, traceId: string, reviewer: HubReviewer, review: ReviewInput): PendingRow[] {
  const base = { trace_id: traceId, span_id: null, source: 'human' as const, author: reviewer.email ?? reviewer.id, queue_id: queueId, metadata: { reviewer_id: reviewer.id } };
  const material = (key: string) => reviewMaterial(queueId, traceId, reviewer.id, key);
  const rows: PendingRow[] = review.entries.map((e) => ({ ...base, key: e.key, score: e.score, value: e.value ?? undefined, id_material: material(e.key) }));
  if (review.correction !== undefined) rows.push({ ...base, key: 'correction', correction: review.correction, comment: review.comment, id_material: material('correction') });
  else if (review.comment) rows.push({ ...base, key: 'comment', comment: review.comment, id_material: material('comment') });
  return rows;
}

/**
 * Feedback rows of a final label (multi-reviewer queues): one per key, marked `final` in
 * metadata, plus the adjudicator's correction when they gave one.
 */
export function finalFeedback(queueId: string, traceId: string, entries: ReviewEntry[], info: { author: string; reviewers: number; adjudicated: boolean; comment: string | null }, correction?: unknown): PendingRow[] {
  const rows: PendingRow[] = entries.map((e) => ({
    trace_id: traceId,
    span_id: null,
    key: e.key,
    score: e.score,
    value: e.value ?? undefined,
    comment: info.comment,
    source: 'human' as const,
    author: info.author,
    queue_id: queueId,
    metadata: { final: true, reviewers: info.reviewers, adjudicated: info.adjudicated },
    id_material: finalMaterial(queueId, traceId, e.key),
  }));
  if (correction !== undefined) {
    rows.push({
      trace_id: traceId, span_id: null, key: 'correction', correction, comment: info.comment, source: 'human' as const, author: info.author, queue_id: queueId,
      metadata: { final: true, reviewers: info.reviewers, adjudicated: info.adjudicated }, id_material: finalMaterial(queueId, traceId, 'correction'),
    });
  }
  return rows;
}

/** What a final-label feedback row's id is derived from (the dataset's provenance names the row by it too). */
export const finalMaterial = (queueId: string, traceId: string, key: string) => ['final', queueId, traceId, key].join('\u0000');

/** What a review's feedback row's id is derived from. */
export const reviewMaterial = (queueId: string, traceId: string, reviewerId: string, key: string) => ['review', queueId, traceId, reviewerId, key].join('\u0000');
