/**
 * GET/PUT /v1/retention (the project's retention policy and stored size) and
 * POST /v1/deletions, GET /v1/deletions/{id} (deletion jobs). Reads need `read`; changing the
 * policy and deleting need `admin`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { ApiError, commonErrors, notFound } from '../platform/errors.ts';
import { DeletionIn, DeletionOut, RetentionIn, RetentionOut } from '../../schema/wire/lifecycle.ts';
import { createDeletion, getDeletion } from './deletion.ts';
import { getRetention, putRetention } from './retention.ts';

export const lifecycleRoutes = newRouter();

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

lifecycleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/retention',
    tags: ['lifecycle'],
    summary: "The project's retention policy and stored size",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: json(RetentionOut, 'Retention'), ...commonErrors },
  }),
  async (c) => c.json(await getRetention(c.env, c.get('auth').projectId), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/retention',
    tags: ['lifecycle'],
    summary: "Set the project's retention policy",
    description: 'Traces older than `days` (from their start time) are deleted, D1 rows and R2 payloads, by the every-minute cron in chunks. `reviewed_days` keeps traces with human feedback or a queue review longer.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: RetentionIn } }, required: true } },
    responses: { 200: json(RetentionOut, 'Retention'), ...commonErrors },
  }),
  async (c) => c.json(await putRetention(c.env, c.get('auth').projectId, c.req.valid('json')), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/deletions',
    tags: ['lifecycle'],
    summary: 'Delete a trace, the traces matching a filter, or an end user\'s traces',
    description: 'Queues a deletion job (give exactly one of `trace_id`, `filter`, `user_id`). The job deletes D1 rows, full-text rows and R2 bytes (re-packing batches shared with other traces); follow it with GET /v1/deletions/{id}.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: DeletionIn } }, required: true } },
    responses: { 202: json(DeletionOut, 'Queued'), ...commonErrors },
  }),
  async (c) => c.json(await createDeletion(c.env, c.get('auth').projectId, c.req.valid('json')), 202),
);

lifecycleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/deletions/{id}',
    tags: ['lifecycle'],
    summary: 'A deletion job\'s status',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: json(DeletionOut, 'The job'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const job = await getDeletion(c.env, c.get('auth').projectId, c.req.valid('param').id);
    if (!job) throw new ApiError(404, 'not_found', 'no such deletion job in this project');
    return c.json(job, 200);
  },
);
