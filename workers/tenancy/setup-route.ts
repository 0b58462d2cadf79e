/**
 * POST /v1/setup: one-time bootstrap of a fresh instance, authorised by the SETUP_SECRET
 * Worker secret (sent as `Authorization: Bearer <secret>`). 409 once set up.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { newRouter, type AppEnv } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { bootstrap, isSetUp } from './setup.ts';

export const setupRoutes = newRouter();

const SetupIn = z
  .object({
    email: z.email(),
    password: z.string().min(12, 'must be at least 12 characters').max(256),
    org_name: z.string().min(1).max(128).default('My organisation'),
    project_name: z.string().min(1).max(128).default('default'),
  })
  .strict();

/** Constant-time string comparison for the setup secret. */
function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Checks the bearer token against SETUP_SECRET before anything else is looked at. */
const requireSetupSecret: MiddlewareHandler<AppEnv> = async (c, next) => {
  const secret = c.env.SETUP_SECRET;
  const given = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  if (!secret || !safeEqual(given, secret)) throw new ApiError(401, 'unauthorized', 'send the instance SETUP_SECRET as "Authorization: Bearer <secret>"');
  await next();
};

setupRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/setup',
    tags: ['admin'],
    summary: 'Bootstrap a fresh instance',
    description: 'Creates the first organisation, its owner (email + password), a project and an admin API key. Authorised by the SETUP_SECRET secret as a bearer token; works once.',
    middleware: [requireSetupSecret] as const,
    request: { body: { content: { 'application/json': { schema: SetupIn } }, required: true } },
    responses: {
      201: {
        description: 'Created; the API key is shown only now',
        content: {
          'application/json': {
            schema: z.object({ org: z.object({ id: z.string(), name: z.string() }), project: z.object({ id: z.string(), name: z.string() }), user: z.object({ id: z.string(), email: z.string() }), api_key: z.string() }),
          },
        },
      },
      401: { description: 'Wrong or missing setup secret', content: { 'application/json': { schema: ErrorBody } } },
      409: { description: 'Already set up', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    if (await isSetUp(c.env)) throw new ApiError(409, 'already_set_up', 'this instance is already set up');
    const body = c.req.valid('json');
    const result = await bootstrap(c.env, { email: body.email, password: body.password, orgName: body.org_name, projectName: body.project_name });
    if (!result) throw new ApiError(409, 'already_set_up', 'this instance is already set up');
    return c.json(result, 201);
  },
);
