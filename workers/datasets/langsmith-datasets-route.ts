/**
 * LangSmith's dataset API over Loupe's datasets (the same rows /v1/datasets serves):
 * POST /datasets, GET /datasets (?name=, ?id=, ?name_contains=, offset/limit),
 * GET /datasets/{id}, PUT /datasets/{id}/tags, GET /datasets/{id}/version,
 * GET /datasets/{id}/versions and GET /datasets/{id}/splits. Served under `/api/v1` (langsmith-routes.ts), so
 * `LANGSMITH_ENDPOINT=<loupe>/api/v1` works with the SDKs' dataset calls.
 * 404 bodies say "not found" (the SDKs' hasDataset matches that text); a taken name is 409.
 */
import { z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { DatasetCreate } from '../../schema/wire/datasets.ts';
import { countExamples, createDataset, listDatasets, listSplits, listVersions, mustFindDataset, resolveVersion, setTag, type Dataset } from './examples.ts';
import { langsmithDataset, versionAsOf } from './langsmith-shapes.ts';

export const langsmithDatasetRoutes = newRouter();

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const DOCS: { method: 'get' | 'post' | 'put'; path: string; summary: string; description: string }[] = [
  { method: 'post', path: '/datasets', summary: 'LangSmith: create a dataset', description: "`Client.createDataset`'s body (`name`, `description`, `inputs_schema_definition`, `outputs_schema_definition`). A name taken in the project is 409. Needs `ingest`." },
  { method: 'get', path: '/datasets', summary: 'LangSmith: list or find datasets', description: 'By `name` (exact), `id` (repeatable) or `name_contains`; paged by `offset`/`limit`. An unknown name answers an empty list, as LangSmith does. Needs `read`.' },
  { method: 'get', path: '/datasets/{id}', summary: 'LangSmith: read a dataset', description: 'With `example_count` at the latest version. Needs `read`.' },
  { method: 'put', path: '/datasets/{id}/tags', summary: 'LangSmith: tag a dataset version', description: '`{as_of, tag}`: points the tag at the version current at `as_of` (moving it if it exists). Needs `ingest`.' },
  { method: 'get', path: '/datasets/{id}/version', summary: 'LangSmith: resolve a dataset version', description: '`?as_of=<time>` or `?tag=<tag>` -> `{as_of, tags}`: the time the version was made and its tags. Needs `read`.' },
  { method: 'get', path: '/datasets/{id}/splits', summary: "LangSmith: list a dataset's splits", description: 'The split names of the examples at `as_of` (a time, `latest` or a tag; default latest). Needs `read`.' },
  { method: 'get', path: '/datasets/{id}/versions', summary: "LangSmith: list a dataset's versions", description: 'Newest first, `{as_of, tags}` each, paged by `offset`/`limit`. Needs `read`.' },
];
for (const d of DOCS) {
  langsmithDatasetRoutes.openAPIRegistry.registerPath({
    method: d.method,
    path: d.path,
    tags: ['langsmith'],
    summary: d.summary,
    description: `${d.description} Loupe's own dataset API is /v1/datasets.`,
    security: [{ apiKey: [] }],
    ...(d.path.includes('{id}') ? { request: { params: z.object({ id: z.string().describe('The dataset id') }) } } : {}),
    responses: { 200: { description: "LangSmith's shape" }, 400: { description: 'A bad field, named by `error.path`' }, 404: { description: 'Not found in this project' }, 409: { description: 'Name taken' } },
  });
}

/** `limit`/`offset` query values, bounded (LangSmith pages by 100). */
function paging(q: (k: string) => string | undefined, maxLimit = 100) {
  const num = (k: string, dflt: number, min: number, max: number) => {
    const raw = q(k);
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'invalid_request', `${k}: must be an integer from ${min} to ${max}`, k);
    return n;
  };
  return { limit: num('limit', 100, 1, maxLimit), offset: num('offset', 0, 0, 1_000_000) };
}

async function shaped(env: Env, projectId: string, d: Dataset) {
  return langsmithDataset(d, projectId, await countExamples(env, projectId, d.id, d.latestVersion));
}

