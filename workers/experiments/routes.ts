/**
 * /v1/experiments: create an experiment over a dataset version, post its runs, read its
 * summary and runs, compare 2+ experiments, gate a candidate, pin a baseline. Reads need
 * `read`; runs need `ingest` (runners and CI post them); pinning needs `admin`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import {
  ComparisonOut,
  ExampleStatus,
  ExperimentCreate,
  ExperimentOut,
  ExperimentRunOut,
  ExperimentRunsIn,
  ExperimentScoreIn,
  ExperimentScoreOut,
  ExperimentScoringOut,
  ExperimentSummaryOut,
  ExperimentTargetOut,
  GateIn,
  GateOut,
  TrajectoryDiffOut,
} from '../../schema/wire/experiments.ts';
import { createExperiment, endExperiment, getExperiment, listExperiments, listRuns, loadRunScores, pinBaseline, recordRuns } from './experiments.ts';
import { compareStored, diffStored, FIRST_PAGE, gateStored } from './comparisons.ts';
import { datasetExamples, pinDatasetVersion } from './dataset-examples.ts';
import { summarizeExperiment } from './summary.ts';
import { rescoreExperiment, scoringStatus } from './scoring.ts';
import { redriveTargets, startTargetExperiment, targetProgress } from './target.ts';

export const experimentRoutes = newRouter();


const Id = z.object({ id: z.string().min(1).max(256) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const tags = ['experiments'];

experimentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/experiments',
    tags,
    summary: 'List experiments',
    description: 'Newest first; `dataset_id` narrows to one dataset. Each says whether it is its dataset\'s pinned baseline.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { query: z.object({ dataset_id: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
    responses: { 200: json(z.object({ experiments: z.array(ExperimentOut) }), 'Experiments'), ...commonErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    return c.json({ experiments: await listExperiments(c.env, c.get('auth').projectId, { datasetId: q.dataset_id, limit: q.limit }) }, 200);
  },
);

experimentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/experiments',
    tags,
    summary: 'Create an experiment',
    description: 'Pins the dataset version: a Loupe dataset (name or id) without `dataset_version` pins its latest (an unknown version is 404); another dataset id is kept as given (version 1 by default). A taken name is a 409. `evaluators` score each run once its trace completes. With `target`, Loupe runs it server-side: it POSTs each example\'s inputs to the URL (signed, through a queue, bounded concurrency, retries) and records the answers as runs (progress: GET /v1/experiments/{id}/target).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { body: { content: { 'application/json': { schema: ExperimentCreate } }, required: true } },
    responses: { 201: json(ExperimentOut, 'Created'), 409: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'Name taken'), ...commonErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const projectId = c.get('auth').projectId;
    const pinned = await pinDatasetVersion(c.env, projectId, body.dataset_id, body.dataset_version);
    const pinnedBody = { ...body, dataset_id: pinned.datasetId, dataset_version: pinned.version };
    if (body.target || body.replay) return c.json(await startTargetExperiment(c.env, projectId, pinnedBody), 201);
    return c.json(await createExperiment(c.env, projectId, pinnedBody), 201);
  },
);

// Before /v1/experiments/{id}, so "compare" is never read as an experiment id.
experimentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/experiments/compare',
    tags,
    summary: 'Compare experiments',
    description:
      'The first id is the baseline; each other experiment is compared with it on the examples they share: per metric both means with 95% intervals (Wilson for pass rates), the paired difference with its interval (clustered by example with repetitions), exact McNemar for pass/fail; per example improved / regressed / unchanged / errored / missing, regressions first. Experiments of different datasets: 400.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: {
      query: z.object({
        ids: z.string().min(1).max(4000).meta({ description: 'Comma-separated experiment ids or names, baseline first' }),
        metric: z.union([z.string(), z.array(z.string())]).optional(),
        confidence: z.coerce.number().gt(0).lt(1).default(0.95),
        status: z
          .string()
          .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
          .pipe(z.array(ExampleStatus))
          .optional()
          .meta({ description: 'Only examples of these statuses (comma-separated: regressed, errored, missing, improved, unchanged)' }),
        example_id: z.string().min(1).max(512).optional().meta({ description: 'Only this example (its verdict, e.g. for a detail view)' }),
        examples_limit: z.coerce.number().int().min(1).max(1000).default(FIRST_PAGE.limit).meta({ description: 'Examples per page (the metrics always cover every example)' }),
        examples_offset: z.coerce.number().int().min(0).default(0),
      }),
    },
    responses: { 200: json(z.object({ comparisons: z.array(ComparisonOut) }), 'One comparison per candidate'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const ids = q.ids.split(',').map((s) => s.trim()).filter(Boolean);
    const metrics = q.metric === undefined ? undefined : Array.isArray(q.metric) ? q.metric : [q.metric];
    const page = { status: q.status, exampleId: q.example_id, limit: q.examples_limit, offset: q.examples_offset };
    return c.json({ comparisons: await compareStored(c.env, c.get('auth').projectId, ids, { metrics, confidence: q.confidence, datasets: datasetExamples(c.env), page }) }, 200);
  },
);


experimentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/experiments/compare/diff',
    tags,
    summary: "One example's trajectory diff between two experiments",
    description: 'The tool-call sequences of the two runs aligned (longest common subsequence of tool names), the first divergence, calls added, removed or changed (with argument paths), and the output diff by line.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: {
      query: z.object({
        baseline: z.string().min(1).max(256),
        candidate: z.string().min(1).max(256),
        example_id: z.string().min(1).max(128),
        repetition: z.coerce.number().int().min(0).max(99).default(0),
      }),
    },
    responses: { 200: json(TrajectoryDiffOut, 'The diff'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const q = c.req.valid('query');
    return c.json(await diffStored(c.env, c.get('auth').projectId, q.baseline, q.candidate, q.example_id, q.repetition), 200);
  },
);

experimentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/experiments/{id}',
    tags,
    summary: 'Get an experiment with its summary',
    description: 'Summary: per feedback key the mean with its interval, pass@k and pass^k with repetitions; errors, latency, tokens, cost.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(ExperimentOut.extend({ summary: ExperimentSummaryOut }), 'The experiment'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    const e = await getExperiment(c.env, projectId, c.req.valid('param').id);
    const summary = summarizeExperiment(await loadRunScores(c.env, projectId, e.id));
    return c.json({ ...e, summary }, 200);
  },
);

experimentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/experiments/{id}/runs',
    tags,
    summary: "List an experiment's runs",
    description: 'One per example and repetition, errored runs included, each with its trace id and scores.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ runs: z.array(ExperimentRunOut) }), 'Runs'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    const e = await getExperiment(c.env, projectId, c.req.valid('param').id);
    return c.json({ runs: await listRuns(c.env, projectId, e.id) }, 200);
  },
);

experimentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/experiments/{id}/runs',
    tags,
    summary: 'Record runs',
    description:
      'Up to 500 runs in one atomic write. Posting the same (example_id, repetition) again rewrites that run, so resumed and retried runners never double-count. `scores` become feedback on the run\'s trace.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: ExperimentRunsIn } }, required: true } },
    responses: { 200: json(z.object({ recorded: z.number() }), 'Recorded'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await recordRuns(c.env, c.get('auth').projectId, c.req.valid('param').id, c.req.valid('json').runs), 200),
);

experimentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/experiments/{id}/end',
    tags,
    summary: 'Mark an experiment completed',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { params: Id },
    responses: { 200: json(ExperimentOut, 'Completed'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await endExperiment(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);

experimentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/experiments/{id}/gate',
    tags,
    summary: 'Gate a candidate experiment',
    description:
      "Against `baseline` or the dataset's pinned baseline. Fails on missing examples, on any regression of an example tagged `pinned`, on more than `max_regressions` regressed or errored examples, and per metric when the paired difference is significantly negative (or, with `min_delta`, when its lower bound at `confidence` is below min_delta). A failed candidate cannot be pinned as baseline.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: GateIn } }, required: true } },
    responses: { 200: json(GateOut, 'The verdict (pass or fail)'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await gateStored(c.env, c.get('auth').projectId, c.req.valid('param').id, c.req.valid('json'), datasetExamples(c.env)), 200),
);

experimentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/experiments/{id}/baseline',
    tags,
    summary: "Pin as its dataset's baseline",
    description: 'Gates compare against the pinned baseline, never simply the latest run. A candidate whose gate failed is refused (409).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id },
    responses: { 200: json(ExperimentOut, 'Pinned'), 409: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'Failed its gate'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    return c.json(await pinBaseline(c.env, auth.projectId, c.req.valid('param').id, auth.email ?? auth.principalId), 200);
  },
);

experimentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/experiments/{id}/score',
    tags,
    summary: 'Score an experiment with more evaluators',
    description:
      "Adds the evaluators to the experiment and queues one job per run with a trace and evaluator. Scores are feedback on the run traces (one per run, evaluator and version: asking again never adds a second). Evaluators read the run's example through `example.outputs`, `example.criteria`, `example.expected_trajectory`, `example.inputs`. Progress: GET /v1/experiments/{id}/scoring.",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: ExperimentScoreIn } }, required: true } },
    responses: { 202: json(ExperimentScoreOut, 'Queued'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await rescoreExperiment(c.env, c.get('auth').projectId, c.req.valid('param').id, c.req.valid('json').evaluators), 202),
);

experimentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/experiments/{id}/scoring',
    tags,
    summary: "An experiment's scoring progress",
    description: 'Per evaluator, runs queued, scored, failed (the run log says why) and skipped; `done` when nothing is queued.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(ExperimentScoringOut, 'Progress'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await scoringStatus(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);

experimentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/experiments/{id}/target',
    tags,
    summary: "A server-side experiment's target and progress",
    description: 'The endpoint (never its secret), its limits, and runs pending, running, done and errored. 404 for an experiment without a target.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: Id },
    responses: { 200: json(ExperimentTargetOut, 'Progress'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await targetProgress(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);

experimentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/experiments/{id}/target/resume',
    tags,
    summary: 'Resume a server-side experiment',
    description: 'Sends fresh worker slots when runs are left (e.g. queue messages lost in a restart). Harmless when it is still running: extra slots find the concurrency taken and end. The scheduled handler does the same for targets idle longer than their timeout plus a minute.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('ingest')] as const,
    request: { params: Id },
    responses: { 202: json(ExperimentTargetOut, 'Resumed'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    const progress = await targetProgress(c.env, projectId, c.req.valid('param').id);
    await redriveTargets(c.env, { projectId, experimentId: progress.experiment_id, force: true });
    return c.json(progress, 202);
  },
);
