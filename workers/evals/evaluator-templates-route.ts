/** GET /v1/evaluator-templates: ready-made evaluators to start from. Needs `read`. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { EvaluatorTemplate } from '../../schema/wire/evaluators.ts';
import { EVALUATOR_TEMPLATES } from './templates.ts';
import { commonErrors } from '../platform/errors.ts';

export const evaluatorTemplateRoutes = newRouter();

evaluatorTemplateRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluator-templates',
    tags: ['evaluators'],
    summary: 'List evaluator templates',
    description:
      'LLM-judge templates (helpfulness, relevance, tone, groundedness, correctness, criteria, hallucination, trajectory quality) and code-check templates. Create one with `POST /v1/evaluators {"template": "<id>", "config": {"provider_id": "..."}}`; `needs` says what the trace must carry.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: { description: 'Templates', content: { 'application/json': { schema: z.object({ templates: z.array(EvaluatorTemplate) }) } } }, ...commonErrors },
  }),
  (c) => c.json({ templates: [...EVALUATOR_TEMPLATES] }, 200),
);