langsmithDatasetRoutes.post('/datasets', requireAuth('ingest'), async (c) => {
  const body = await c.req.json().catch(() => null);
  if (!isObj(body)) throw new ApiError(400, 'invalid_request', 'the body must be a JSON object with a name');
  const parsed = DatasetCreate.safeParse({
    name: body.name,
    description: typeof body.description === 'string' ? body.description : '',
    inputs_schema: body.inputs_schema_definition ?? null,
    outputs_schema: body.outputs_schema_definition ?? null,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = { inputs_schema: 'inputs_schema_definition', outputs_schema: 'outputs_schema_definition' }[String(issue.path[0])] ?? issue.path.map(String).join('.');
    throw new ApiError(400, 'invalid_request', `${field}: ${issue.message}`, field);
  }
  const projectId = c.get('auth').projectId;
  const d = await createDataset(c.env, projectId, parsed.data).catch((err) => {
    // Name the schema fields as the caller sent them.
    if (err instanceof ApiError && (err.path === 'inputs_schema' || err.path === 'outputs_schema')) throw new ApiError(err.status, err.code, err.message.replace(err.path, `${err.path}_definition`), `${err.path}_definition`);
    throw err;
  });
  return c.json(langsmithDataset(d, projectId, 0), 200);
});

langsmithDatasetRoutes.get('/datasets', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const { limit, offset } = paging((k) => c.req.query(k));
  const name = c.req.query('name');
  const ids = c.req.queries('id') ?? [];
  const contains = c.req.query('name_contains')?.toLowerCase();
  const all = await listDatasets(c.env, projectId);
  const picked = all.filter((d) => (name === undefined || d.name === name) && (!ids.length || ids.includes(d.id)) && (contains === undefined || d.name.toLowerCase().includes(contains)));
  return c.json(await Promise.all(picked.slice(offset, offset + limit).map((d) => shaped(c.env, projectId, d))), 200);
});

langsmithDatasetRoutes.get('/datasets/:id', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  return c.json(await shaped(c.env, projectId, await mustFindDataset(c.env, projectId, c.req.param('id'))), 200);
});

langsmithDatasetRoutes.put('/datasets/:id/tags', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  const d = await mustFindDataset(c.env, projectId, c.req.param('id'));
  const body = await c.req.json().catch(() => null);
  if (!isObj(body)) throw new ApiError(400, 'invalid_request', 'the body must be {"as_of": <time>, "tag": <name>}');
  if (typeof body.tag !== 'string' || !body.tag || body.tag.length > 200) throw new ApiError(400, 'invalid_request', 'tag: a name of 1 to 200 characters is required', 'tag');
  if (typeof body.as_of !== 'string') throw new ApiError(400, 'invalid_request', 'as_of: an ISO time (or a tag) is required', 'as_of');
  const version = await versionAsOf(c.env, projectId, d.id, body.as_of);
  await setTag(c.env, projectId, d.id, body.tag, version);
  return c.json({ tag: body.tag, version }, 200);
});

/** A version as LangSmith's `DatasetVersion`: the time it was made, its tags. */
async function versionsOf(env: Env, projectId: string, d: Dataset) {
  const versions = await listVersions(env, projectId, d.id);
  const out = versions.map((v) => ({ as_of: v.created_at, tags: v.tags, version: v.version }));
  // Version 0 (no examples yet) has no row of its own: it dates from the dataset's creation.
  if (!versions.some((v) => v.version === 0)) out.push({ as_of: new Date(d.createdAt).toISOString(), tags: [], version: 0 });
  return out;
}

langsmithDatasetRoutes.get('/datasets/:id/version', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const d = await mustFindDataset(c.env, projectId, c.req.param('id'));
  const asOf = c.req.query('as_of');
  const tag = c.req.query('tag');
  if ((asOf === undefined) === (tag === undefined)) throw new ApiError(400, 'invalid_request', 'as_of: give exactly one of as_of and tag', asOf === undefined ? 'as_of' : 'tag');
  const version = tag !== undefined ? await resolveVersion(c.env, projectId, d.id, { tag }) : await versionAsOf(c.env, projectId, d.id, asOf);
  const found = (await versionsOf(c.env, projectId, d)).find((v) => v.version === version)!;
  return c.json(found, 200);
});

langsmithDatasetRoutes.get('/datasets/:id/versions', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const d = await mustFindDataset(c.env, projectId, c.req.param('id'));
  const { limit, offset } = paging((k) => c.req.query(k));
  return c.json((await versionsOf(c.env, projectId, d)).slice(offset, offset + limit), 200);
});

langsmithDatasetRoutes.get('/datasets/:id/splits', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const d = await mustFindDataset(c.env, projectId, c.req.param('id'));
  return c.json(await listSplits(c.env, projectId, d.id, await versionAsOf(c.env, projectId, d.id, c.req.query('as_of'))), 200);
});
