/**
 * POST /v1/orgs: a logged-in user starts a new organisation (becoming its owner) with a
 * first project, as in Langfuse or LangSmith. Session only: an organisation belongs to
 * people, not to a project's API key.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireSession } from '../auth/middleware.ts';
import { sessionTokenFrom } from '../auth/sessions.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { createOrg } from './orgs.ts';

export const orgRoutes = newRouter();

const OrgCreateIn = z
  .object({ name: z.string().trim().min(1).max(128), project_name: z.string().trim().min(1).max(128).default('default') })
  .strict()
  .meta({ id: 'OrgCreateIn' });

orgRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/orgs',
    tags: ['members'],
    summary: 'Create an organisation',
    description: 'For a logged-in user (session cookie + x-loupe-csrf): creates the organisation with the caller as owner, and its first project.',
    request: { body: { content: { 'application/json': { schema: OrgCreateIn } }, required: true } },
    responses: {
      201: {
        description: 'Created',
        content: { 'application/json': { schema: z.object({ org: z.object({ id: z.string(), name: z.string() }), project: z.object({ id: z.string(), name: z.string() }) }) } },
      },
      401: { description: 'Not logged in', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    const token = sessionTokenFrom(c.req.header('cookie'));
    if (!token) throw new ApiError(401, 'unauthorized', 'log in to create an organisation');
    const session = await requireSession(c, token);
    const body = c.req.valid('json');
    return c.json(await createOrg(c.env, session.userId, body.name, body.project_name), 201);
  },
);
