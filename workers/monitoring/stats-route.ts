/**
 * Dashboards: GET /v1/stats/timeseries, /v1/stats/models, /v1/stats/releases, and POST
 * /v1/stats/batch for a page's charts at once (read scope).
 * Figures come from roll-up rows when the filter allows, else are computed on read; see docs/dashboards.md.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors } from '../platform/errors.ts';
import {
  MAX_BATCH_CHARTS,
  StatsBatch,
  StatsBatchRequest,
  StatsModels,
  StatsModelsQuery,
  StatsReleases,
  StatsReleasesQuery,
  StatsTimeseries,
  StatsTimeseriesQuery,
} from '../../schema/wire/stats.ts';
import { statsModels, statsReleases, statsTimeseries } from './stats.ts';
import { statsBatch } from './stats-batch.ts';

export const statsRoutes = newRouter();

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

statsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/stats/timeseries',
    tags: ['stats'],
    summary: 'Figures over time',
    description:
      'Per UTC hour or day over traces started in [since, until) (at most 90 days): trace count, errors, latency p50/p95/p99 (nearest rank), tokens, cost, and the average of every feedback and evaluator score key. With no filter, or a filter on one split dimension only (`env=production`), figures come from roll-up rows (`computed: "rollups"`) and percentiles from a DDSketch within 1% relative error of exact (`percentiles`); otherwise they are computed on read with exact percentiles. `split` gives one series per value (the 10 with most traces, then "(other)"); a trace with several models or tags is in each of their series. Buckets without traces are omitted.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { query: StatsTimeseriesQuery },
    responses: { 200: json(StatsTimeseries, 'Series'), ...commonErrors },
  }),
  async (c) => c.json(await statsTimeseries(c.env, c.get('auth').projectId, c.req.valid('query')), 200),
);

statsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/stats/models',
    tags: ['stats'],
    summary: 'Per-model table',
    description: 'The LLM calls (spans with a model) of the traces started in the range and matching the filter: calls, tokens, cost, latency p50/p95 and error rate per model, most calls first. Without a filter from roll-ups (percentiles within 1%, see `percentiles`), with one on read (exact).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { query: StatsModelsQuery },
    responses: { 200: json(StatsModels, 'Models'), ...commonErrors },
  }),
  async (c) => c.json(await statsModels(c.env, c.get('auth').projectId, c.req.valid('query')), 200),
);

statsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/stats/releases',
    tags: ['stats'],
    summary: 'Two releases side by side',
    description: "Each release's figures over the traces started in the range and matching the filter (zeros for a release without traces). Without a filter from roll-ups (percentiles within 1%), with one on read (exact).",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { query: StatsReleasesQuery },
    responses: { 200: json(StatsReleases, 'Both releases'), ...commonErrors },
  }),
  async (c) => c.json(await statsReleases(c.env, c.get('auth').projectId, c.req.valid('query')), 200),
);

statsRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/stats/batch',
    tags: ['stats'],
    summary: "A dashboard's charts in one request",
    description: `Up to ${MAX_BATCH_CHARTS} charts, each \`{id, kind: "timeseries" | "models" | "releases", ...}\` with the query parameters of GET /v1/stats/<kind>, each answered with \`{id, kind, ...}\` and the body that endpoint returns, in the order asked. One auth and one D1 batch for all of them (a page's six requests each paid both). A bad chart answers 400 naming \`charts[i].<field>\`.`,
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { body: { required: true, content: { 'application/json': { schema: StatsBatchRequest } } } },
    responses: { 200: json(StatsBatch, 'One answer per chart'), ...commonErrors },
  }),
  async (c) => c.json(await statsBatch(c.env, c.get('auth').projectId, c.req.valid('json').charts), 200),
);
