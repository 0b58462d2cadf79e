/**
 * /v1/datasets: datasets, their examples at any version (version, as_of or tag), edits and
 * archiving (each one new version), versions, tags and diffs. Reads need `read`; writes
 * need `ingest`; archiving a `pinned` example needs `admin` (owner/admin) and a reason.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound, ApiError } from '../platform/errors.ts';
import { DatasetCreate, DatasetListItem, DatasetOut, Example, ExampleDiff, ExamplePatch, ExampleWrite, VersionOut, VersionQuery } from '../../schema/wire/datasets.ts';
import { exportStream } from './export.ts';
import { datasetSummaries } from './summaries.ts';
import { importExamples, MAX_IMPORT_BYTES, MAX_IMPORT_LINES, readImportBody } from './import.ts';
import { addFromFilter, addFromTrace, MAX_FROM_FILTER, MAX_FROM_FILTER_SCAN } from './from-traces.ts';
import { addExamples, archiveExample, createDataset, datasetOut, diffVersions, getExample, listDatasets, listExamples, listVersions, mustFindDataset, resolveVersion, setTag, updateExample } from './examples.ts';

export const datasetRoutes = newRouter();

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const DatasetParam = z.object({ dataset: z.string().min(1).max(200).meta({ description: 'Dataset id or name' }) });
const ExampleParam = DatasetParam.extend({ example: z.string().min(1).max(64) });
const sec = [{ apiKey: [] }];
const tags = ['datasets'];

datasetRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/datasets', tags, summary: 'List datasets', description: 'Each with `example_count` (live examples at the latest version) and its `tags`.', security: sec, middleware: [requireAuth('read')] as const, responses: { 200: json(z.object({ datasets: z.array(DatasetListItem) }), 'Datasets'), ...commonErrors } }),
  async (c) => {
    const { projectId } = c.get('auth');
    const [list, summaries] = await Promise.all([listDatasets(c.env, projectId), datasetSummaries(c.env, projectId)]);
    return c.json({ datasets: list.map((d) => ({ ...datasetOut(d), example_count: summaries.get(d.id)?.exampleCount ?? 0, tags: summaries.get(d.id)?.tags ?? [] })) }, 200);
  },
);

datasetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/datasets',
    tags,
    summary: 'Create a dataset',
    description: 'Names are unique per project. `inputs_schema`/`outputs_schema` (JSON Schema) are checked on every write of an example.',
    security: sec,
    middleware: [requireAuth('ingest')] as const,
    request: { body: { content: { 'application/json': { schema: DatasetCreate } }, required: true } },
    responses: { 201: json(DatasetOut, 'Created'), ...commonErrors, 409: json(z.object({ error: z.any() }), 'Name taken') },
  }),
  async (c) => c.json(datasetOut(await createDataset(c.env, c.get('auth').projectId, c.req.valid('json'))), 201),
);

datasetRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/datasets/{dataset}', tags, summary: 'Get a dataset', security: sec, middleware: [requireAuth('read')] as const, request: { params: DatasetParam }, responses: { 200: json(DatasetOut, 'The dataset'), ...commonErrors, ...notFound } }),
  async (c) => c.json(datasetOut(await mustFindDataset(c.env, c.get('auth').projectId, c.req.valid('param').dataset)), 200),
);

datasetRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/datasets/{dataset}/examples',
    tags,
    summary: 'List examples at a version',
    description: 'The examples as they were at `version`, at `as_of`, or at `tag` (default: latest), ordered by id, paged by `cursor`.',
    security: sec,
    middleware: [requireAuth('read')] as const,
    request: {
      params: DatasetParam,
      query: VersionQuery.extend({
        split: z.string().optional().meta({ description: 'Comma-separated splits' }),
        search: z.string().max(200).optional(),
        include_archived: z.enum(['true', 'false']).optional(),
        cursor: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
      }),
    },
    responses: { 200: json(z.object({ version: z.number(), examples: z.array(Example), next: z.string().nullable() }), 'A page of examples'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = c.req.valid('query');
    const d = await mustFindDataset(c.env, projectId, c.req.valid('param').dataset);
    const version = await resolveVersion(c.env, projectId, d.id, { version: q.version, asOf: q.as_of, tag: q.tag }, d);
    const page = await listExamples(c.env, projectId, d.id, { version, splits: q.split?.split(',').filter(Boolean), filter: q.search, includeArchived: q.include_archived === 'true', cursor: q.cursor, limit: q.limit });
    return c.json({ version, ...page }, 200);
  },
);

datasetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/datasets/{dataset}/examples',
    tags,
    summary: 'Add examples (one version)',
    description: 'Every example is validated against the dataset schemas; one bad example rejects the request (400 naming `examples[i].<field>`). An `id` that exists with the same content is a no-op (a retried request makes no version); with different content it is a 409 naming the id, and nothing is written: edit examples with PATCH.',
    security: sec,
    middleware: [requireAuth('ingest')] as const,
    request: { params: DatasetParam, body: { content: { 'application/json': { schema: z.object({ examples: z.array(z.unknown()).min(1).max(1000).meta({ description: 'ExampleWrite objects' }), message: z.string().max(500).optional() }) } }, required: true } },
    responses: { 201: json(z.object({ version: z.number(), examples: z.array(Example) }), 'Added'), ...commonErrors, ...notFound, 409: json(z.object({ error: z.any() }), 'An id exists with different content') },
  }),
  async (c) => {
    const body = c.req.valid('json');
    return c.json(await addExamples(c.env, c.get('auth').projectId, c.req.valid('param').dataset, body.examples, body.message), 201);
  },
);

datasetRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/datasets/{dataset}/examples/{example}', tags, summary: 'Get an example at a version', security: sec, middleware: [requireAuth('read')] as const, request: { params: ExampleParam, query: VersionQuery }, responses: { 200: json(Example, 'The example'), ...commonErrors, ...notFound } }),
  async (c) => {
    const { projectId } = c.get('auth');
    const p = c.req.valid('param');
    const q = c.req.valid('query');
    const d = await mustFindDataset(c.env, projectId, p.dataset);
    const version = await resolveVersion(c.env, projectId, d.id, { version: q.version, asOf: q.as_of, tag: q.tag }, d);
    const e = await getExample(c.env, projectId, d.id, p.example, version);
    if (!e) throw new ApiError(404, 'not_found', `example '${p.example}' not found at version ${version}`);
    return c.json(e, 200);
  },
);

datasetRoutes.openapi(
  createRoute({ method: 'patch', path: '/v1/datasets/{dataset}/examples/{example}', tags, summary: 'Edit an example (one version)', description: 'Fields not sent keep their values.', security: sec, middleware: [requireAuth('ingest')] as const, request: { params: ExampleParam, body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()).meta({ description: 'ExamplePatch' }) } }, required: true } }, responses: { 200: json(Example, 'The example'), ...commonErrors, ...notFound } }),
  async (c) => {
    const p = c.req.valid('param');
    return c.json(await updateExample(c.env, c.get('auth').projectId, p.dataset, p.example, c.req.valid('json')), 200);
  },
);

datasetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/datasets/{dataset}/examples/{example}/archive',
    tags,
    summary: 'Archive an example (one version)',
    description: 'Examples are never deleted: older versions still read them. A `pinned` example (a regression case) needs an owner/admin and a `reason`, which is kept.',
    security: sec,
    middleware: [requireAuth('ingest')] as const,
    request: { params: ExampleParam, body: { content: { 'application/json': { schema: z.object({ reason: z.string().max(2000).optional() }) } }, required: false } },
    responses: { 200: json(Example, 'The archived example'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const p = c.req.valid('param');
    const body = (await c.req.json().catch(() => ({}))) as { reason?: string };
    return c.json(await archiveExample(c.env, auth.projectId, p.dataset, p.example, { reason: body.reason, canArchivePinned: auth.scopes.has('admin') }), 200);
  },
);

datasetRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/datasets/{dataset}/versions', tags, summary: 'List versions with their tags', security: sec, middleware: [requireAuth('read')] as const, request: { params: DatasetParam }, responses: { 200: json(z.object({ versions: z.array(VersionOut) }), 'Versions, newest first'), ...commonErrors, ...notFound } }),
  async (c) => {
    const { projectId } = c.get('auth');
    const d = await mustFindDataset(c.env, projectId, c.req.valid('param').dataset);
    return c.json({ versions: await listVersions(c.env, projectId, d.id) }, 200);
  },
);

datasetRoutes.openapi(
  createRoute({ method: 'put', path: '/v1/datasets/{dataset}/tags/{tag}', tags, summary: 'Point a tag at a version', security: sec, middleware: [requireAuth('ingest')] as const, request: { params: DatasetParam.extend({ tag: z.string().min(1).max(200) }), body: { content: { 'application/json': { schema: z.object({ version: z.number().int().min(0) }) } }, required: true } }, responses: { 200: json(z.object({ tag: z.string(), version: z.number() }), 'Tagged'), ...commonErrors, ...notFound } }),
  async (c) => {
    const { projectId } = c.get('auth');
    const p = c.req.valid('param');
    const d = await mustFindDataset(c.env, projectId, p.dataset);
    const { version } = c.req.valid('json');
    await setTag(c.env, projectId, d.id, p.tag, version);
    return c.json({ tag: p.tag, version }, 200);
  },
);

datasetRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/datasets/{dataset}/diff', tags, summary: 'What changed between two versions', security: sec, middleware: [requireAuth('read')] as const, request: { params: DatasetParam, query: z.object({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(0) }) }, responses: { 200: json(ExampleDiff, 'Added, removed (archived) and modified examples'), ...commonErrors, ...notFound } }),
  async (c) => {
    const { projectId } = c.get('auth');
    const d = await mustFindDataset(c.env, projectId, c.req.valid('param').dataset);
    const q = c.req.valid('query');
    await resolveVersion(c.env, projectId, d.id, { version: q.from });
    await resolveVersion(c.env, projectId, d.id, { version: q.to });
    return c.json(await diffVersions(c.env, projectId, d.id, q.from, q.to), 200);
  },
);

datasetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/datasets/{dataset}/examples/from-trace',
    tags,
    summary: 'Add an example from a trace or span (one version)',
    description: "The span's (default: the root span's) input and output are copied into the dataset, so the example outlives the trace. Other example fields (outputs, criteria, expected_trajectory, splits, tags, metadata) may be given to override.",
    security: sec,
    middleware: [requireAuth('ingest')] as const,
    request: { params: DatasetParam, body: { content: { 'application/json': { schema: z.object({ trace_id: z.string().min(1).max(128), span_id: z.string().min(1).max(128).optional(), example: z.record(z.string(), z.unknown()).optional() }) } }, required: true } },
    responses: { 201: json(z.object({ version: z.number(), examples: z.array(Example) }), 'Added'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const b = c.req.valid('json');
    return c.json(await addFromTrace(c.env, c.get('auth').projectId, c.req.valid('param').dataset, b.trace_id, { spanId: b.span_id, extra: b.example as never }), 201);
  },
);

datasetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/datasets/{dataset}/examples/from-filter',
    tags,
    summary: 'Add every trace matching a filter (one version)',
    description: `Uses the trace filter language (as GET /v1/traces?q=), e.g. \`insight.<report>=<pattern>\` for an Insights pattern's traces. At most ${MAX_FROM_FILTER} traces are added per call. Each trace is one example (id derived from dataset and trace): traces already in the dataset are passed over, so calling again with the same filter adds the next ones (\`more\` says whether there are; one call looks at up to ${MAX_FROM_FILTER_SCAN} matching traces). \`tags\` are set on every example added (e.g. the pattern).`,
    security: sec,
    middleware: [requireAuth('ingest')] as const,
    request: { params: DatasetParam, body: { content: { 'application/json': { schema: z.object({ filter: z.string().min(1).max(4000), limit: z.number().int().min(1).optional(), tags: z.array(z.string().min(1).max(200)).max(100).optional() }) } }, required: true } },
    responses: { 201: json(z.object({ version: z.number(), added: z.number(), skipped: z.number().meta({ description: 'Matching traces already in the dataset' }), more: z.boolean().meta({ description: 'More matching traces are not in the dataset yet: call again to add them' }), examples: z.array(Example).meta({ description: 'The examples added' }) }), 'Added'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const b = c.req.valid('json');
    return c.json(await addFromFilter(c.env, c.get('auth').projectId, c.req.valid('param').dataset, b.filter, b.limit, b.tags), 201);
  },
);

datasetRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/datasets/{dataset}/export',
    tags,
    summary: 'Export examples at a version (JSONL or CSV)',
    description: 'Streams every live example at the version (default latest). JSONL: one Example per line. CSV: id, inputs, outputs, criteria, expected_trajectory, metadata, tags, splits, source (JSON in cells; formulas neutralised). Both import back with POST .../import.',
    security: sec,
    middleware: [requireAuth('read')] as const,
    request: { params: DatasetParam, query: VersionQuery.extend({ format: z.enum(['jsonl', 'csv']).default('jsonl') }) },
    responses: { 200: { description: 'The examples', content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } } }, ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = c.req.valid('query');
    const d = await mustFindDataset(c.env, projectId, c.req.valid('param').dataset);
    const version = await resolveVersion(c.env, projectId, d.id, { version: q.version, asOf: q.as_of, tag: q.tag }, d);
    const type = q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
    return new Response(exportStream(c.env, projectId, d.id, version, q.format), {
      headers: { 'content-type': type, 'content-disposition': `attachment; filename="${d.name.replace(/[^\w.-]/g, '_')}-v${version}.${q.format}"`, 'x-dataset-version': String(version), 'x-content-type-options': 'nosniff' },
    });
  },
);

const LineError = z.object({ line: z.number().int(), field: z.string().nullable(), reason: z.string() });

datasetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/datasets/{dataset}/import',
    tags,
    summary: 'Import examples from JSONL or CSV (one version)',
    description: `The body is a file in the export's line format: JSONL (one example per line; the export's own fields \`dataset_id\`, \`version\`, times and \`archived\` are ignored) or CSV (a header row naming some of id, inputs, outputs, criteria, expected_trajectory, metadata, tags, splits, source; JSON cells). \`format\` (or a \`text/csv\` Content-Type) picks CSV. Bad lines are listed (line, field, reason) and skipped; the good lines are one version. Ids are kept: a line whose id exists with the same content is unchanged, with other content it is a line error. At most ${MAX_IMPORT_BYTES} bytes (413) and ${MAX_IMPORT_LINES} examples (400).`,
    security: sec,
    middleware: [requireAuth('ingest')] as const,
    request: { params: DatasetParam, query: z.object({ format: z.enum(['jsonl', 'csv']).optional() }) },
    responses: {
      200: json(z.object({ version: z.number(), imported: z.number(), unchanged: z.number(), error_count: z.number(), errors: z.array(LineError).meta({ description: 'The first 100 line errors' }) }), 'Imported'),
      ...commonErrors,
      ...notFound,
      413: json(z.object({ error: z.any() }), `Body over ${MAX_IMPORT_BYTES} bytes`),
    },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const format = c.req.valid('query').format ?? (/text\/csv/i.test(c.req.header('content-type') ?? '') ? 'csv' : 'jsonl');
    const d = await mustFindDataset(c.env, projectId, c.req.valid('param').dataset);
    return c.json(await importExamples(c.env, projectId, d.id, await readImportBody(c.req.raw), format), 200);
  },
);
