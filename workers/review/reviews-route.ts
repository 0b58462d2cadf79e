/**
 * Reviewing: POST /v1/review-queues/{id}/next (claim the next item), and on one item
 * .../items/{traceId}/claim, /review (submit, exactly once), /skip, /release, /escalate
 * (to a domain-expert queue) and /adjudicate (settle a conflict). Reviewing needs a
 * logged-in member whose role the queue admits (403 otherwise); every refusal about the
 * item's state is a 409 naming why.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { ApiError, commonErrors, notFound } from '../platform/errors.ts';
import { AdjudicateIn, EscalateIn, ItemOut, NextOut, ReviewSubmit, ReviewSubmitted } from '../../schema/wire/review.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { getQueue, hubFor, hubQueue, unwrap } from './queues.ts';
import { assertMayAdjudicate, assertMayReview } from './access.ts';
import { checkValues } from './rubric.ts';

export const reviewRoutes = newRouter();

/** A correction is only taken where the queue asks for one, and must fit one feedback row. */
function checkCorrection(q: { correction: boolean }, correction: unknown): void {
  if (correction !== undefined && !q.correction) throw new ApiError(400, 'invalid_review', 'correction: this queue does not ask for a correction', 'correction');
  // D1 (and Durable Object SQLite): ~2 MB per row, and the correction is one column of one feedback row.
  if (correction !== undefined && JSON.stringify(correction).length > MAX_CORRECTION_CHARS) {
    throw new ApiError(400, 'invalid_review', `correction: at most ${MAX_CORRECTION_CHARS.toLocaleString('en-US')} characters of JSON`, 'correction');
  }
}

/** Largest correction a review may carry (as JSON text). */
const MAX_CORRECTION_CHARS = 1_000_000;

const Id = z.object({ id: z.string().min(1).max(64) });
const ItemId = z.object({ id: z.string().min(1).max(64), traceId: z.string().min(1).max(128) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const conflict = { 409: { description: 'The item is not in a state that allows this (`error.code` says why)', content: { 'application/json': { schema: ErrorBody } } } } as const;

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues/{id}/next',
    tags: ['review'],
    summary: 'Claim the next item',
    description:
      'The item you already hold (its lease renewed), else the oldest pending item you have neither reviewed nor skipped that still needs a reviewer; it is yours for `lease_seconds`. `item: null` when nothing is left for you. Needs a logged-in member with the role the queue asks for.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(NextOut, 'The claimed item, or null'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const q = await getQueue(c.env, auth.projectId, c.req.valid('param').id);
    const reviewer = assertMayReview(auth, q);
    return c.json(unwrap(await hubFor(c.env, auth.projectId).next(hubQueue(auth.projectId, q), reviewer)), 200);
  },
);

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues/{id}/items/{traceId}/claim',
    tags: ['review'],
    summary: 'Claim one item',
    description: '409 `item_finished` when it is complete or escalated, `item_taken` when it already has the reviewers it needs, `already_reviewed` when you reviewed it.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: ItemId },
    responses: { 200: json(ItemOut, 'Claimed'), ...commonErrors, ...notFound, ...conflict },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, traceId } = c.req.valid('param');
    const q = await getQueue(c.env, auth.projectId, id);
    const reviewer = assertMayReview(auth, q);
    return c.json(unwrap(await hubFor(c.env, auth.projectId).claim(hubQueue(auth.projectId, q), traceId, reviewer)), 200);
  },
);

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues/{id}/items/{traceId}/review',
    tags: ['review'],
    summary: 'Submit a review',
    description:
      "Answers every required rubric key (`values`), plus the correction if the queue asks for one and a comment. Stored exactly once: resend the same `idempotency_key` after a network error and the stored review is answered (`duplicate: true`). Lands in D1 as feedback (`source: human`, `author`: your email, `queue_id`): one row per key, plus `correction` (with the comment) or `comment`. 400 names a missing or invalid key; 409 `not_claimed` when you do not hold the item.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: ItemId, body: { content: { 'application/json': { schema: ReviewSubmit } }, required: true } },
    responses: { 201: json(ReviewSubmitted, 'Stored'), 200: json(ReviewSubmitted, 'Already stored (a retry)'), ...commonErrors, ...notFound, ...conflict },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, traceId } = c.req.valid('param');
    const q = await getQueue(c.env, auth.projectId, id);
    const reviewer = assertMayReview(auth, q);
    const body = c.req.valid('json');
    const { values, entries } = checkValues(q.rubric, body.values, { requireAll: true });
    checkCorrection(q, body.correction);
    const comment = body.comment?.trim() || null;
    const result = unwrap(
      await hubFor(c.env, auth.projectId).submit(hubQueue(auth.projectId, q), traceId, reviewer, { idempotencyKey: body.idempotency_key ?? null, values, entries, correction: body.correction, comment }),
    );
    return c.json(result, result.duplicate ? 200 : 201);
  },
);

