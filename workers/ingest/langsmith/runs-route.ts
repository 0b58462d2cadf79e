/**
 * The LangSmith run API, served with and without the `/api/v1` prefix so
 * `LANGSMITH_ENDPOINT=<loupe>` (or `<loupe>/api/v1`) works with the official SDKs:
 * POST /runs/multipart (what the SDKs send by default; gzip and streamed bodies),
 * POST /runs/batch (`{post, patch}`), POST /runs and PATCH /runs/{id}.
 * Answers 202 once the runs are durable, 207 when some runs or feedback were invalid (they
 * are listed in `rejected`, the others are durable, as the native /v1/spans answers), 400
 * when every item is invalid or the body is not a LangSmith body (nothing is written), 409 when every create is a duplicate, 413 over the size limits, 415 for a
 * body that is not multipart, 429 with Retry-After when rate limited.
 */
import { z } from '@hono/zod-openapi';
import { newRouter } from '../../platform/http.ts';
import { ApiError } from '../../platform/errors.ts';
import { requireAuth } from '../../auth/middleware.ts';
import { readBody, readJson } from '../body.ts';
import { ingestLimits } from '../spans-route.ts';
import { enforceIngestRateLimit } from '../rate-limit.ts';
import { multipartBoundary, parseRunMultipart, type RunBatch } from './multipart.ts';
import { ingestRuns } from './ingest.ts';

export const langsmithRunRoutes = newRouter();

// Documented in /v1/openapi.json for people reading the API; the bodies are the LangSmith
// SDKs' (multipart parts or run JSON), so they are described here, not as zod schemas.
const RUN_ANSWERS = {
  202: { description: '`{accepted, duplicates, pending, feedback, rejected}`: the runs are durable (run ids, duplicate creates skipped, patches or feedback waiting for their run)' },
  207: { description: 'Some runs or feedback were invalid: each is in `rejected` with its index, id, path and reason; the others are durable' },
  400: { description: 'Every run is invalid, or the body is not a LangSmith body, named by `error.path`; nothing is written' },
  401: { description: 'Missing or revoked key' },
  403: { description: 'The key lacks the `ingest` scope' },
  409: { description: 'Every create in the request already exists (a run is created once, then patched)' },
  413: { description: 'Body or part over the size limit' },
  429: { description: 'Rate limited; see Retry-After' },
};
const RUN_DOCS: { method: 'post' | 'patch'; path: string; summary: string; description: string; extra?: Record<number, { description: string }> }[] = [
  {
    method: 'post',
    path: '/runs/multipart',
    summary: 'LangSmith: create and update runs (multipart)',
    description:
      'What the LangSmith SDKs send by default (set `LANGSMITH_ENDPOINT=<loupe>` or `<loupe>/api/v1` and `LANGSMITH_API_KEY=<key>`): `multipart/form-data` with parts `post.<run id>`, `patch.<run id>`, their fields (`post.<id>.inputs|outputs|events|extra|error|serialized`), `attachment.<id>.<name>` and `feedback.<id>`; gzip bodies welcome. Runs become spans (see docs/ingest-otel-langsmith.md). Also served at /api/v1/runs/multipart. Needs the `ingest` scope.',
    extra: { 415: { description: 'The body is not multipart/form-data' } },
  },
  { method: 'post', path: '/runs/batch', summary: 'LangSmith: create and update runs (JSON batch)', description: '`{"post": [runs], "patch": [runs]}`, as older SDKs send it. Also served at /api/v1/runs/batch. Needs the `ingest` scope.' },
  { method: 'post', path: '/runs', summary: 'LangSmith: create one run', description: 'One run object. Also served at /api/v1/runs. Needs the `ingest` scope.' },
  { method: 'patch', path: '/runs/{id}', summary: 'LangSmith: update one run', description: "One run update (end time, outputs, error); the run may not have arrived yet, then the update waits for it. Also served at /api/v1/runs/{id}. Needs the `ingest` scope." },
];
for (const doc of RUN_DOCS) {
  langsmithRunRoutes.openAPIRegistry.registerPath({
    method: doc.method,
    path: doc.path,
    tags: ['langsmith'],
    summary: doc.summary,
    description: doc.description,
    security: [{ apiKey: [] }],
    ...(doc.path.includes('{id}') ? { request: { params: z.object({ id: z.string().describe('The run id (a UUID)') }) } } : {}),
    responses: { ...RUN_ANSWERS, ...doc.extra },
  });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

langsmithRunRoutes.post('/runs/multipart', requireAuth('ingest'), async (c) => {
  const contentType = c.req.header('content-type') ?? '';
  const boundary = multipartBoundary(contentType);
  if (boundary === null) throw new ApiError(415, 'unsupported_media_type', `Content-Type '${contentType || '(none)'}' is not supported; send multipart/form-data`);
  if (!boundary) throw new ApiError(400, 'invalid_multipart', 'the multipart Content-Type has no boundary parameter');
  const projectId = c.get('auth').projectId;
  await enforceIngestRateLimit(c.env, projectId);
  const body = await readBody(c.req.raw, ingestLimits(c.env).maxBytes);
  const batch = parseRunMultipart(body, boundary);
  const result = await ingestRuns(c.env, projectId, batch);
  return c.json(result, result.rejected.length ? 207 : 202);
});

langsmithRunRoutes.post('/runs/batch', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  await enforceIngestRateLimit(c.env, projectId);
  const body = await readJson(c.req.raw, ingestLimits(c.env).maxBytes);
  if (!isObj(body)) throw new ApiError(400, 'invalid_request', 'the body must be an object {"post": [runs], "patch": [runs]}');
  const batch: RunBatch = { ops: [], feedback: [], attachments: [] };
  for (const op of ['post', 'patch'] as const) {
    const list = body[op] ?? [];
    if (!Array.isArray(list)) throw new ApiError(400, 'invalid_request', `${op} must be an array of runs`, op);
    list.forEach((run, i) => batch.ops.push({ op, run: run as Record<string, unknown>, path: `${op}[${i}]`, index: batch.ops.length }));
  }
  const result = await ingestRuns(c.env, projectId, batch);
  return c.json(result, result.rejected.length ? 207 : 202);
});

langsmithRunRoutes.post('/runs', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  await enforceIngestRateLimit(c.env, projectId);
  const run = await readJson(c.req.raw, ingestLimits(c.env).maxBytes);
  if (!isObj(run)) throw new ApiError(400, 'invalid_run', 'the body must be a run object');
  return c.json(await ingestRuns(c.env, projectId, { ops: [{ op: 'post', run, path: 'run' }], feedback: [], attachments: [] }), 202);
});

langsmithRunRoutes.patch('/runs/:id', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  await enforceIngestRateLimit(c.env, projectId);
  const run = await readJson(c.req.raw, ingestLimits(c.env).maxBytes);
  if (!isObj(run)) throw new ApiError(400, 'invalid_run', 'the body must be a run update object');
  const id = c.req.param('id');
  if (run.id !== undefined && String(run.id).toLowerCase() !== id.toLowerCase()) throw new ApiError(400, 'invalid_run', `the body's id ${JSON.stringify(run.id)} differs from the path's ${id}`, 'run.id');
  return c.json(await ingestRuns(c.env, projectId, { ops: [{ op: 'patch', run: { ...run, id }, path: 'run' }], feedback: [], attachments: [] }), 202);
});
