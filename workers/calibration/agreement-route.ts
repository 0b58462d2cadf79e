/** GET /v1/evaluators/{id}/agreement: an evaluator's agreement with human labels (read scope). */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { AgreementOut, AgreementQuery } from '../../schema/wire/calibration.ts';
import { evaluatorAgreement } from './agreement.ts';

export const calibrationRoutes = newRouter();

calibrationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluators/{id}/agreement',
    tags: ['evaluators'],
    summary: "An evaluator's agreement with people",
    description:
      'Pairs its scores with human labels (source `human`) on the same trace or span, under the same key or `human_key`. Boolean: confusion matrix, accuracy, TPR, TNR, Cohen\'s kappa; categorical: matrix and kappa; numeric: Spearman, MAE, bias, share within `tolerance`. Each with n and a 95% interval; undefined values are null with a reason. Overall, per version and over time, with the disagreements.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }), query: AgreementQuery },
    responses: { 200: { description: 'Agreement', content: { 'application/json': { schema: AgreementOut } } }, ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await evaluatorAgreement(c.env, c.get('auth').projectId, c.req.valid('param').id, c.req.valid('query')), 200),
);
