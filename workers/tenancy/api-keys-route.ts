/**
 * The caller's project and its API keys: GET /v1/project (read), and
 * GET/POST /v1/api-keys, DELETE /v1/api-keys/{id} (admin). Keys are shown once, at creation.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { ApiKeyCreated, ApiKeyCreateIn, ApiKeyOut as ApiKey, ProjectOut as Project } from '../../schema/wire/accounts.ts';
import { getProject, issueApiKey, listApiKeys, revokeApiKey } from './projects.ts';
import { audit } from '../auth/audit.ts';

export const apiKeyRoutes = newRouter();

/** Longest lifetime an expiring key may be given (a typo of the year should not pass silently). */
const MAX_KEY_LIFETIME_MS = 10 * 365 * 24 * 3600_000;

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
    description: 'Scopes: `ingest` (post spans and feedback), `read` (query), `admin` (everything, including keys). `expires_at` (optional) ends the key at that time: later requests get 401 `api_key_expired`. The key is in the answer and never again.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: {
      body: {
        content: { 'application/json': { schema: ApiKeyCreateIn } },
        required: true,
      },
    },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: ApiKeyCreated } } } },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const auth = c.get('auth');
    const expiresAt = body.expires_at ? Date.parse(body.expires_at) : null;
    if (expiresAt !== null && expiresAt <= Date.now()) throw new ApiError(400, 'invalid_request', 'expires_at: must be in the future', 'expires_at');
    if (expiresAt !== null && expiresAt > Date.now() + MAX_KEY_LIFETIME_MS) throw new ApiError(400, 'invalid_request', 'expires_at: at most 10 years ahead (omit it for a key that never expires)', 'expires_at');
    const created = await issueApiKey(c.env, auth.projectId, body.name, [...new Set(body.scopes)], auth.principalId, expiresAt);
    await audit(c.env, auth, 'api_key.created', { type: 'api_key', id: created.id, details: { name: created.name, prefix: created.prefix, scopes: created.scopes, expires_at: created.expires_at } });
    return c.json(created, 201);
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
    await audit(c.env, c.get('auth'), 'api_key.revoked', { type: 'api_key', id: c.req.valid('param').id });
    return c.json({ revoked: true as const }, 200);
  },
);
