/**
 * Insights reports over REST: POST /v1/insights/reports (run), GET /v1/insights/reports
 * (list with progress), GET /v1/insights/reports/{id} (row + the finished report),
 * GET /v1/insights/reports/{id}/patterns. Running needs only `read`: a report reads traces
 * and writes nothing but its own report, so a read key (the CLI, an agent) may run one.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { PatternOut, ReportOut, ReportRow, ReportRun, TrackedOut as Tracked } from '../../schema/wire/insights.ts';
import { getReportRow, listReportRows } from './reports.ts';
import { readReport, startReport } from './service.ts';
import { getQueue } from '../review/queues.ts';
import { addItems } from '../review/items.ts';
import { AddItemsOut } from '../../schema/wire/review.ts';
import { ApiError } from '../platform/errors.ts';
import { describeCluster } from './service.ts';
import { draftFor } from './drafts.ts';
import { reportProvider } from './llm-path.ts';
import { createEvaluator } from '../evals/evaluators.ts';
import { EvaluatorCreate } from '../../schema/wire/evaluators.ts';
import { hasScope } from '../platform/context.ts';
import { getTracked, listTracked, trackPattern, untrackPattern } from './tracking.ts';
import { getSchedule, putSchedule, ScheduleIn, ScheduleOut } from './schedule.ts';

export const insightsRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

insightsRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/insights/reports',
    tags: ['insights'],
    summary: 'Run an Insights report',
    description:
      'Clusters the matching traces (filter + time range, up to 100,000: sampled beyond, saying so) by intent and by failure, and ranks failure patterns by lift. Runs in the background (a Workflow): poll GET /v1/insights/reports/{id} until `status` is `done`.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { body: { content: { 'application/json': { schema: ReportRun } }, required: false } },
    responses: { 202: json(ReportRow, 'Started'), ...commonErrors },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const body = ReportRun.parse(await c.req.json().catch(() => ({})));
    return c.json(await startReport(c.env, projectId, body, 'api'), 202);
  },
);

insightsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/insights/reports',
    tags: ['insights'],
    summary: 'List Insights reports',
    description: 'Newest first, with status and progress.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
    responses: { 200: json(z.object({ reports: z.array(ReportRow) }), 'Reports'), ...commonErrors },
  }),
  async (c) => c.json({ reports: await listReportRows(c.env, c.get('auth').projectId, c.req.valid('query').limit) }, 200),
);

insightsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/insights/reports/{id}',
    tags: ['insights'],
    summary: 'Get an Insights report',
    description: 'The row and, once done, the report: intent hierarchy with stats and example traces, failure clusters, failure patterns, method and notes. Every cluster and pattern carries `membership_filter` (`insight.<report>=<id>`).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(ReportOut, 'The report'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const row = await getReportRow(c.env, projectId, c.req.valid('param').id);
    return c.json({ ...row, report: await readReport(c.env, projectId, row) }, 200);
  },
);

insightsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/insights/reports/{id}/patterns',
    tags: ['insights'],
    summary: 'Failure patterns of a report',
    description: 'Ranked: significant patterns that fail more first, by the lower bound of their lift interval. Empty until the report is done.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ report_id: z.string(), status: z.string(), base_rate: z.number().nullable(), patterns: z.array(PatternOut) }), 'Patterns'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const row = await getReportRow(c.env, projectId, c.req.valid('param').id);
    const report = await readReport(c.env, projectId, row);
    return c.json({ report_id: row.id, status: row.status, base_rate: report?.baseRate ?? null, patterns: report?.patterns ?? [] }, 200);
  },
);

insightsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/insights/schedule',
    tags: ['insights'],
    summary: 'The scheduled report of the project',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: json(ScheduleOut, 'The schedule'), ...commonErrors },
  }),
  async (c) => c.json(await getSchedule(c.env, c.get('auth').projectId), 200),
);

insightsRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/insights/schedule',
    tags: ['insights'],
    summary: 'Schedule reports (daily or weekly)',
    description: 'A Cron Trigger checks hourly and runs the report once `every` has passed since the last one, over the last `window_days` days.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: ScheduleIn } }, required: true } },
    responses: { 200: json(ScheduleOut, 'The schedule'), ...commonErrors },
  }),
  async (c) => c.json(await putSchedule(c.env, c.get('auth').projectId, c.req.valid('json')), 200),
);

insightsRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/insights/reports/{id}/clusters/{cluster}/queue',
    tags: ['insights'],
    summary: "Send a cluster's or pattern's traces to an annotation queue",
    description:
      'Adds the traces of `cluster` (an intent or failure cluster id, or a pattern id `p1`, ...) to the annotation queue, through the queue items API with the membership filter `insight.<report>=<cluster>` (newest first, up to `limit`), with a note naming the pattern. Traces already queued are counted, not added again.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: {
      params: z.object({ id: z.string().min(1).max(64), cluster: z.string().min(1).max(64) }),
      body: { content: { 'application/json': { schema: z.strictObject({ queue_id: z.string().min(1).max(64), limit: z.number().int().min(1).max(10000).default(1000) }) } }, required: true },
    },
    responses: { 200: json(AddItemsOut, 'Added'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, cluster } = c.req.valid('param');
    const body = c.req.valid('json');
    const row = await getReportRow(c.env, auth.projectId, id);
    const report = await readReport(c.env, auth.projectId, row);
    if (!report) throw new ApiError(409, 'not_ready', `report '${id}' is ${row.status}: its clusters exist once it is done`, 'id');
    const label = describeCluster(report, cluster);
    if (!label) throw new ApiError(404, 'not_found', `report '${id}' has no cluster or pattern '${cluster}'`, 'cluster');
    const queue = await getQueue(c.env, auth.projectId, body.queue_id, 'queue_id');
    const filter = `insight.${id}=${cluster}`;
    return c.json(await addItems(c.env, auth.projectId, queue, { filter, limit: body.limit, note: `Insights ${id}: ${label}` }, auth), 200);
  },
);

insightsRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/insights/reports/{id}/clusters/{cluster}/evaluator',
    tags: ['insights'],
    summary: 'Draft an evaluator from a cluster or pattern',
    description:
      'A POST /v1/evaluators body prefilled from it: a `tool_sequence` check for a tool-sequence pattern, `no_loops` for a loop, `error_free` for a failing tool, `tool_called` for a tool, LLM-judge criteria for an intent (with the project\'s first provider). With `create: true` it is created through the evaluator API (validated there) and returned as `evaluator`.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: {
      params: z.object({ id: z.string().min(1).max(64), cluster: z.string().min(1).max(64) }),
      body: { content: { 'application/json': { schema: z.strictObject({ create: z.boolean().default(false) }) } }, required: false },
    },
    responses: { 200: json(z.object({ draft: z.record(z.string(), z.unknown()), evaluator: z.record(z.string(), z.unknown()).nullable() }), 'The draft'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { id, cluster } = c.req.valid('param');
    const create = (await c.req.json().catch(() => ({}))).create === true;
    const row = await getReportRow(c.env, auth.projectId, id);
    const report = await readReport(c.env, auth.projectId, row);
    if (!report) throw new ApiError(409, 'not_ready', `report '${id}' is ${row.status}: its clusters exist once it is done`, 'id');
    const draft = draftFor(id, report, cluster, await reportProvider(c.env, auth.projectId, null));
    if (!draft) throw new ApiError(404, 'not_found', `report '${id}' has no cluster or pattern '${cluster}'`, 'cluster');
    if (!create) return c.json({ draft: { ...draft }, evaluator: null }, 200);
    if (!hasScope(auth, 'admin')) throw new ApiError(403, 'forbidden', "creating an evaluator needs the 'admin' scope", 'create');
    const evaluator = await createEvaluator(c.env, auth.projectId, EvaluatorCreate.parse(draft), auth.email ?? auth.principalId);
    return c.json({ draft: { ...draft }, evaluator: { ...evaluator } }, 200);
  },
);

insightsRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/insights/tracked',
    tags: ['insights'],
    summary: 'Track a pattern until it is fixed',
    description: "Follows a report's pattern: its rate in every later report that ranks it and, when it has an equivalent filter, per release over the traces. `fixed` once the latest two measurements are below `threshold` (default: the report's base failure rate).",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { body: { content: { 'application/json': { schema: z.strictObject({ report_id: z.string().min(1).max(64), pattern: z.string().min(1).max(16), threshold: z.number().min(0).max(1).optional() }) } }, required: true } },
    responses: { 200: json(Tracked, 'Already tracked (a threshold given replaces the old one)'), 201: json(Tracked, 'Tracked'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const b = c.req.valid('json');
    const { tracked, created } = await trackPattern(c.env, c.get('auth').projectId, b.report_id, b.pattern, b.threshold);
    return created ? c.json(tracked, 201) : c.json(tracked, 200);
  },
);

insightsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/insights/tracked',
    tags: ['insights'],
    summary: 'Tracked patterns with their rates and status',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: json(z.object({ tracked: z.array(Tracked) }), 'Tracked patterns'), ...commonErrors },
  }),
  async (c) => c.json({ tracked: await listTracked(c.env, c.get('auth').projectId) }, 200),
);

insightsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/insights/tracked/{id}',
    tags: ['insights'],
    summary: 'A tracked pattern',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(Tracked, 'The tracked pattern'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await getTracked(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);

insightsRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/insights/tracked/{id}',
    tags: ['insights'],
    summary: 'Stop tracking a pattern',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { params: Id },
    responses: { 204: { description: 'No longer tracked' }, ...commonErrors, ...notFound },
  }),
  async (c) => {
    await untrackPattern(c.env, c.get('auth').projectId, c.req.valid('param').id);
    return c.body(null, 204);
  },
);
