/**
 * LangSmith's sessions (its "projects") as Loupe experiments, for evaluate() and the
 * vitest/jest runners: POST /sessions with `reference_dataset_id` creates an experiment
 * over that dataset's latest version (a taken name is 409, which the SDKs answer by
 * retrying under a new name), GET /sessions (?name=, ?reference_dataset=, ?id=, paged by
 * offset/limit; the SDKs read `tenant_id` off the first one to build their links),
 * GET /sessions/{id}, and PATCH /sessions/{id} (the SDKs' closing update: neither SDK's
 * evaluate() sends an end time, so the final update, recognised by the
 * `metadata.dataset_version` both send in it, ends the experiment; an `end_time` does too).
 *
 * A session without a dataset (a plain tracing project) is not stored: runs name their
 * project in `session_name`, and Loupe keeps that on each trace as `ls_project`.
 * Served under /api/v1 only (see docs/experiments.md, "LangSmith").
 */
import { z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import type { ExperimentOut } from '../../schema/wire/experiments.ts';
import { mustFindDataset, resolveVersion } from '../datasets/examples.ts';
import { createExperiment, endExperiment, getExperiment, listExperiments, setExperimentMetadata } from './experiments.ts';

export const langsmithSessionRoutes = newRouter();

type Obj = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const DOCS: { method: 'get' | 'post' | 'patch'; path: string; summary: string; description: string }[] = [
  { method: 'post', path: '/sessions', summary: 'LangSmith: create an experiment session', description: "`Client.createProject`'s body with `reference_dataset_id` (what evaluate() sends): creates a Loupe experiment over the dataset's latest version; `num_repetitions` becomes its repetitions, `extra.metadata` its metadata. A taken name is 409. A session without a dataset is refused (400). Needs `ingest`." },
  { method: 'get', path: '/sessions', summary: 'LangSmith: list experiment sessions', description: 'Experiments as LangSmith sessions (`tenant_id` is the Loupe project), by `name`, `reference_dataset` or `id` (repeatable), paged by `offset`/`limit`. Needs `read`.' },
  { method: 'get', path: '/sessions/{id}', summary: 'LangSmith: read an experiment session', description: 'Needs `read`.' },
  { method: 'patch', path: '/sessions/{id}', summary: 'LangSmith: update an experiment session', description: '`extra.metadata` replaces the metadata; `end_time`, or the closing update that carries `metadata.dataset_version`, marks the experiment completed. Needs `ingest`.' },
];
for (const d of DOCS) {
  langsmithSessionRoutes.openAPIRegistry.registerPath({
    method: d.method,
    path: d.path,
    tags: ['langsmith'],
    summary: d.summary,
    description: `${d.description} Loupe's own API is /v1/experiments.`,
    security: [{ apiKey: [] }],
    ...(d.path.includes('{id}') ? { request: { params: z.object({ id: z.string().describe('The experiment id') }) } } : {}),
    responses: { 200: { description: "The session, in LangSmith's shape" }, 400: { description: 'A bad field, named by `error.path`' }, 404: { description: 'Not found in this project' }, 409: { description: 'Name taken' } },
  });
}

/** An experiment as LangSmith's `TracerSession`. */
function session(e: ExperimentOut, projectId: string) {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    start_time: e.created_at,
    end_time: e.ended_at,
    extra: { metadata: e.metadata },
    reference_dataset_id: e.dataset_id,
    tenant_id: projectId,
    default_dataset_id: null,
    run_count: null,
    dataset_version: e.dataset_version,
    status: e.status,
  };
}

const str = (v: unknown, field: string, max: number): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw new ApiError(400, 'invalid_request', `${field}: must be a string of at most ${max} characters`, field);
  return v;
};

