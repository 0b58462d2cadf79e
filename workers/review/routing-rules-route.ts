/**
 * Routing rules of a queue: GET/POST /v1/review-queues/{id}/rules and
 * PATCH/DELETE /v1/review-queues/{id}/rules/{ruleId}. Reads need `read`, changes `admin`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { RoutingRuleCreate, RoutingRuleOut, RoutingRulePatch } from '../../schema/wire/review.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { getQueue } from './queues.ts';
import { createRoutingRule, deleteRoutingRule, listRoutingRules, routingRuleOut, updateRoutingRule } from './routing.ts';

export const routingRuleRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const RuleId = z.object({ id: z.string().min(1).max(64), ruleId: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

routingRuleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}/rules',
    tags: ['review'],
    summary: "List a queue's routing rules",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ rules: z.array(RoutingRuleOut) }), 'Rules'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = await getQueue(c.env, projectId, c.req.valid('param').id);
    return c.json({ rules: (await listRoutingRules(c.env, projectId, q.id)).map(routingRuleOut) }, 200);
  },
);

routingRuleRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/review-queues/{id}/rules',
    tags: ['review'],
    summary: 'Add a routing rule to a queue',
    description:
      'Traces matching `filter` (the shared filter language) enter the queue, sampled at `sampling_rate` (decided per trace, so a trace matched again gets the same answer). Rules are checked when a trace completes and again whenever feedback or scores arrive on it, e.g. `feedback.thumbs=0 or score.helpfulness<0.5`. With `calibration`, only matches where an evaluator needs people enter: it and a person disagree, its score is near a threshold, or the trace falls in the calibration sample of judged traces. A trace enters a queue at most once.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: RoutingRuleCreate } }, required: true } },
    responses: { 201: json(RoutingRuleOut, 'Created'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = await getQueue(c.env, projectId, c.req.valid('param').id);
    return c.json(routingRuleOut(await createRoutingRule(c.env, projectId, q, c.req.valid('json'))), 201);
  },
);

routingRuleRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/review-queues/{id}/rules/{ruleId}',
    tags: ['review'],
    summary: 'Change a routing rule',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: RuleId, body: { content: { 'application/json': { schema: RoutingRulePatch } }, required: true } },
    responses: { 200: json(RoutingRuleOut, 'The rule'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const { id, ruleId } = c.req.valid('param');
    const q = await getQueue(c.env, projectId, id);
    return c.json(routingRuleOut(await updateRoutingRule(c.env, projectId, q.id, ruleId, c.req.valid('json'))), 200);
  },
);

routingRuleRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/review-queues/{id}/rules/{ruleId}',
    tags: ['review'],
    summary: 'Delete a routing rule',
    description: 'Traces it routed stay in the queue.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: RuleId },
    responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const { id, ruleId } = c.req.valid('param');
    const q = await getQueue(c.env, projectId, id);
    await deleteRoutingRule(c.env, projectId, q.id, ruleId);
    await audit(c.env, c.get('auth'), 'routing_rule.deleted', { type: 'routing_rule', id: ruleId, details: { queue_id: q.id } });
    return c.json({ deleted: true as const }, 200);
  },
);
