/** GET /v1/traces and GET /v1/traces/:id. Needs the `read` scope. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { getTrace, getTraceJson, listTraces } from './trace-query.ts';
import { TraceList, TraceTree } from '../../schema/wire/trace.ts';
import { TraceListQuery } from '../../schema/wire/query.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';

export const traceRoutes = newRouter();

const errors = {
  400: { description: 'Bad parameter or filter', content: { 'application/json': { schema: ErrorBody } } },
  401: { description: 'Missing or revoked key', content: { 'application/json': { schema: ErrorBody } } },
  403: { description: 'Key lacks the read scope', content: { 'application/json': { schema: ErrorBody } } },
} as const;

traceRoutes.use('/v1/traces', requireAuth('read'));
traceRoutes.use('/v1/traces/*', requireAuth('read'));

traceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/traces',
    tags: ['traces'],
    summary: 'List traces',
    description: 'Traces newest first (or by `sort`), filtered by `q` and the time range, with roll-ups and a feedback summary. Keyset pagination: pass `next_cursor` back as `cursor`.',
    security: [{ apiKey: [] }],
    request: { query: TraceListQuery },
    responses: { 200: { description: 'A page of traces', content: { 'application/json': { schema: TraceList } } }, ...errors },
  }),
  async (c) => {
    const query = c.req.valid('query');
    return c.json(await listTraces(c.env, c.get('auth').projectId, query), 200);
  },
);

traceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/traces/{id}',
    tags: ['traces'],
    summary: 'Get a trace',
    description:
      'The whole span tree (depth-first, children by start time) with full inputs and outputs, plus every feedback row. `payloads=false` returns previews instead of inputs and outputs (fast for very large traces); load one span in full with GET /v1/traces/{id}/spans/{spanId}.',
    security: [{ apiKey: [] }],
    request: {
      params: z.object({ id: z.string().min(1).max(128) }),
      query: z.object({ payloads: z.enum(['true', 'false']).default('true').meta({ description: 'false: previews instead of full inputs and outputs' }) }),
    },
    responses: {
      200: { description: 'The trace', content: { 'application/json': { schema: TraceTree } } },
      404: { description: 'No such trace in this project', content: { 'application/json': { schema: ErrorBody } } },
      ...errors,
    },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    const id = c.req.valid('param').id;
    if (c.req.valid('query').payloads !== 'true') return c.json(await getTrace(c.env, projectId, id, { payloads: false }), 200);
    // The body is getTrace's result already serialized (payloads copied, not re-parsed:
    // see getTraceJson), so it is typed as the JSON response it is.
    const body = await getTraceJson(c.env, projectId, id);
    return c.body(body, 200, { 'content-type': 'application/json' }) as unknown as ReturnType<typeof c.json<TraceTree, 200>>;
  },
);
