/**
 * LangSmith's multipart example writes: POST (create) and PATCH (update)
 * /api/v1/platform/datasets/{id}/examples.
 * This is the one write path both SDKs use for createExample(s) and updateExample(s) once
 * /info sets `dataset_examples_multipart_enabled` (the JS SDK has no other; Python falls
 * back to /examples/bulk only when the flag is off, so Loupe serves this one, not both).
 *
 * Parts, per example: `<id>` (JSON: metadata, split, source_run_id, created_at),
 * `<id>.inputs` and `<id>.outputs` (JSON). Attachments (`<id>.attachment.<name>`) are
 * refused with a 400: Loupe examples hold JSON only. Every example of a request is checked
 * first and the request is written as one dataset version, so a bad example leaves nothing
 * half-written.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { newRouter, type AppEnv } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import type { ExampleWrite } from '../../schema/wire/datasets.ts';
import { addExamples, getExample, mustFindDataset } from './examples.ts';
import { examplePatchOf, exampleWriteOf } from './langsmith-shapes.ts';

export const langsmithExampleWriteRoutes = newRouter();

for (const method of ['post', 'patch'] as const) {
  langsmithExampleWriteRoutes.openAPIRegistry.registerPath({
    method,
    path: '/v1/platform/datasets/{id}/examples',
    tags: ['langsmith'],
    summary: method === 'post' ? 'LangSmith: create examples (multipart)' : 'LangSmith: update examples (multipart)',
    description: `What \`Client.${method === 'post' ? 'createExamples' : 'updateExample'}\` sends: multipart parts \`<example id>\` (JSON: metadata, split), \`<id>.inputs\`, \`<id>.outputs\`. All examples become one new dataset version; one bad example rejects the request (400 naming it). Attachments are refused. Needs \`ingest\`.`,
    security: [{ apiKey: [] }],
    request: { params: z.object({ id: z.string().describe('The dataset id') }) },
    responses: {
      201: { description: '`{example_ids, count, as_of}`' },
      400: { description: 'A bad part or example, named by `error.path`; nothing is written' },
      404: { description: 'Unknown dataset or (PATCH) example' },
      413: { description: 'Body over 25 MB' },
    },
  });
}

/** Largest body accepted (the Python SDK sends up to ~20 MB per request). */
const MAX_BYTES = 25 * 1024 * 1024;
/** Most examples one request may carry (each becomes a revision row in one D1 batch). */
const MAX_EXAMPLES = 500;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body, refused past MAX_BYTES whether or not Content-Length was sent (streamed bodies have none). */
async function readCapped(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BYTES) throw new ApiError(413, 'payload_too_large', `the body is over ${MAX_BYTES} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body ?? new ReadableStream<Uint8Array>()) {
    size += chunk.byteLength;
    if (size > MAX_BYTES) throw new ApiError(413, 'payload_too_large', `the body is over ${MAX_BYTES} bytes`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

interface ExampleParts {
  main: Obj;
  inputs?: unknown;
  outputs?: unknown;
}

/** Groups the multipart parts by example id, parsing each JSON part (the 400 names the part). */
async function examplesOf(req: Request): Promise<Map<string, ExampleParts>> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) throw new ApiError(415, 'unsupported_media_type', `Content-Type '${type || '(none)'}' is not supported; send multipart/form-data`);
  const bytes = await readCapped(req);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { 'content-type': type } }).formData();
  } catch (err) {
    throw new ApiError(400, 'invalid_multipart', `the body is not valid multipart/form-data (${(err as Error).message})`);
  }
  const out = new Map<string, ExampleParts>();
  for (const [name, value] of form.entries()) {
    const dot = name.indexOf('.');
    const id = (dot < 0 ? name : name.slice(0, dot)).toLowerCase();
    const field = dot < 0 ? '' : name.slice(dot + 1);
    if (!z.uuid().safeParse(id).success) throw new ApiError(400, 'invalid_request', `${name}: a part name must start with the example id (a UUID)`, name);
    if (field.startsWith('attachment')) throw new ApiError(400, 'invalid_request', `${name}: attachments are not supported on Loupe examples (inputs and outputs are JSON)`, name);
    if (field !== '' && field !== 'inputs' && field !== 'outputs') throw new ApiError(400, 'invalid_request', `${name}: unknown part (expected <id>, <id>.inputs or <id>.outputs)`, name);
    const text = typeof value === 'string' ? value : await (value as Blob).text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'invalid_request', `${name}: not JSON`, name);
    }
    const parts = out.get(id) ?? { main: {} };
    if (field === '') {
      if (!isObj(parsed)) throw new ApiError(400, 'invalid_request', `${name}: must be a JSON object`, name);
      parts.main = parsed;
    } else if (!isObj(parsed) && !(field === 'outputs' && parsed === null)) {
      throw new ApiError(400, 'invalid_request', `${name}: must be a JSON object`, name);
    } else parts[field as 'inputs' | 'outputs'] = parsed;
    out.set(id, parts);
  }
  if (!out.size) throw new ApiError(400, 'invalid_request', 'the body has no example parts');
  if (out.size > MAX_EXAMPLES) throw new ApiError(400, 'invalid_request', `at most ${MAX_EXAMPLES} examples per request`);
  return out;
}

/** Tries of a write that lost the race for the next version to a concurrent writer. */
const WRITE_TRIES = 6;

/**
 * addExamples, retried when another request took the version number first (its commit
 * fails whole, so a retry re-reads the dataset and writes the next version). The SDKs
 * upload in parallel (Python up to 3 batches at once; JS callers await several
 * createExamples together) and treat a 409 as final, so the race is settled here.
 */
async function writeExamples(env: Env, projectId: string, datasetId: string, writes: ExampleWrite[], message: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await addExamples(env, projectId, datasetId, writes, message);
    } catch (err) {
      const lostRace = err instanceof ApiError && err.status === 409 && err.code === 'conflict';
      if (!lostRace || attempt >= WRITE_TRIES) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}

/** The answer both SDKs read: the ids written, their count, and the version's time. */
function answer(written: { version: number; examples: { id: string; modified_at: string }[] }) {
  return { example_ids: written.examples.map((e) => e.id), count: written.examples.length, as_of: written.examples[0]?.modified_at ?? null, version: written.version };
}

async function create(c: Context<AppEnv>) {
  const projectId = c.get('auth').projectId;
  const d = await mustFindDataset(c.env, projectId, c.req.param('id') ?? '');
  const parts = await examplesOf(c.req.raw);
  const writes: ExampleWrite[] = [];
  for (const [id, p] of parts) {
    if (p.inputs === undefined) throw new ApiError(400, 'invalid_request', `${id}.inputs: every example needs inputs`, `${id}.inputs`);
    writes.push(exampleWriteOf(id, p.main, p.inputs, p.outputs, id));
  }
  return c.json(answer(await writeExamples(c.env, projectId, d.id, writes, `added ${writes.length} example${writes.length === 1 ? '' : 's'} (LangSmith)`)), 201);
}

async function update(c: Context<AppEnv>) {
  const projectId = c.get('auth').projectId;
  const d = await mustFindDataset(c.env, projectId, c.req.param('id') ?? '');
  const parts = await examplesOf(c.req.raw);
  // Each update is merged into the example's current state, then all are written as one
  // version through the same path as creates (which checks every one before writing).
  const writes: ExampleWrite[] = [];
  for (const [id, p] of parts) {
    const prev = await getExample(c.env, projectId, d.id, id);
    if (!prev) throw new ApiError(404, 'not_found', `example '${id}' not found in dataset '${d.name}'`, id);
    if (prev.archived) throw new ApiError(400, 'invalid_request', `${id}: the example is archived; restore it before editing`, id);
    const patch = examplePatchOf(p.main, p.inputs, p.outputs, id);
    writes.push({
      id,
      inputs: (patch.inputs as Obj | undefined) ?? prev.inputs,
      outputs: 'outputs' in patch ? (patch.outputs as Obj | null) : (prev.outputs ?? null),
      criteria: prev.criteria ?? null,
      expected_trajectory: prev.expected_trajectory ?? null,
      metadata: (patch.metadata as Obj | undefined) ?? prev.metadata,
      tags: prev.tags,
      splits: (patch.splits as string[] | undefined) ?? prev.splits,
      source: prev.source ?? null,
    });
  }
  return c.json(answer(await writeExamples(c.env, projectId, d.id, writes, `edited ${writes.length} example${writes.length === 1 ? '' : 's'} (LangSmith)`)), 200);
}

// Mounted at `/api` (langsmith-routes.ts): an SDK pointed at `<loupe>/api/v1` puts
// `/platform/...` after it.
langsmithExampleWriteRoutes.post('/v1/platform/datasets/:id/examples', requireAuth('ingest'), create);
langsmithExampleWriteRoutes.patch('/v1/platform/datasets/:id/examples', requireAuth('ingest'), update);
