/**
 * LLM provider connections for judges: GET/POST /v1/providers, GET/PATCH/DELETE
 * /v1/providers/{id}. Needs `admin` (keys are secrets). The API key is write-only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { ProviderCreate, ProviderOut, ProviderPatch } from '../../schema/wire/providers.ts';
import { createProvider, deleteProvider, getProvider, listProviders, updateProvider } from './providers.ts';
import { commonErrors, notFound } from '../platform/errors.ts';

export const providerRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

providerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/providers',
    tags: ['providers'],
    summary: 'List LLM provider connections',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    responses: { 200: json(z.object({ providers: z.array(ProviderOut) }), 'Providers (keys never included)'), ...commonErrors },
  }),
  async (c) => c.json({ providers: await listProviders(c.env, c.get('auth').projectId) }, 200),
);

providerRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/providers',
    tags: ['providers'],
    summary: 'Add an LLM provider connection',
    description:
      '`openai`: any OpenAI-compatible chat completions server (OpenAI, vLLM, Ollama, OpenRouter, ...; `base_url` up to `/v1`). `anthropic`: the Messages API. `workers_ai`: the Worker\'s AI binding (deployed only). The `api_key` is stored encrypted (AES-GCM) and never returned.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: ProviderCreate } }, required: true } },
    responses: { 201: json(ProviderOut, 'Created'), ...commonErrors },
  }),
  async (c) => {
    const auth = c.get('auth');
    const created = await createProvider(c.env, auth.projectId, c.req.valid('json'));
    await audit(c.env, auth, 'provider.created', { type: 'provider', id: created.id, details: { name: created.name, type: created.type, base_url: created.base_url } });
    return c.json(created, 201);
  },
);

providerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/providers/{id}',
    tags: ['providers'],
    summary: 'Get a provider connection',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id },
    responses: { 200: json(ProviderOut, 'The provider'), ...commonErrors, ...notFound },
  }),
  async (c) => c.json(await getProvider(c.env, c.get('auth').projectId, c.req.valid('param').id), 200),
);

providerRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/providers/{id}',
    tags: ['providers'],
    summary: 'Change a provider connection',
    description: 'Send `api_key` to replace the key, `api_key: null` to remove it.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: ProviderPatch } }, required: true } },
    responses: { 200: json(ProviderOut, 'Updated'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const auth = c.get('auth');
    const patch = c.req.valid('json');
    const updated = await updateProvider(c.env, auth.projectId, c.req.valid('param').id, patch);
    // The fields changed, never the key itself.
    await audit(c.env, auth, 'provider.updated', { type: 'provider', id: updated.id, details: { fields: Object.keys(patch) } });
    return c.json(updated, 200);
  },
);

providerRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/providers/{id}',
    tags: ['providers'],
    summary: 'Delete a provider connection',
    description: 'Its key is erased. Judges that use it then fail with `invalid_config` in the run log.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id },
    responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    await deleteProvider(c.env, c.get('auth').projectId, c.req.valid('param').id);
    await audit(c.env, c.get('auth'), 'provider.deleted', { type: 'provider', id: c.req.valid('param').id });
    return c.json({ deleted: true as const }, 200);
  },
);
