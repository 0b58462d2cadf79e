/**
 * Annotation queue configuration in D1 (name, instructions, rubric, reviewers per item,
 * role, assigned reviewers, lease) and the way to the project's review hub. Plain
 * functions over D1; every query is scoped by project id.
 */
import type { QueueCreate, QueueOut, QueuePatch, QueueProgress, RubricKey } from '../../schema/wire/review.ts';
import type { ReviewRole } from '../../schema/db/review.ts';
import { dbFor, controlDb } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { datasetPort } from './dataset-port.ts';
import type { HubQueue, HubResult } from './hub/contract.ts';
import type { ReviewHub } from './hub/hub.ts';

/** A queue as stored. */
export interface Queue {
  id: string;
  name: string;
  instructions: string;
  rubric: RubricKey[];
  correction: boolean;
  reviewersPerItem: number;
  reviewRole: ReviewRole;
  assignedReviewers: string[];
  leaseSeconds: number;
  /** The dataset finished items become examples of (datasets/from-review.ts), or null. */
  datasetId: string | null;
  createdAt: number;
  updatedAt: number;
}

interface QueueRow {
  id: string;
  name: string;
  instructions: string;
  rubric: string;
  correction: number;
  reviewers_per_item: number;
  review_role: ReviewRole;
  assigned_reviewers: string;
  lease_seconds: number;
  dataset_id: string | null;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: QueueRow): Queue => ({
  id: r.id,
  name: r.name,
  instructions: r.instructions,
  rubric: JSON.parse(r.rubric),
  correction: r.correction === 1,
  reviewersPerItem: r.reviewers_per_item,
  reviewRole: r.review_role,
  assignedReviewers: JSON.parse(r.assigned_reviewers),
  leaseSeconds: r.lease_seconds,
  datasetId: r.dataset_id ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A queue as the API shows it. */
export function queueOut(q: Queue, progress?: QueueProgress): QueueOut {
  return {
    id: q.id,
    name: q.name,
    instructions: q.instructions,
    rubric: q.rubric,
    correction: q.correction,
    reviewers_per_item: q.reviewersPerItem,
    review_role: q.reviewRole,
    assigned_reviewers: q.assignedReviewers,
    lease_seconds: q.leaseSeconds,
    dataset_id: q.datasetId,
    created_at: new Date(q.createdAt).toISOString(),
    updated_at: new Date(q.updatedAt).toISOString(),
    ...(progress ? { progress } : {}),
  };
}

/** The hub's RPC methods as callers use them (arguments and answers are plain, structured-cloneable data). */
export type HubApi = Pick<
  ReviewHub,
  'enqueue' | 'dropQueue' | 'forgetTraces' | 'next' | 'claim' | 'release' | 'submit' | 'reconcile' | 'adjudicate' | 'escalate' | 'getItem' | 'listItems' | 'progressOf' | 'stats' | 'conflicts' | 'exportRows' | 'fetch'
>;

/** The project's review hub (one Durable Object per project, named by the project id). */
export function hubFor(env: Env, projectId: string): HubApi {
  // RPC stubs re-type answers for serialization; the hub's answers are plain data, so its own signatures hold.
  return env.REVIEW_HUB.get(env.REVIEW_HUB.idFromName(projectId)) as unknown as HubApi;
}

/** What the hub needs to know about a queue for one call. */
export function hubQueue(projectId: string, q: Queue): HubQueue {
  return { projectId, id: q.id, reviewersPerItem: q.reviewersPerItem, leaseMs: q.leaseSeconds * 1000, rubric: q.rubric, datasetId: q.datasetId };
}

/** The value of a hub answer, or its refusal as an API error. */
export function unwrap<T>(result: HubResult<T>): T {
  if ('fail' in result) throw new ApiError(result.fail.status, result.fail.code, result.fail.message, result.fail.path);
  return result.ok;
}

/** Assigned reviewers must be members of the project's organisation. */
async function checkAssigned(env: Env, orgId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (!unique.length) return unique;
  const { results } = await controlDb(env)
    .prepare('SELECT user_id FROM memberships WHERE org_id = ? AND user_id IN (SELECT value FROM json_each(?))')
    .bind(orgId, JSON.stringify(unique))
    .all<{ user_id: string }>();
  const members = new Set(results.map((r) => r.user_id));
  const i = ids.findIndex((id) => !members.has(id));
  if (i >= 0) throw new ApiError(400, 'invalid_request', `assigned_reviewers[${i}]: '${ids[i]}' is not a member of this organisation`, `assigned_reviewers[${i}]`);
  return unique;
}

/**
 * The dataset a queue names, by id or name, in this project only: its id, or a 404 naming
 * `dataset_id` (a dataset of another project answers exactly like a missing one).
 */
async function checkDataset(env: Env, projectId: string, nameOrId: string | null): Promise<string | null> {
  if (nameOrId === null) return null;
  const id = await datasetPort().resolve(env, projectId, nameOrId);
  if (!id) throw new ApiError(404, 'not_found', `dataset_id: dataset '${nameOrId}' not found in this project`, 'dataset_id');
  return id;
}

/** Creates a queue. */
export async function createQueue(env: Env, projectId: string, orgId: string, body: QueueCreate): Promise<Queue> {
  const assigned = await checkAssigned(env, orgId, body.assigned_reviewers);
  const datasetId = await checkDataset(env, projectId, body.dataset_id ?? null);
  const now = Date.now();
  const q: Queue = {
    id: `rq_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`,
    name: body.name,
    instructions: body.instructions,
    rubric: body.rubric,
    correction: body.correction,
    reviewersPerItem: body.reviewers_per_item,
    reviewRole: body.review_role,
    assignedReviewers: assigned,
    leaseSeconds: body.lease_seconds,
    datasetId,
    createdAt: now,
    updatedAt: now,
  };
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO review_queues (project_id, id, name, instructions, rubric, correction, reviewers_per_item, review_role, assigned_reviewers, lease_seconds, dataset_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(projectId, q.id, q.name, q.instructions, JSON.stringify(q.rubric), q.correction ? 1 : 0, q.reviewersPerItem, q.reviewRole, JSON.stringify(q.assignedReviewers), q.leaseSeconds, q.datasetId, now, now)
    .run();
  return q;
}

/** The project's queues, by name. */
export async function listQueues(env: Env, projectId: string): Promise<Queue[]> {
  const { results } = await dbFor(env, projectId).prepare('SELECT * FROM review_queues WHERE project_id = ? AND deleted_at IS NULL ORDER BY name, id LIMIT 500').bind(projectId).all<QueueRow>();
  return results.map(fromRow);
}

/** One queue, or 404 (a queue of another project answers exactly like a missing one). */
export async function getQueue(env: Env, projectId: string, id: string, path = 'id'): Promise<Queue> {
  const r = await dbFor(env, projectId).prepare('SELECT * FROM review_queues WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(projectId, id).first<QueueRow>();
  if (!r) throw new ApiError(404, 'not_found', `review queue '${id}' not found in this project`, path);
  return fromRow(r);
}

/** Changes a queue. A smaller reviewers_per_item completes the items that now have enough reviews. */
export async function updateQueue(env: Env, projectId: string, orgId: string, id: string, patch: QueuePatch): Promise<Queue> {
  const current = await getQueue(env, projectId, id);
  const next: Queue = {
    ...current,
    name: patch.name ?? current.name,
    instructions: patch.instructions ?? current.instructions,
    rubric: patch.rubric ?? current.rubric,
    correction: patch.correction ?? current.correction,
    reviewersPerItem: patch.reviewers_per_item ?? current.reviewersPerItem,
    reviewRole: patch.review_role ?? current.reviewRole,
    assignedReviewers: patch.assigned_reviewers ? await checkAssigned(env, orgId, patch.assigned_reviewers) : current.assignedReviewers,
    leaseSeconds: patch.lease_seconds ?? current.leaseSeconds,
    datasetId: patch.dataset_id !== undefined ? await checkDataset(env, projectId, patch.dataset_id) : current.datasetId,
    updatedAt: Date.now(),
  };
  await dbFor(env, projectId)
    .prepare(
      `UPDATE review_queues SET name = ?, instructions = ?, rubric = ?, correction = ?, reviewers_per_item = ?, review_role = ?, assigned_reviewers = ?, lease_seconds = ?, dataset_id = ?, updated_at = ?
        WHERE project_id = ? AND id = ?`,
    )
    .bind(next.name, next.instructions, JSON.stringify(next.rubric), next.correction ? 1 : 0, next.reviewersPerItem, next.reviewRole, JSON.stringify(next.assignedReviewers), next.leaseSeconds, next.datasetId, next.updatedAt, projectId, id)
    .run();
  if (next.reviewersPerItem < current.reviewersPerItem) await hubFor(env, projectId).reconcile(hubQueue(projectId, next));
  return next;
}

/** Deletes a queue: its routing rules stop, its live state goes; the feedback it wrote stays. */
export async function deleteQueue(env: Env, projectId: string, id: string): Promise<void> {
  await getQueue(env, projectId, id);
  const now = Date.now();
  const db = dbFor(env, projectId);
  await db.batch([
    db.prepare('UPDATE review_queues SET deleted_at = ?, updated_at = ? WHERE project_id = ? AND id = ?').bind(now, now, projectId, id),
    db.prepare('UPDATE review_routing_rules SET deleted_at = ?, active = 0, updated_at = ? WHERE project_id = ? AND queue_id = ? AND deleted_at IS NULL').bind(now, now, projectId, id),
  ]);
  await hubFor(env, projectId).dropQueue(id);
}
