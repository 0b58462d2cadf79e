/**
 * Online rules and their run logs: GET/POST /v1/rules, GET/PATCH/DELETE /v1/rules/{id},
 * POST /v1/rules/{id}/backfill, GET /v1/rules/{id}/runs, GET /v1/rules/{id}/runs/{run_id}
 * and its results. Reads need `read`; changes and backfills need `admin`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { ApiError, commonErrors, notFound } from '../platform/errors.ts';
import { BackfillCreate, RunOut, RunResultOut } from '../../schema/wire/runs.ts';
import { RuleCreate, RuleOut, RulePatch } from '../../schema/wire/rules.ts';
import { parseTimestamp } from '../../schema/wire/time.ts';
import { createRule, deleteRule, getRule, listRules, ruleOut, updateRule } from './rules.ts';
import { startBackfill } from './matching.ts';
import { getRun, listResults, listRuns } from './run-log.ts';

export const ruleRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

ruleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/rules',
    tags: ['rules'],
    summary: 'List rules',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: json(z.object({ rules: z.array(RuleOut) }), 'Rules'), ...commonErrors },
  }),
  async (c) => c.json({ rules: await listRules(c.env, c.get('auth').projectId) }, 200),
);

ruleRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/rules',
    tags: ['rules'],
    summary: 'Create a rule',
    description:
      'Runs its evaluators on every new trace that matches `filter` (checked once the trace is complete: root span ended, then a quiet period), sampled at `sampling_rate` (decided per trace, so reruns agree). A filter that does not parse is rejected with its position. With `add_to_dataset` (a dataset id or name in this project) matching traces are also added to that dataset as examples, each trace once; such a rule may have no evaluators.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: RuleCreate } }, required: true } },
    responses: { 201: json(RuleOut, 'Created'), ...commonErrors },
  }),
  async (c) => {
    const created = await createRule(c.env, c.get('auth').projectId, c.req.valid('json'));
    await audit(c.env, c.get('auth'), 'rule.created', { type: 'rule', id: created.id, details: { name: created.name } });
    return c.json(created, 201);
  },
);

ruleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/rules/{id}',
    tags: ['rules'],
    summary: 'Get a rule',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(RuleOut, 'The rule'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(ruleOut(await getRule(c.env, c.get('auth').projectId, c.req.valid('param').id)), 200),
);

ruleRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/rules/{id}',
    tags: ['rules'],
    summary: 'Change a rule',
    description: 'Applies to traces matched from now on. `active: false` pauses it.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: RulePatch } }, required: true } },
    responses: { 200: json(RuleOut, 'Updated'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const updated = await updateRule(c.env, c.get('auth').projectId, c.req.valid('param').id, c.req.valid('json'));
    await audit(c.env, c.get('auth'), 'rule.updated', { type: 'rule', id: updated.id, details: { fields: Object.keys(c.req.valid('json')) } });
    return c.json(updated, 200);
  },
);

ruleRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/rules/{id}',
    tags: ['rules'],
    summary: 'Delete a rule',
    description: 'No new traces are matched; jobs already queued finish; scores stay.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    await deleteRule(c.env, c.get('auth').projectId, c.req.valid('param').id);
    await audit(c.env, c.get('auth'), 'rule.deleted', { type: 'rule', id: c.req.valid('param').id });
    return c.json({ deleted: true as const }, 200);
  },
);

/** A time in a body: RFC 3339 or epoch ms. */
function bodyTime(value: string | number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = parseTimestamp(typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (typeof parsed === 'string') throw new ApiError(400, 'invalid_request', `${field}: ${parsed}`, field);
  return parsed;
}

ruleRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/rules/{id}/backfill',
    tags: ['rules'],
    summary: 'Backfill a rule over a time range',
    description:
      'Matches the traces that started in [from, to) against the rule (filter and sampling as online; inactive rules can be backfilled too) and queues their evaluations as a new run. Watch it with GET /v1/rules/{id}/runs/{run_id}.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: BackfillCreate } }, required: true } },
    responses: { 202: json(RunOut, 'The backfill run, scanning'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const from = bodyTime(body.from, 'from', 0);
    const to = bodyTime(body.to, 'to', Date.now());
    return c.json(await startBackfill(c.env, c.get('auth').projectId, c.req.valid('param').id, { from, to, maxTraces: body.max_traces, rescore: body.rescore }), 202);
  },
);

ruleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/rules/{id}/runs',
    tags: ['rules'],
    summary: "List a rule's runs",
    description: 'The `online` run (new traces) and backfills, each with counters: traces matched and sampled; jobs queued, scored, failed, skipped.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ runs: z.array(RunOut) }), 'Runs'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json({ runs: await listRuns(c.env, c.get('auth').projectId, c.req.valid('param').id) }, 200),
);

const RunParams = Id.extend({ run_id: z.string().min(1).max(64) });

ruleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/rules/{id}/runs/{run_id}',
    tags: ['rules'],
    summary: 'Get a run with its counters',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: RunParams },
    responses: { 200: json(RunOut, 'The run'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { id, run_id } = c.req.valid('param');
    return c.json(await getRun(c.env, c.get('auth').projectId, id, run_id), 200);
  },
);

ruleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/rules/{id}/runs/{run_id}/results',
    tags: ['rules'],
    summary: "List a run's jobs (the run log)",
    description: 'One entry per (trace, span, evaluator) job with its status, score, error and judge trace, most recently changed first. `status=failed` lists the errors.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: {
      params: RunParams,
      query: z.object({
        status: z.enum(['queued', 'scored', 'failed', 'skipped', 'expanded']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: z.string().max(1000).optional(),
      }),
    },
    responses: { 200: json(z.object({ results: z.array(RunResultOut), next_cursor: z.string().nullable() }), 'Jobs'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { id, run_id } = c.req.valid('param');
    return c.json(await listResults(c.env, c.get('auth').projectId, id, run_id, c.req.valid('query')), 200);
  },
);
