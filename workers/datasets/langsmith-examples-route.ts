/**
 * LangSmith's example reads over Loupe's versioned examples: GET /examples (what
 * `Client.listExamples` and evaluate() page through, 100 at a time by offset) and
 * GET /examples/{id} (what createExample(s) read back). Writes go through the multipart
 * platform route (langsmith-examples-multipart.ts), the one both SDKs use once /info
 * advertises it. Served under `/api/v1`.
 */
import { z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { getExample, getExampleById, listExamples, mustFindDataset } from './examples.ts';
import { langsmithExample, versionAsOf } from './langsmith-shapes.ts';

export const langsmithExampleRoutes = newRouter();

langsmithExampleRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/examples',
  tags: ['langsmith'],
  summary: 'LangSmith: list examples',
  description:
    "`?dataset=<id>` with `as_of` (a time, `latest` or a tag), `splits` (repeatable), `metadata` (a JSON object every example's metadata must contain), `id` (repeatable), `offset`/`limit` (at most 100). Splits come back as `metadata.dataset_split`. LangSmith's `filter` expressions are not supported (400). Needs `read`.",
  security: [{ apiKey: [] }],
  responses: { 200: { description: "Examples in LangSmith's shape" }, 400: { description: 'A bad parameter, named by `error.path`' }, 404: { description: 'Unknown dataset, version or tag' } },
});
langsmithExampleRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/examples/{id}',
  tags: ['langsmith'],
  summary: 'LangSmith: read an example',
  description: 'The current state of the example (archived ones too). Needs `read`.',
  security: [{ apiKey: [] }],
  request: { params: z.object({ id: z.string().describe('The example id') }) },
  responses: { 200: { description: "The example in LangSmith's shape" }, 404: { description: 'Not found in this project' } },
});

/** Most examples one page answers (the SDKs ask for 100). */
const PAGE = 100;

function intParam(raw: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'invalid_request', `${name}: must be an integer from ${min} to ${max}`, name);
  return n;
}

langsmithExampleRoutes.get('/examples', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const datasetRef = c.req.query('dataset');
  if (!datasetRef) throw new ApiError(400, 'invalid_request', 'dataset: the dataset id is required', 'dataset');
  if (c.req.query('filter')) throw new ApiError(400, 'invalid_request', "filter: LangSmith filter expressions are not supported; use splits, metadata or id (or Loupe's /v1/datasets API)", 'filter');
  const d = await mustFindDataset(c.env, projectId, datasetRef);
  const version = await versionAsOf(c.env, projectId, d.id, c.req.query('as_of'));
  const limit = intParam(c.req.query('limit'), 'limit', PAGE, 1, PAGE);
  const offset = intParam(c.req.query('offset'), 'offset', 0, 0, 10_000_000);
  let metadata: Record<string, unknown> | undefined;
  const rawMetadata = c.req.query('metadata');
  if (rawMetadata) {
    try {
      metadata = JSON.parse(rawMetadata);
    } catch {
      metadata = undefined;
    }
    if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw new ApiError(400, 'invalid_request', 'metadata: must be a JSON object', 'metadata');
  }
  const ids = c.req.queries('id') ?? [];
  if (ids.length) {
    // A handful of ids: read each at the version (bounded by the page size).
    if (ids.length > PAGE) throw new ApiError(400, 'invalid_request', `id: at most ${PAGE} ids per request`, 'id');
    const found = (await Promise.all([...new Set(ids)].sort().map((id) => getExample(c.env, projectId, d.id, id, version)))).filter((e) => e && !e.archived);
    return c.json(found.slice(offset, offset + limit).map((e) => langsmithExample(e!)), 200);
  }
  const splits = (c.req.queries('splits') ?? []).filter(Boolean);
  const page = await listExamples(c.env, projectId, d.id, { version, splits, metadata, offset, limit });
  return c.json(page.examples.map(langsmithExample), 200);
});

langsmithExampleRoutes.get('/examples/:id', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const e = await getExampleById(c.env, projectId, c.req.param('id'));
  if (!e) throw new ApiError(404, 'not_found', `example '${c.req.param('id')}' not found`);
  return c.json(langsmithExample(e), 200);
});
