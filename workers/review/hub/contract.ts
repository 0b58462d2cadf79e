/**
 * What the Worker and the review hub say to each other: the arguments of the hub's RPC
 * methods and the shape of their answers. Kept apart from the Durable Object class so the
 * routes and the hub's own parts (claims, views) share these types without importing the
 * class, and no two files import each other.
 */
import type { RubricKey } from '../../../schema/wire/review.ts';
import type { ReviewEntry } from '../rubric.ts';

/** What a hub call needs to know about a queue (read from D1 by the Worker). */
export interface HubQueue {
  projectId: string;
  id: string;
  reviewersPerItem: number;
  leaseMs: number;
  rubric: RubricKey[];
  /** The dataset finished items become examples of (absent from callers deployed before it existed). */
  datasetId?: string | null;
}

/** The caller of a hub call. */
export interface HubReviewer {
  id: string;
  email: string | null;
  /** Owner or admin: sees every review of an item it does not review itself. */
  manager?: boolean;
}

/** A refusal the route turns into an API error (RPC keeps only an Error's message, so it is returned, not thrown). */
export interface HubFailure {
  fail: { status: 400 | 403 | 404 | 409; code: string; message: string; path?: string };
}
export type HubResult<T> = { ok: T } | HubFailure;

/** An item to add to a queue. */
export interface NewItem {
  queueId: string;
  traceId: string;
  source: 'rule' | 'manual' | 'filter' | 'escalation';
  sourceRef: string | null;
  note?: string | null;
}

/** A submitted review as the route hands it over (already checked against the rubric). */
export interface ReviewInput {
  idempotencyKey: string | null;
  values: Record<string, boolean | number | string>;
  entries: ReviewEntry[];
  correction: unknown;
  comment: string | null;
}

/** One row of a queue export. */
export interface ExportRow {
  trace_id: string;
  status: string;
  reviewer_id: string;
  reviewer: string | null;
  submitted_at: string;
  values: Record<string, unknown>;
  correction: unknown;
  comment: string | null;
  final: Record<string, unknown> | null;
}

/** A refusal with its HTTP status, error code and (optionally) the field it is about. */
export const fail = (status: HubFailure['fail']['status'], code: string, message: string, path?: string): HubFailure => ({ fail: { status, code, message, ...(path ? { path } : {}) } });

/** The refusal for a trace that is not an item of the queue. */
export function notInQueue(traceId: string): HubFailure {
  return fail(404, 'not_found', `trace '${traceId}' is not in this queue`, 'trace_id');
}

/** The refusal for an item that takes no more reviews (claim and submit say the same). */
export function finished(status: string): HubFailure {
  return fail(409, 'item_finished', `this item is ${status === 'escalated' ? 'escalated to another queue' : 'already complete'}; it takes no more reviews`);
}
