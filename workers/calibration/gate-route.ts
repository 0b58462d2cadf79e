/**
 * The agreement gate of an evaluator: GET (read), PUT / DELETE (admin), and an owner's
 * override with a kept reason (POST .../gate/override).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { GateIn, GateOut, GateOverride } from '../../schema/wire/calibration.ts';
import { deleteGate, getGate, overrideGate, putGate } from './gates.ts';

export const gateRoutes = newRouter();

const params = z.object({ id: z.string().min(1).max(64) });
const out = { 200: { description: 'The gate', content: { 'application/json': { schema: GateOut } } }, ...commonErrors, ...notFound };
const body = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

gateRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/evaluators/{id}/gate', tags: ['evaluators'], summary: "An evaluator's agreement gate and its decisions", security: [{ apiKey: [] }], middleware: [requireAuth('read')] as const, request: { params }, responses: out }),
  async (c) => c.json(await getGate(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);

gateRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/evaluators/{id}/gate',
    tags: ['evaluators'],
    summary: 'Gate an evaluator on agreement',
    description:
      "Rules keep running the live version (the newest when the gate is made) until POST /v1/evaluators/{id}/align with a saved `version` measures it at least as well on `metric` as the live one on the same human-labelled items, or at or above `min_value`.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params, body: body(GateIn) },
    responses: out,
  }),
  async (c) => {
    const auth = c.get('auth');
    return c.json(await putGate(c.env, auth.projectId, c.req.valid('param').id, c.req.valid('json'), auth.principalId ?? null), 200);
  },
);

gateRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/evaluators/{id}/gate',
    tags: ['evaluators'],
    summary: 'Remove the gate (rules run the newest version)',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params },
    responses: { 204: { description: 'Removed' }, ...commonErrors, ...notFound },
  }),
  async (c) => {
    await deleteGate(c.env, c.get('auth').projectId, c.req.valid('param').id);
    return c.body(null, 204);
  },
);

gateRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/evaluators/{id}/gate/override',
    tags: ['evaluators'],
    summary: 'Switch rules to a version regardless of agreement (owner)',
    description: 'Needs an owner signed in (API keys carry no role) and a `reason`, which is kept in the gate\'s decisions with who and when.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params, body: body(GateOverride) },
    responses: out,
  }),
  async (c) => {
    const auth = c.get('auth');
    return c.json(await overrideGate(c.env, auth.projectId, c.req.valid('param').id, c.req.valid('json'), auth), 200);
  },
);
