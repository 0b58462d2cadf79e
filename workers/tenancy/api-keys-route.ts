/**
 * The caller's project and its API keys: GET /v1/project (read), and
 * GET/POST /v1/api-keys, DELETE /v1/api-keys/{id} (admin). Keys are shown once, at creation.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { API_KEY_SCOPES } from '../../schema/db/index.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { ApiKeyCreated, ApiKeyOut as ApiKey, ProjectOut as Project } from '../../schema/wire/accounts.ts';
import { getProject, issueApiKey, listApiKeys, revokeApiKey } from './projects.ts';

export const apiKeyRoutes = newRouter();

const notFound = { description: 'Not found in this project', content: { 'application/json': { schema: ErrorBody } } };

apiKeyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/project',
    tags: ['admin'],
    summary: "The caller's project",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: { description: 'The project', content: { 'application/json': { schema: Project } } } },
  }),
  async (c) => {
    const project = await getProject(c.env, c.get('auth').projectId);
    if (!project) throw new ApiError(404, 'not_found', 'project not found');
    return c.json(project, 200);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/api-keys',
    tags: ['admin'],
    summary: "List the project's API keys",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    responses: { 200: { description: 'Keys (without their secret)', content: { 'application/json': { schema: z.object({ keys: z.array(ApiKey) }) } } } },
  }),
  async (c) => c.json({ keys: await listApiKeys(c.env, c.get('auth').projectId) }, 200),
);

apiKeyRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/api-keys',
    tags: ['admin'],
    summary: 'Create an API key',
    description: 'Scopes: `ingest` (post spans and feedback), `read` (query), `admin` (everything, including keys). The key is in the answer and never again.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: {
      body: {
        content: { 'application/json': { schema: z.object({ name: z.string().min(1).max(128), scopes: z.array(z.enum(API_KEY_SCOPES)).min(1) }).strict() } },
        required: true,
      },
    },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: ApiKeyCreated } } } },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const auth = c.get('auth');
    return c.json(await issueApiKey(c.env, auth.projectId, body.name, [...new Set(body.scopes)], auth.principalId), 201);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/api-keys/{id}',
    tags: ['admin'],
    summary: 'Revoke an API key',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: { description: 'Revoked', content: { 'application/json': { schema: z.object({ revoked: z.literal(true) }) } } }, 404: notFound },
  }),
  async (c) => {
    if (!(await revokeApiKey(c.env, c.get('auth').projectId, c.req.valid('param').id))) {
      throw new ApiError(404, 'not_found', 'no active API key with that id in this project', 'id');
    }
    return c.json({ revoked: true as const }, 200);
  },
);
