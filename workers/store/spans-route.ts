/** GET /v1/spans: span-level search (e.g. every failing call of one tool). Needs `read`. */
import { createRoute } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { listSpans } from './trace-query.ts';
import { SpanList } from '../../schema/wire/trace.ts';
import { ListQuery } from '../../schema/wire/query.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';

export const spanSearchRoutes = newRouter();

spanSearchRoutes.use('/v1/spans', async (c, next) => (c.req.method === 'GET' ? requireAuth('read')(c, next) : next()));

spanSearchRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/spans',
    tags: ['traces'],
    summary: 'Search spans',
    description: 'Spans newest first matching `q` at span level, with input/output previews. Example: `kind=tool name=search_flights status=error`.',
    security: [{ apiKey: [] }],
    request: { query: ListQuery },
    responses: {
      200: { description: 'A page of spans', content: { 'application/json': { schema: SpanList } } },
      400: { description: 'Bad parameter or filter', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => c.json(await listSpans(c.env, c.get('auth').projectId, c.req.valid('query')), 200),
);