for (const action of ['skip', 'release'] as const) {
  reviewRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/v1/review-queues/{id}/items/{traceId}/${action}`,
      tags: ['review'],
      summary: action === 'skip' ? 'Skip an item' : 'Release an item',
      description:
        action === 'skip'
          ? 'Lets go of your claim; the item goes back to the others and is not offered to you again. 409 `not_claimed` when you do not hold it.'
          : 'Lets go of your claim; the item goes back to the queue (you may get it again). Answers `released: false` when you held nothing.',
      security: [{ apiKey: [] }],
      middleware: [requireAuth('read')] as const,
      request: { params: ItemId },
      responses: { 200: json(z.object({ released: z.boolean() }), 'Released'), ...commonErrors, ...notFound, ...conflict },
    }),
    async (c) => {
      const auth = c.get('auth');
      const { id, traceId } = c.req.valid('param');
      const q = await getQueue(c.env, auth.projectId, id);
      const reviewer = assertMayReview(auth, q);
      return c.json(unwrap(await hubFor(c.env, auth.projectId).release(hubQueue(auth.projectId, q), traceId, reviewer, action === 'skip')), 200);
    },
  );
}

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues/{id}/items/{traceId}/escalate',
    tags: ['review'],
    summary: 'Escalate an item to a domain-expert queue',
    description:
      'For an item you hold: it leaves this queue (status `escalated`) and enters `target_queue_id` (a queue reviewed by domain experts) with your note. A trace already in the target queue keeps its item there.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: ItemId, body: { content: { 'application/json': { schema: EscalateIn } }, required: true } },
    responses: { 200: json(z.object({ item: ItemOut, already_in_target: z.boolean() }), 'Escalated'), ...commonErrors, ...notFound, ...conflict },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, traceId } = c.req.valid('param');
    const body = c.req.valid('json');
    const q = await getQueue(c.env, auth.projectId, id);
    const reviewer = assertMayReview(auth, q);
    if (body.target_queue_id === q.id) throw new ApiError(400, 'invalid_request', 'target_queue_id: escalate to another queue, not this one', 'target_queue_id');
    const target = await getQueue(c.env, auth.projectId, body.target_queue_id, 'target_queue_id').catch((err) => {
      throw err instanceof ApiError && err.status === 404 ? new ApiError(400, 'invalid_request', `target_queue_id: no queue '${body.target_queue_id}' in this project`, 'target_queue_id') : err;
    });
    if (target.reviewRole === 'reviewer') throw new ApiError(400, 'invalid_request', `target_queue_id: '${target.name}' is not reviewed by domain experts (its review_role is reviewer)`, 'target_queue_id');
    return c.json(unwrap(await hubFor(c.env, auth.projectId).escalate(hubQueue(auth.projectId, q), traceId, reviewer, target.id, body.note)), 200);
  },
);

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues/{id}/items/{traceId}/adjudicate',
    tags: ['review'],
    summary: 'Adjudicate a conflict',
    description:
      "For an item in `conflict` (its reviewers disagree): `values` must decide every key in `conflicts` and may override others. The result is the item's final label, written as feedback with `metadata.final: true` and you as author. Owners and admins only.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: ItemId, body: { content: { 'application/json': { schema: AdjudicateIn } }, required: true } },
    responses: { 200: json(ItemOut, 'The item, complete'), ...commonErrors, ...notFound, ...conflict },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, traceId } = c.req.valid('param');
    const q = await getQueue(c.env, auth.projectId, id);
    const adjudicator = assertMayAdjudicate(auth);
    const body = c.req.valid('json');
    const { values, entries } = checkValues(q.rubric, body.values, { requireAll: false });
    checkCorrection(q, body.correction);
    return c.json(unwrap(await hubFor(c.env, auth.projectId).adjudicate(hubQueue(auth.projectId, q), traceId, adjudicator, { values, entries, comment: body.comment?.trim() || null, correction: body.correction })), 200);
  },
);
