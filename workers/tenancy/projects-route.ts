/**
 * The organisation's projects: GET /v1/projects (any member) and POST /v1/projects
 * (owners and admins, logged in). API keys stay per project (see api-keys-route.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { ProjectCreateIn, ProjectOut } from '../../schema/wire/accounts.ts';
import { createProject, listProjects } from './projects.ts';
import { SYSTEM_PROJECT_PREFIX } from '../../schema/db/tenancy.ts';
import { requireOrgManager } from './members-route.ts';
import { audit } from '../auth/audit.ts';

export const projectRoutes = newRouter();

projectRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/projects',
    tags: ['admin'],
    summary: "List the organisation's projects",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: { description: 'Projects', content: { 'application/json': { schema: z.object({ projects: z.array(ProjectOut) }) } } } },
  }),
  async (c) => c.json({ projects: await listProjects(c.env, c.get('auth').orgId) }, 200),
);

projectRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/projects',
    tags: ['admin'],
    summary: 'Create a project',
    description: 'Owners and admins, logged in. Names are unique within the organisation.',
    middleware: [requireAuth('admin'), requireOrgManager] as const,
    request: { body: { content: { 'application/json': { schema: ProjectCreateIn } }, required: true } },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: ProjectOut } } },
      409: { description: 'Name taken', content: { 'application/json': { schema: ErrorBody } } },
    },
  }),
  async (c) => {
    const { orgId } = c.get('auth');
    const name = c.req.valid('json').name.trim();
    if (name.startsWith(SYSTEM_PROJECT_PREFIX)) throw new ApiError(400, 'invalid_request', `project names starting with '${SYSTEM_PROJECT_PREFIX}' are reserved for Loupe`, 'name');
    if ((await listProjects(c.env, orgId)).some((p) => p.name === name)) throw new ApiError(409, 'conflict', `a project named '${name}' already exists`, 'name');
    const project = await createProject(c.env, orgId, name);
    await audit(c.env, c.get('auth'), 'project.created', { type: 'project', id: project.id, scope: 'org', details: { name } });
    return c.json(project, 201);
  },
);
