/** POST /v1/evaluators/try: run an evaluator on chosen traces without storing anything. Needs `admin`. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { TryIn, TryResult } from '../../schema/wire/runs.ts';
import { draftEvaluator, getEvaluator } from './evaluators.ts';
import { tryEvaluator } from './try.ts';
import { commonErrors, notFound } from '../platform/errors.ts';

export const evaluatorTryRoutes = newRouter();

evaluatorTryRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/evaluators/try',
    tags: ['evaluators'],
    summary: 'Try an evaluator on traces',
    description:
      'Runs a saved evaluator (`evaluator_id`, optionally `version`) or an unsaved definition (`evaluator`, the POST /v1/evaluators body) on up to 10 traces and answers each score or error, with what the judge saw and said. Nothing is stored (judge calls still count toward the daily spend cap).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: TryIn } }, required: true } },
    responses: { 200: { description: 'Results, in trace order', content: { 'application/json': { schema: z.object({ evaluator: z.object({ id: z.string(), version: z.number() }), results: z.array(TryResult) }) } } }, ...commonErrors, ...notFound },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    const body = c.req.valid('json');
    const evaluator = body.evaluator ? await draftEvaluator(c.env, projectId, body.evaluator, 'evaluator') : await getEvaluator(c.env, projectId, body.evaluator_id!, body.version);
    const results = await tryEvaluator(c.env, projectId, evaluator, [...new Set(body.trace_ids)]);
    return c.json({ evaluator: { id: evaluator.id, version: evaluator.version }, results }, 200);
  },
);
