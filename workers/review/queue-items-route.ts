/**
 * A queue's items: POST /v1/review-queues/{id}/items (add traces by id or by filter; needs
 * `ingest`, which reviewers hold), GET /v1/review-queues/{id}/items (list), GET
 * .../items/{traceId} (one item as the caller may see it) and GET .../items/{traceId}/trace
 * (the trace with other reviewers' answers hidden until the caller submitted: blind review).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { AddItems, AddItemsOut, ItemOut } from '../../schema/wire/review.ts';
import { TraceTree } from '../../schema/wire/trace.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { getQueue, hubFor, hubQueue, unwrap } from './queues.ts';
import { addItems, reviewTrace, viewerOf } from './items.ts';

export const queueItemRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const ItemId = z.object({ id: z.string().min(1).max(64), traceId: z.string().min(1).max(128) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

queueItemRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues/{id}/items',
    tags: ['review'],
    summary: 'Add traces to a queue',
    description:
      'By id (`trace_ids`, up to 1,000; every one must exist in the project, else nothing is added) or by `filter` (the shared language, with optional `from`/`to` on the start time; the newest `limit` matches). A trace already in the queue stays as it is (`already_queued`).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: AddItems } }, required: true } },
    responses: { 200: json(AddItemsOut, 'Added'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const q = await getQueue(c.env, auth.projectId, c.req.valid('param').id);
    return c.json(await addItems(c.env, auth.projectId, q, c.req.valid('json'), auth), 200);
  },
);

queueItemRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}/items',
    tags: ['review'],
    summary: "List a queue's items",
    description: 'In queue order (oldest first), optionally one `status`. Pass `next_cursor` back as `cursor`.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: {
      params: Id,
      query: z.object({
        status: z.enum(['pending', 'complete', 'conflict', 'escalated']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        cursor: z.string().regex(/^\d+$/, 'must be a cursor from next_cursor').optional(),
      }),
    },
    responses: { 200: json(z.object({ items: z.array(ItemOut), next_cursor: z.string().nullable() }), 'Items'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = await getQueue(c.env, projectId, c.req.valid('param').id);
    const query = c.req.valid('query');
    const page = await hubFor(c.env, projectId).listItems(hubQueue(projectId, q), { status: query.status, limit: query.limit, after: query.cursor ? Number(query.cursor) : undefined });
    return c.json({ items: page.items, next_cursor: page.next === null ? null : String(page.next) }, 200);
  },
);

queueItemRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}/items/{traceId}',
    tags: ['review'],
    summary: 'Get one item',
    description: "Its status, counts, your claim and review; other reviewers' reviews only once you submitted yours (owners and admins who are not reviewing it see them all).",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: ItemId },
    responses: { 200: json(ItemOut, 'The item'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, traceId } = c.req.valid('param');
    const q = await getQueue(c.env, auth.projectId, id);
    return c.json(unwrap(await hubFor(c.env, auth.projectId).getItem(hubQueue(auth.projectId, q), traceId, viewerOf(auth))), 200);
  },
);

queueItemRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}/items/{traceId}/trace',
    tags: ['review'],
    summary: "An item's trace, blind to other reviewers",
    description:
      "The span tree without payloads (load a span's input and output with GET /v1/traces/{id}/spans/{spanId}) and the trace's feedback, leaving out this queue's feedback from other reviewers until you submitted your review.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: ItemId },
    responses: { 200: json(TraceTree, 'The trace'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, traceId } = c.req.valid('param');
    const q = await getQueue(c.env, auth.projectId, id);
    return c.json(await reviewTrace(c.env, auth.projectId, q, traceId, viewerOf(auth)), 200);
  },
);
