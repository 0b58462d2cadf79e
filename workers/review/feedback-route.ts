/**
 * POST /v1/feedback (end-user thumbs, scores, comments, corrections; needs `ingest`, the
 * scope an agent's backend already holds) and GET /v1/feedback/keys (needs `read`).
 */
import { createRoute } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { FeedbackIn, FeedbackKeyList, FeedbackOut } from '../../schema/wire/feedback.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { feedbackKeys, upsertFeedback } from '../store/feedback.ts';

export const feedbackRoutes = newRouter();

feedbackRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/feedback',
    tags: ['feedback'],
    summary: 'Add feedback to a trace or span',
    description:
      'Thumbs (`key: "thumbs", score: 1|0`), scores, categories (`value`), comments and corrections. Send `id` to update one row on retries; without it, an identical post is stored once. Feedback for a trace not indexed yet is kept and shows once the trace arrives. Needs the `ingest` scope.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { body: { content: { 'application/json': { schema: FeedbackIn } }, required: true } },
    responses: {
      200: { description: 'Stored', content: { 'application/json': { schema: FeedbackOut } } },
      400: { description: 'Invalid feedback', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => c.json(await upsertFeedback(c.env, c.get('auth').projectId, c.req.valid('json')), 200),
);

feedbackRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/feedback/keys',
    tags: ['feedback'],
    summary: 'List feedback keys',
    description: 'Every feedback key used in the project, with how often and the average score: the names `feedback.<key>` filters accept.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: {
      200: {
        description: 'Keys',
        content: { 'application/json': { schema: FeedbackKeyList } },
      },
    },
  }),
  async (c) => c.json({ keys: await feedbackKeys(c.env, c.get('auth').projectId) }, 200),
);
