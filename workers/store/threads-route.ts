/** GET /v1/threads and GET /v1/threads/{id}: conversations (traces sharing a session_id). Needs the `read` scope. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { getThread, listThreads } from './threads.ts';
import { ThreadDetail, ThreadId, ThreadList, ThreadListQuery } from '../../schema/wire/threads.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';

export const threadRoutes = newRouter();

const errors = {
  400: { description: 'Bad parameter or filter', content: { 'application/json': { schema: ErrorBody } } },
  401: { description: 'Missing or revoked key', content: { 'application/json': { schema: ErrorBody } } },
  403: { description: 'Key lacks the read scope', content: { 'application/json': { schema: ErrorBody } } },
} as const;

threadRoutes.use('/v1/threads', requireAuth('read'));
threadRoutes.use('/v1/threads/*', requireAuth('read'));

threadRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/threads',
    tags: ['threads'],
    summary: 'List threads',
    description:
      'Conversations: the traces that share a `session_id`, one row per thread, newest activity (latest trace start) first. A thread is listed when at least one of its traces matches `q` and the time range; its figures cover all of its traces. Keyset pagination: pass `next_cursor` back as `cursor`.',
    security: [{ apiKey: [] }],
    request: { query: ThreadListQuery },
    responses: { 200: { description: 'A page of threads', content: { 'application/json': { schema: ThreadList } } }, ...errors },
  }),
  async (c) => c.json(await listThreads(c.env, c.get('auth').projectId, c.req.valid('query')), 200),
);

threadRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/threads/{id}',
    tags: ['threads'],
    summary: 'Get a thread',
    description: "A thread's figures, its turns (one per trace) in time order with previews and feedback, and the feedback thread evaluators gave the whole thread.",
    security: [{ apiKey: [] }],
    request: { params: z.object({ id: ThreadId }) },
    responses: {
      200: { description: 'The thread', content: { 'application/json': { schema: ThreadDetail } } },
      404: { description: 'No trace of this project has this session id', content: { 'application/json': { schema: ErrorBody } } },
      ...errors,
    },
  }),
  async (c) => c.json(await getThread(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);
