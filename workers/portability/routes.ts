/**
 * GET /v1/export (the key's project as a JSONL download), POST /v1/import (JSONL into the
 * key's project), both `admin`; and POST /v1/operator/rebuild, one bounded step of
 * rebuilding a project's D1 index from R2, authorised by the instance's SETUP_SECRET (the
 * operator's credential: a rebuild is an operator action on any project, not a project's own).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, type AppEnv } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { ApiError, commonErrors, notFound } from '../platform/errors.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { controlDb } from '../platform/db.ts';
import { exportProject } from './export.ts';
import { createExportJob, exportFile, getExportJob, listExportJobs } from './export-job.ts';
import { ExportJobOut } from '../../schema/wire/portability.ts';
import { importProject } from './import.ts';
import { rebuildStep } from './rebuild.ts';
import { requireOperator } from './operator-auth.ts';

export const portabilityRoutes = newRouter();

const ImportResult = z
  .object({
    lines: z.number().int(),
    rows: z.number().int().meta({ description: 'Table rows written (a row already present counts too: it was kept)' }),
    spans: z.number().int(),
    batches: z.number().int().meta({ description: 'R2 batches written (then indexed by the ingest queue, usually within a second)' }),
    skipped: z.number().int(),
    errors: z.array(z.object({ line: z.number().int(), field: z.string(), reason: z.string() })),
    errors_truncated: z.boolean(),
  })
  .meta({ id: 'ImportResult' });

const RebuildIn = z
  .object({ project_id: z.string().min(1).max(64), cursor: z.string().max(4096).nullish() })
  .strict()
  .meta({ id: 'RebuildIn' });
const RebuildOut = z
  .object({
    project_id: z.string(),
    phase: z.enum(['wipe', 'index']),
    cursor: z.string().nullable().meta({ description: 'Send back for the next step; null when done' }),
    done: z.boolean(),
    deleted_spans: z.number().int(),
    deleted_traces: z.number().int(),
    batches: z.number().int(),
    spans: z.number().int(),
  })
  .meta({ id: 'RebuildStep' });

portabilityRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/export',
    tags: ['lifecycle'],
    summary: 'Export the whole project as JSONL',
    description:
      'Streams one JSON record per line, each with a `type`: a `loupe_export` header, one `<table>` record per row of the project\'s feedback, evaluators and their versions, rules, eval results, review queues and routing rules, datasets (versions, tags, example revisions), experiments (runs, baselines, targets), insights and settings; one `span` record per line of the project\'s R2 log (inputs and outputs as stored); an `end` record with the count. Secrets (API keys, provider keys, signing secrets, the redaction hash key) are never included. See docs/export-import.md.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    responses: { 200: { description: 'The export', content: { 'application/x-ndjson': { schema: z.string() } } }, ...commonErrors },
  }),
  async (c) => {
    const auth = c.get('auth');
    await audit(c.env, auth, 'project.exported', { type: 'project', id: auth.projectId });
    const name = `loupe-${auth.projectId}-${new Date().toISOString().slice(0, 10)}.jsonl`;
    // A stream, not a string: the typed response helpers only know the documented string body.
    const res = c.body(exportProject(c.env, auth.projectId), 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    return res as unknown as never;
  },
);

portabilityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/exports',
    tags: ['lifecycle'],
    summary: 'Export the whole project to a file in R2 (a job)',
    description:
      "The same records as GET /v1/export, written to one JSONL file in Loupe's R2 bucket by the every-minute cron, in steps, so a project of any size can be exported (a download has to finish within one request). Follow it with GET /v1/exports/{id}; once `done`, GET its `download` path. Files are kept 7 days; a deletion that finishes after an export started deletes that export's file. See docs/export-import.md.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    responses: { 202: { description: 'Queued', content: { 'application/json': { schema: ExportJobOut } } }, ...commonErrors },
  }),
  async (c) => {
    const auth = c.get('auth');
    const job = await createExportJob(c.env, auth.projectId, auth.principalId);
    await audit(c.env, auth, 'project.exported', { type: 'project', id: auth.projectId, details: { export_id: job.id, to: 'r2' } });
    return c.json(job, 202);
  },
);

portabilityRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/exports',
    tags: ['lifecycle'],
    summary: "The project's export jobs, newest first (the last 50)",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    responses: { 200: { description: 'Jobs', content: { 'application/json': { schema: z.object({ exports: z.array(ExportJobOut) }) } } }, ...commonErrors },
  }),
  async (c) => c.json({ exports: await listExportJobs(c.env, c.get('auth').projectId) }, 200),
);

portabilityRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/exports/{id}',
    tags: ['lifecycle'],
    summary: "An export job's status",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: { description: 'The job', content: { 'application/json': { schema: ExportJobOut } } }, ...commonErrors, ...notFound },
  }),
  async (c) => {
    const job = await getExportJob(c.env, c.get('auth').projectId, c.req.valid('param').id);
    if (!job) throw new ApiError(404, 'not_found', 'id: no such export in this project', 'id');
    return c.json(job, 200);
  },
);

portabilityRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/exports/{id}/file',
    tags: ['lifecycle'],
    summary: "A finished export's file",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: {
      200: { description: 'The JSONL file', content: { 'application/x-ndjson': { schema: z.string() } } },
      ...commonErrors,
      ...notFound,
      409: { description: 'The export is not finished, or its file expired', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const job = await getExportJob(c.env, auth.projectId, id);
    if (!job) throw new ApiError(404, 'not_found', 'id: no such export in this project', 'id');
    const file = job.status === 'done' ? await exportFile(c.env, auth.projectId, id) : null;
    if (!file) throw new ApiError(409, 'conflict', job.status === 'expired' ? `id: this export's file is gone (${job.error ?? 'kept 7 days'}); start a new export` : `id: this export is ${job.status}; its file is ready once the status is done`, 'id');
    const res = c.body(file.body, 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-length': String(file.size),
      'content-disposition': `attachment; filename="loupe-${auth.projectId}-${job.created_at.slice(0, 10)}.jsonl"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    return res as unknown as never;
  },
);

portabilityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/import',
    tags: ['lifecycle'],
    summary: 'Import a JSONL export into this project',
    description:
      'Restores a GET /v1/export file into the key\'s project (meant for a new, empty one). Good lines are stored, bad ones are listed with line number, field and reason, and skipped. Idempotent: sending the same file again adds nothing. Into a project that has data, it merges: rows whose ids exist are kept unchanged. Spans go through the ingest path, so they are queryable once the indexer has run (usually within a second). `first_line` numbers the first line when a file is sent in parts (the CLI does).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: {
      query: z.object({
        first_line: z.coerce.number().int().min(1).default(1),
        project: z.string().min(1).max(200).optional().meta({ description: "The name of the key's project, as a guard: a 409 (before anything is read) when the key belongs to another project" }),
      }),
      body: { content: { 'application/x-ndjson': { schema: z.string() } }, required: true },
    },
    responses: {
      200: { description: 'What was imported', content: { 'application/json': { schema: ImportResult } } },
      ...commonErrors,
      409: { description: 'The key belongs to another project than `project`', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { first_line, project } = c.req.valid('query');
    if (project !== undefined) {
      const row = await controlDb(c.env).prepare('SELECT name FROM projects WHERE id = ?1').bind(auth.projectId).first<{ name: string }>();
      if (row?.name !== project) throw new ApiError(409, 'conflict', `project: this key belongs to project '${row?.name ?? auth.projectId}', not '${project}'`, 'project');
    }
    const body = c.req.raw.body;
    if (!body) throw new ApiError(400, 'invalid_request', 'body: send the JSONL export as the request body', 'body');
    const result = await importProject(c.env, auth.projectId, body, first_line);
    await audit(c.env, auth, 'project.imported', { type: 'project', id: auth.projectId, details: { rows: result.rows, spans: result.spans, skipped: result.skipped } });
    return c.json(result, 200);
  },
);


portabilityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/operator/rebuild',
    tags: ['admin'],
    summary: "One step of rebuilding a project's D1 index from R2",
    description:
      'Operator only (SETUP_SECRET as bearer token). Start with no cursor: the first steps wipe the project\'s spans, full-text entries and trace roll-ups, the next ones index its R2 batches in time order. Call again with the returned cursor until `done`. Feedback, datasets and everything else not derived from R2 are untouched. `npm run rebuild -- --project <id>` drives it.',
    security: [{ apiKey: [] }],
    middleware: [requireOperator] as const,
    request: { body: { content: { 'application/json': { schema: RebuildIn } }, required: true } },
    responses: {
      200: { description: 'The step', content: { 'application/json': { schema: RebuildOut } } },
      ...commonErrors,
      401: { description: 'Wrong or missing operator secret', content: { 'application/json': { schema: ErrorBody } } },
      404: { description: 'No such project', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    const { project_id, cursor } = c.req.valid('json');
    const project = await controlDb(c.env).prepare('SELECT id FROM projects WHERE id = ?1').bind(project_id).first();
    if (!project) throw new ApiError(404, 'not_found', 'project_id: no such project', 'project_id');
    return c.json(await rebuildStep(c.env, project_id, cursor), 200);
  },
);
