/**
 * GET /v1/evaluators/{id}/agreement: an evaluator's agreement with human labels (read), and
 * the stored key mapping it uses (GET read, PUT admin).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { AgreementOut, AgreementQuery, CalibrationMapping, CalibrationMappingOut } from '../../schema/wire/calibration.ts';
import { getEvaluator } from '../evals/evaluators.ts';
import { ApiError } from '../platform/errors.ts';
import { getMapping, putMapping } from './mappings.ts';
import { evaluatorAgreement } from './agreement.ts';
import { alignRoutes } from './align-route.ts';
import { gateRoutes } from './gate-route.ts';

export const calibrationRoutes = newRouter();
// Alignment and the gate are mounted here, so the app registers calibration once.
calibrationRoutes.route('/', alignRoutes);
calibrationRoutes.route('/', gateRoutes);

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

const Id = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

calibrationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluators/{id}/agreement/mapping',
    tags: ['evaluators'],
    summary: 'The human key an evaluator is compared with',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(CalibrationMappingOut, 'Mapping'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    const { id } = c.req.valid('param');
    const evaluator = await getEvaluator(c.env, projectId, id);
    const m = await getMapping(c.env, projectId, id);
    if (!m) throw new ApiError(404, 'not_found', `evaluator '${id}' has no mapping: it is compared with human key '${evaluator.key}'`, 'id');
    return c.json(m, 200);
  },
);

calibrationRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/evaluators/{id}/agreement/mapping',
    tags: ['evaluators'],
    summary: 'Compare an evaluator with another human key',
    description: 'E.g. judge key `helpfulness` <- human key `helpful`. A mapping between incompatible types shows as a 400 on the agreement read naming both keys.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: CalibrationMapping } }, required: true } },
    responses: { 200: json(CalibrationMappingOut, 'Mapping'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    return c.json(await putMapping(c.env, auth.projectId, c.req.valid('param').id, c.req.valid('json'), auth.principalId ?? null), 200);
  },
);
