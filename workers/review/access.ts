/**
 * Who may review which queue. Reviews are a person's judgement, so claiming, submitting,
 * skipping and escalating need a logged-in member (a session), never an API key. A queue
 * asks for reviewers (members with the reviewer role, and engineers), domain experts, or
 * both; owners and admins may review any queue and adjudicate conflicts. When a queue has
 * assigned reviewers, only they (and owners/admins) may review it.
 */
import type { Role } from '../../schema/db/index.ts';
import type { ReviewRole } from '../../schema/db/review.ts';
import { isManagerRole } from '../../schema/roles.ts';
import type { AuthContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HubReviewer } from './hub/contract.ts';
import type { Queue } from './queues.ts';

/** Roles a queue's review_role admits (besides owners and admins). */
export const ROLES_FOR: Record<ReviewRole, readonly Role[]> = {
  reviewer: ['reviewer', 'engineer'],
  domain_expert: ['domain_expert'],
  both: ['reviewer', 'engineer', 'domain_expert'],
};

/** True for owners and admins. */
export const isManager = (auth: AuthContext) => auth.via === 'session' && isManagerRole(auth.role);

/** The person behind a request, or 403 for API keys. */
export function reviewerOf(auth: AuthContext): HubReviewer {
  if (auth.via !== 'session') throw new ApiError(403, 'forbidden', 'reviews are given by people: log in to the review UI (API keys cannot claim or submit reviews)');
  return { id: auth.principalId, email: auth.email ?? null, manager: isManager(auth) };
}

/** Whether a member with `role` (and id) may review `queue`. */
export function mayReview(queue: Pick<Queue, 'reviewRole' | 'assignedReviewers'>, role: Role | undefined, userId: string): boolean {
  if (!role) return false;
  if (isManagerRole(role)) return true;
  if (!ROLES_FOR[queue.reviewRole].includes(role)) return false;
  return !queue.assignedReviewers.length || queue.assignedReviewers.includes(userId);
}

/** The reviewer, after checking they may review `queue` (403 naming the role needed otherwise). */
export function assertMayReview(auth: AuthContext, queue: Queue): HubReviewer {
  const reviewer = reviewerOf(auth);
  if (!mayReview(queue, auth.role, auth.principalId)) {
    const wanted = queue.reviewRole === 'both' ? 'reviewer or domain expert' : queue.reviewRole === 'domain_expert' ? 'domain expert' : 'reviewer';
    const why = ROLES_FOR[queue.reviewRole].includes(auth.role!) ? 'this queue is assigned to other reviewers' : `this queue is reviewed by the ${wanted} role and yours is ${auth.role}`;
    throw new ApiError(403, 'forbidden', `you cannot review in '${queue.name}': ${why}`);
  }
  return reviewer;
}

/** Owners and admins adjudicate conflicts (logged in: the final label is authored by a person). */
export function assertMayAdjudicate(auth: AuthContext): HubReviewer {
  const reviewer = reviewerOf(auth);
  if (!reviewer.manager) throw new ApiError(403, 'forbidden', `only owners and admins adjudicate conflicts (your role is ${auth.role})`);
  return reviewer;
}
