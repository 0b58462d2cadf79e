/**
 * Annotation queues: GET/POST /v1/review-queues, GET/PATCH/DELETE /v1/review-queues/{id},
 * GET /v1/review-queues/{id}/stats (progress per queue and reviewer, agreement per rubric
 * key) and GET /v1/review-queues/{id}/conflicts. Reads need `read`; creating, changing and
 * deleting need `admin`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { ItemOut, QueueCreate, QueueOut, QueuePatch, QueueStats } from '../../schema/wire/review.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { createQueue, deleteQueue, getQueue, hubFor, hubQueue, listQueues, queueOut, updateQueue } from './queues.ts';

export const queueRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

queueRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues',
    tags: ['review'],
    summary: 'List annotation queues',
    description: 'Every queue of the project with its progress (items pending, in progress, complete, in conflict, escalated; reviews).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: json(z.object({ queues: z.array(QueueOut) }), 'Queues'), ...commonErrors },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const queues = await listQueues(c.env, projectId);
    const progress = queues.length ? await hubFor(c.env, projectId).progressOf(queues.map((q) => q.id)) : {};
    return c.json({ queues: queues.map((q) => queueOut(q, progress[q.id])) }, 200);
  },
);

queueRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues',
    tags: ['review'],
    summary: 'Create an annotation queue',
    description:
      'A queue asks reviewers the questions of its `rubric` (boolean, categorical, number in a range, free text; required or optional), optionally for a corrected output, with `reviewers_per_item` distinct reviewers per item. Fill it with routing rules, by hand, or from a filter.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: QueueCreate } }, required: true } },
    responses: { 201: json(QueueOut, 'Created'), ...commonErrors },
  }),
  async (c) => {
    const auth = c.get('auth');
    return c.json(queueOut(await createQueue(c.env, auth.projectId, auth.orgId, c.req.valid('json'))), 201);
  },
);

queueRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}',
    tags: ['review'],
    summary: 'Get an annotation queue',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(QueueOut, 'The queue'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = await getQueue(c.env, projectId, c.req.valid('param').id);
    const progress = await hubFor(c.env, projectId).progressOf([q.id]);
    return c.json(queueOut(q, progress[q.id]), 200);
  },
);

queueRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/review-queues/{id}',
    tags: ['review'],
    summary: 'Change an annotation queue',
    description: 'Fields not sent keep their values. Lowering `reviewers_per_item` completes items that now have enough reviews; raising it reopens nothing already complete.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: QueuePatch } }, required: true } },
    responses: { 200: json(QueueOut, 'The queue'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    return c.json(queueOut(await updateQueue(c.env, auth.projectId, auth.orgId, c.req.valid('param').id, c.req.valid('json'))), 200);
  },
);

queueRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/review-queues/{id}',
    tags: ['review'],
    summary: 'Delete an annotation queue',
    description: 'Stops its routing rules and drops its items and claims. The feedback its reviews wrote stays on the traces.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    await deleteQueue(c.env, c.get('auth').projectId, c.req.valid('param').id);
    await audit(c.env, c.get('auth'), 'review_queue.deleted', { type: 'review_queue', id: c.req.valid('param').id });
    return c.json({ deleted: true as const }, 200);
  },
);

queueRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}/stats',
    tags: ['review'],
    summary: 'Progress, reviewers and agreement of a queue',
    description:
      "Progress counts; per reviewer: reviews submitted, items skipped, the item held now, whether the queue is open in their browser; per compared rubric key (not free text): percent agreement and Cohen's kappa (the same two reviewers on every item) or Fleiss' kappa (otherwise), over finished items with two or more answers.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(QueueStats, 'Stats'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = await getQueue(c.env, projectId, c.req.valid('param').id);
    return c.json({ queue_id: q.id, ...(await hubFor(c.env, projectId).stats(hubQueue(projectId, q))) }, 200);
  },
);

queueRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}/conflicts',
    tags: ['review'],
    summary: 'Items whose reviewers disagree',
    description: 'Items that have all their reviews but disagree on some rubric key (`conflicts`), with every review, waiting for adjudication (POST .../items/{traceId}/adjudicate).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
    responses: { 200: json(z.object({ items: z.array(ItemOut) }), 'Items in conflict'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = await getQueue(c.env, projectId, c.req.valid('param').id);
    return c.json({ items: await hubFor(c.env, projectId).conflicts(hubQueue(projectId, q), c.req.valid('query').limit) }, 200);
  },
);
