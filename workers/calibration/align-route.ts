/** POST /v1/evaluators/{id}/align: a draft judge's agreement with people beside the current version's, writing no scores. Needs `admin`. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { AlignIn, AlignOut } from '../../schema/wire/calibration.ts';
import { alignEvaluator } from './align.ts';

export const alignRoutes = newRouter();

alignRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/evaluators/{id}/align',
    tags: ['evaluators'],
    summary: 'Align a draft judge with people',
    description:
      "Runs `draft` (changes to the evaluator, as the PATCH body) or a saved `version` over the newest `limit` items people labelled (the agreement read's human key), writing no scores, and answers its agreement beside the current version's (stored scores; unscored items run now) with the items whose verdict changed. Malformed answers are counted as errors, not as agreement. With a gate on the evaluator, measuring a saved version promotes or blocks it. No labelled items: 400. Judge calls count toward the daily spend cap.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }), body: { content: { 'application/json': { schema: AlignIn } }, required: true } },
    responses: { 200: { description: 'The alignment', content: { 'application/json': { schema: AlignOut } } }, ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    return c.json(await alignEvaluator(c.env, auth.projectId, c.req.valid('param').id, c.req.valid('json'), auth.principalId ?? null), 200);
  },
);