langsmithSessionRoutes.post('/sessions', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  const body = await c.req.json().catch(() => null);
  if (!isObj(body)) throw new ApiError(400, 'invalid_request', 'the body must be a JSON object with a name');
  const name = str(body.name, 'name', 256);
  if (!name) throw new ApiError(400, 'invalid_request', 'name: required', 'name');
  const datasetId = str(body.reference_dataset_id, 'reference_dataset_id', 128);
  if (!datasetId) {
    throw new ApiError(400, 'invalid_request', 'reference_dataset_id: Loupe stores a LangSmith session only as an experiment over a dataset; a tracing project needs no session (runs name theirs in session_name)', 'reference_dataset_id');
  }
  const reps = body.num_repetitions ?? 1;
  if (typeof reps !== 'number' || !Number.isInteger(reps) || reps < 1 || reps > 100) throw new ApiError(400, 'invalid_request', 'num_repetitions: an integer from 1 to 100', 'num_repetitions');
  const d = await mustFindDataset(c.env, projectId, datasetId);
  if (c.req.query('upsert') === 'true') {
    // createProject({upsert: true}): the session of that name, if it is over the same dataset.
    const existing = await getExperiment(c.env, projectId, name).catch(() => null);
    if (existing && existing.name === name && existing.dataset_id === d.id) return c.json(session(existing, projectId), 200);
  }
  const extra = isObj(body.extra) ? body.extra : {};
  const metadata: Obj = isObj(extra.metadata) ? { ...extra.metadata } : {};
  if (Array.isArray(body.evaluator_keys)) metadata.evaluator_keys = body.evaluator_keys;
  // The Python SDK picks the session id itself; the JS SDK lets the server choose.
  const id = typeof body.id === 'string' && UUID.test(body.id) ? body.id.toLowerCase() : undefined;
  const e = await createExperiment(c.env, projectId, {
    name,
    dataset_id: d.id,
    dataset_version: await resolveVersion(c.env, projectId, d.id, {}),
    description: str(body.description, 'description', 4096) ?? null,
    candidate: { name, metadata: { source: 'langsmith' } },
    repetitions: reps,
    evaluators: [],
    metadata,
  }, { id });
  return c.json(session(e, projectId), 200);
});

langsmithSessionRoutes.get('/sessions', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const int = (k: string, dflt: number, max: number) => {
    const raw = c.req.query(k);
    const n = raw === undefined || raw === '' ? dflt : Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new ApiError(400, 'invalid_request', `${k}: must be an integer from 0 to ${max}`, k);
    return n;
  };
  const limit = Math.max(int('limit', 100, 100), 1);
  const offset = int('offset', 0, 400);
  const name = c.req.query('name');
  const contains = c.req.query('name_contains')?.toLowerCase();
  const ids = c.req.queries('id') ?? [];
  const datasets = c.req.queries('reference_dataset') ?? [];
  // Loupe lists at most 500 experiments per read, so offset + limit stays within that.
  const all = await listExperiments(c.env, projectId, { datasetId: datasets.length === 1 ? datasets[0] : undefined, limit: 500 });
  const picked = all.filter(
    (e) => (name === undefined || e.name === name) && (contains === undefined || e.name.toLowerCase().includes(contains)) && (!ids.length || ids.includes(e.id)) && (!datasets.length || datasets.includes(e.dataset_id)),
  );
  return c.json(picked.slice(offset, offset + limit).map((e) => session(e, projectId)), 200);
});

/** An experiment by id only (LangSmith addresses sessions by id; names go in ?name=). */
async function byId(env: Env, projectId: string, id: string): Promise<ExperimentOut> {
  const e = await getExperiment(env, projectId, id);
  if (e.id !== id) throw new ApiError(404, 'not_found', `session ${id} not found`);
  return e;
}

langsmithSessionRoutes.get('/sessions/:id', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  return c.json(session(await byId(c.env, projectId, c.req.param('id')), projectId), 200);
});

langsmithSessionRoutes.patch('/sessions/:id', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  let e = await byId(c.env, projectId, c.req.param('id'));
  const body = await c.req.json().catch(() => null);
  if (!isObj(body)) throw new ApiError(400, 'invalid_request', 'the body must be a JSON object');
  const extra = isObj(body.extra) ? body.extra : undefined;
  const metadata = extra && isObj(extra.metadata) ? extra.metadata : undefined;
  if (metadata) {
    // Keep what Loupe derived at creation unless the update restates it.
    await setExperimentMetadata(c.env, projectId, e.id, { ...e.metadata, ...metadata });
  }
  const ends = (body.end_time !== undefined && body.end_time !== null) || (metadata !== undefined && 'dataset_version' in metadata);
  e = ends ? await endExperiment(c.env, projectId, e.id) : await getExperiment(c.env, projectId, e.id);
  return c.json(session(e, projectId), 200);
});
