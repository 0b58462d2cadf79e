/**
 * GET /v1/traces/facets (read scope): the project's tags, metadata keys, feedback keys and
 * other values, for autocomplete in the filter bar and the CLI. Mounted before
 * GET /v1/traces/{id}, which would otherwise take `facets` for a trace id.
 */
import { createRoute } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { TraceFacets } from '../../schema/wire/facets.ts';
import { traceFacets } from './facets.ts';

export const facetRoutes = newRouter();

facetRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/traces/facets',
    tags: ['traces'],
    summary: "The project's filter vocabulary",
    description: 'Tags, metadata keys, feedback keys, environments, releases, models and trace names seen in the newest 2,000 traces (feedback keys: all), for autocomplete.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: { description: 'Facets', content: { 'application/json': { schema: TraceFacets } } } },
  }),
  async (c) => {
    c.header('cache-control', 'private, max-age=30');
    return c.json(await traceFacets(c.env, c.get('auth').projectId), 200);
  },
);
