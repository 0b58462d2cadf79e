/**
 * GET /v1/traces/{id}/spans/{spanId} (read scope): one span with its full input and
 * output. The review UI loads a large trace's tree without payloads
 * (GET /v1/traces/{id}?payloads=false) and each span's payloads as it is selected.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { SpanOut } from '../../schema/wire/span.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { getSpan } from './trace-query.ts';

export const traceSpanRoutes = newRouter();

traceSpanRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/traces/{id}/spans/{spanId}',
    tags: ['traces'],
    summary: 'Get one span of a trace',
    description: 'The span with its full input and output.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: z.object({ id: z.string().min(1).max(128), spanId: z.string().min(1).max(128) }) },
    responses: {
      200: { description: 'The span', content: { 'application/json': { schema: SpanOut } } },
      404: { description: 'No such span in this project', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    const { id, spanId } = c.req.valid('param');
    const span = await getSpan(c.env, c.get('auth').projectId, id, spanId);
    if (!span) throw new ApiError(404, 'not_found', `span '${spanId}' of trace '${id}' not found in this project`, 'spanId');
    return c.json(span, 200);
  },
);
