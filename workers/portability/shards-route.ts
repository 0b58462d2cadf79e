/**
 * Operator routes for D1 shards (docs/shards.md), authorised by the instance's SETUP_SECRET
 * like /v1/operator/rebuild: list the shards with their fill, start (or resume) moving a
 * project, run a bounded step of a move, and a project's shard with its moves.
 * `npm run shards -- list | capacity | move <project> <shard> | status <project>` drives them.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError, commonErrors, fromZodError } from '../platform/errors.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { requireOperator } from './operator-auth.ts';
import { moveStatus, moveStep, startMove } from './shard-move.ts';
import { shardReports } from './shard-capacity.ts';

export const shardRoutes = newRouter();

const Shard = z
  .object({
    name: z.string(),
    bound: z.boolean(),
    placement: z.boolean(),
    projects: z.number().int(),
    moving: z.number().int(),
    bytes: z.number().nullable(),
    capacity: z.number().nullable(),
    fill: z.number().nullable(),
  })
  .meta({ id: 'Shard' });

const ShardMove = z
  .object({
    id: z.string(),
    project_id: z.string(),
    from: z.string(),
    to: z.string(),
    state: z.enum(['running', 'done', 'failed']),
    step: z.string(),
    counts: z.record(z.string(), z.object({ copied: z.number().optional(), verified: z.number().optional(), checksum: z.string().optional() })),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'ShardMove' });

const MoveIn = z
  .object({ project_id: z.string().min(1).max(64), to: z.string().min(1).max(64) })
  .strict()
  .meta({ id: 'ShardMoveIn' });

const StepIn = z
  .object({ budget_ms: z.number().int().min(0).max(25_000).optional() })
  .strict()
  .meta({ id: 'ShardMoveStepIn' });

const operatorErrors = {
  ...commonErrors,
  401: { description: 'Wrong or missing operator secret', content: { 'application/json': { schema: ErrorBody } } },
  404: { description: 'No such project or move', content: { 'application/json': { schema: ErrorBody } } },
} as const;

shardRoutes.openapi(
  createRoute({
    tags: ['admin'],
    security: [{ apiKey: [] }],
    middleware: [requireOperator] as const,
    method: 'get',
    path: '/v1/admin/shards',
    summary: 'The D1 shards: projects, size, capacity, placement',
    description: 'Operator only (SETUP_SECRET as bearer token). One entry per configured shard (SHARDS) and per shard a project names.',
    responses: { 200: { description: 'The shards', content: { 'application/json': { schema: z.object({ shards: z.array(Shard) }) } } }, ...operatorErrors },
  }),
  async (c) => c.json({ shards: await shardReports(c.env) }, 200),
);

shardRoutes.openapi(
  createRoute({
    tags: ['admin'],
    security: [{ apiKey: [] }],
    middleware: [requireOperator] as const,
    method: 'post',
    path: '/v1/admin/shards/moves',
    summary: 'Start moving a project to another shard (or get the move already running)',
    description:
      'Operator only. Creates the move; then call POST /v1/admin/shards/moves/{id}/step until `state` is `done`. While it runs, the project\'s API writes answer 503 `project_moving` (ingest still 202); reads answer from the old shard until the switch.',
    request: { body: { content: { 'application/json': { schema: MoveIn } }, required: true } },
    responses: {
      200: { description: 'The move', content: { 'application/json': { schema: ShardMove } } },
      ...operatorErrors,
      409: { description: 'Already on that shard, or moving elsewhere', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    const { project_id, to } = c.req.valid('json');
    return c.json(await startMove(c.env, project_id, to), 200);
  },
);

shardRoutes.openapi(
  createRoute({
    tags: ['admin'],
    security: [{ apiKey: [] }],
    middleware: [requireOperator] as const,
    method: 'post',
    path: '/v1/admin/shards/moves/{id}/step',
    summary: 'Run a bounded step of a move',
    description: 'Operator only. Body (optional): `{"budget_ms": 0..25000}`. Works for up to `budget_ms` (default 10 s), saving its place after every chunk, and returns the move. Safe to call again after any failure: the move resumes where it was.',
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: { description: 'The move', content: { 'application/json': { schema: ShardMove } } }, ...operatorErrors },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    // The body is optional: an empty one means the default budget; a bad one is a 400 naming the field.
    const text = await c.req.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(400, 'invalid_request', 'body: not JSON');
    }
    const parsed = StepIn.safeParse(body);
    if (!parsed.success) throw fromZodError(parsed.error);
    return c.json(await moveStep(c.env, id, parsed.data.budget_ms), 200);
  },
);

shardRoutes.openapi(
  createRoute({
    tags: ['admin'],
    security: [{ apiKey: [] }],
    middleware: [requireOperator] as const,
    method: 'get',
    path: '/v1/admin/shards/projects/{project_id}',
    summary: "A project's shard and its latest moves",
    description: 'Operator only.',
    request: { params: z.object({ project_id: z.string().min(1).max(64) }) },
    responses: {
      200: {
        description: 'Where the project lives',
        content: { 'application/json': { schema: z.object({ project_id: z.string(), shard: z.string(), shard_state: z.string(), moves: z.array(ShardMove) }) } },
      },
      ...operatorErrors,
    },
  }),
  async (c) => c.json(await moveStatus(c.env, c.req.valid('param').project_id), 200),
);
