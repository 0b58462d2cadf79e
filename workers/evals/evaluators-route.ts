/**
 * Evaluators: GET/POST /v1/evaluators, GET/PATCH/DELETE /v1/evaluators/{id}, versions,
 * and an evaluator's scores. Reads need `read`; changes need `admin`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { EvaluatorCreate, EvaluatorOut, EvaluatorPatch } from '../../schema/wire/evaluators.ts';
import { FeedbackOut } from '../../schema/wire/feedback.ts';
import { createEvaluator, deleteEvaluator, evaluatorOut, getEvaluator, listEvaluators, listVersions, updateEvaluator } from './evaluators.ts';
import { listScores } from './scores.ts';
import { commonErrors, notFound } from '../platform/errors.ts';

export const evaluatorRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

evaluatorRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluators',
    tags: ['evaluators'],
    summary: 'List evaluators',
    description: 'The newest version of each evaluator. `include_deleted=true` lists deleted ones too.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { query: z.object({ include_deleted: z.enum(['true', 'false']).optional() }) },
    responses: { 200: json(z.object({ evaluators: z.array(EvaluatorOut) }), 'Evaluators'), ...commonErrors },
  }),
  async (c) => c.json({ evaluators: await listEvaluators(c.env, c.get('auth').projectId, c.req.valid('query').include_deleted === 'true') }, 200),
);

evaluatorRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/evaluators',
    tags: ['evaluators'],
    summary: 'Create an evaluator',
    description:
      'A code check, an LLM judge or a webhook, from scratch (`config`) or from a template (`template`, with `config` fields overriding it). Version 1 is created; every later change makes a new version. Webhooks get a signing secret, answered once as `signing_secret` unless you sent `secret`.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: EvaluatorCreate } }, required: true } },
    responses: { 201: json(EvaluatorOut.extend({ signing_secret: z.string().optional() }), 'Created'), ...commonErrors },
  }),
  async (c) => {
    const auth = c.get('auth');
    const created = await createEvaluator(c.env, auth.projectId, c.req.valid('json'), auth.principalId);
    await audit(c.env, auth, 'evaluator.created', { type: 'evaluator', id: created.id, details: { name: created.name, version: created.version } });
    return c.json(created, 201);
  },
);

evaluatorRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluators/{id}',
    tags: ['evaluators'],
    summary: 'Get an evaluator',
    description: 'Its newest version (deleted evaluators stay readable, with `deleted_at`).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(EvaluatorOut, 'The evaluator'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(evaluatorOut(await getEvaluator(c.env, c.get('auth').projectId, c.req.valid('param').id)), 200),
);

evaluatorRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/evaluators/{id}',
    tags: ['evaluators'],
    summary: 'Change an evaluator (new version)',
    description: 'Any change makes a new version; older versions and their scores stay. A `config` of the same type may list only the fields to change.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: EvaluatorPatch } }, required: true } },
    responses: { 200: json(EvaluatorOut, 'The new version'), 409: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'Deleted, or changed concurrently'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const updated = await updateEvaluator(c.env, auth.projectId, c.req.valid('param').id, c.req.valid('json'), auth.principalId);
    await audit(c.env, auth, 'evaluator.updated', { type: 'evaluator', id: updated.id, details: { version: updated.version, fields: Object.keys(c.req.valid('json')).filter((k) => k !== 'secret') } });
    return c.json(updated, 200);
  },
);

evaluatorRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/evaluators/{id}',
    tags: ['evaluators'],
    summary: 'Delete an evaluator',
    description: 'Rules stop running it; its versions and scores stay readable.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    await deleteEvaluator(c.env, c.get('auth').projectId, c.req.valid('param').id);
    await audit(c.env, c.get('auth'), 'evaluator.deleted', { type: 'evaluator', id: c.req.valid('param').id });
    return c.json({ deleted: true as const }, 200);
  },
);

evaluatorRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluators/{id}/versions',
    tags: ['evaluators'],
    summary: "List an evaluator's versions",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ versions: z.array(EvaluatorOut) }), 'Versions, newest first'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json({ versions: await listVersions(c.env, c.get('auth').projectId, c.req.valid('param').id) }, 200),
);

evaluatorRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluators/{id}/versions/{version}',
    tags: ['evaluators'],
    summary: 'Get one version of an evaluator',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id.extend({ version: z.coerce.number().int().positive() }) },
    responses: { 200: json(EvaluatorOut, 'The version'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { id, version } = c.req.valid('param');
    return c.json(evaluatorOut(await getEvaluator(c.env, c.get('auth').projectId, id, version)), 200);
  },
);

evaluatorRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/evaluators/{id}/scores',
    tags: ['evaluators'],
    summary: "List an evaluator's scores",
    description: 'The feedback rows it wrote (source `evaluator`), newest first; `version` narrows to one version. Keyset pagination with `cursor`.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: {
      params: Id,
      query: z.object({ version: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(1000).optional() }),
    },
    responses: { 200: json(z.object({ scores: z.array(FeedbackOut), next_cursor: z.string().nullable() }), 'Scores'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    const { id } = c.req.valid('param');
    await getEvaluator(c.env, projectId, id);
    return c.json(await listScores(c.env, projectId, id, c.req.valid('query')), 200);
  },
);
