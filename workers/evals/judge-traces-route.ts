/** GET /v1/judge-traces/{id}: what a judge saw and said, from the organisation's system project. Needs `read`. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { TraceTree } from '../../schema/wire/trace.ts';
import { getJudgeTrace } from './judge-traces.ts';
import { commonErrors, notFound } from '../platform/errors.ts';

export const judgeTraceRoutes = newRouter();

judgeTraceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/judge-traces/{id}',
    tags: ['evaluators'],
    summary: 'Get a judge call',
    description:
      "A judge call as a trace: the rendered prompt, the answer schema, the model's raw answer, tokens, cost and the resulting score or error. Its id is the score's `metadata.judge_trace_id` and the run log's `judge_trace_id`. Only the project the judge scored can read it.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: z.object({ id: z.string().min(1).max(128) }) },
    responses: { 200: { description: 'The judge trace', content: { 'application/json': { schema: TraceTree } } }, ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await getJudgeTrace(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);
