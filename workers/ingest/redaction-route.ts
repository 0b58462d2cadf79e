/** GET/PUT /v1/redaction: the project's PII redaction at ingest. Reads `read`, changes `admin`. */
import { createRoute } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { commonErrors } from '../platform/errors.ts';
import { RedactionIn, RedactionOut } from '../../schema/wire/redaction.ts';
import { getRedaction, saveRedaction } from '../store/redaction/policy.ts';

export const redactionRoutes = newRouter();

redactionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/redaction',
    tags: ['ingest'],
    summary: 'Get the PII redaction policy',
    description: 'Off by default. When on, every span batch is redacted before it is stored (R2, D1 and full-text search never see the values). See docs/redaction.md.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: { description: 'The policy', content: { 'application/json': { schema: RedactionOut } } }, ...commonErrors },
  }),
  async (c) => c.json(await getRedaction(c.env, c.get('auth').projectId), 200),
);

redactionRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/redaction',
    tags: ['ingest'],
    summary: 'Set the PII redaction policy',
    description:
      'Applies to spans ingested after the change (within 10 s on every isolate); stored spans are not rewritten. A custom pattern that is not a valid regex, matches the empty string or can backtrack exponentially is refused (400 naming it).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: RedactionIn } }, required: true } },
    responses: { 200: { description: 'The policy', content: { 'application/json': { schema: RedactionOut } } }, ...commonErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const saved = await saveRedaction(c.env, c.get('auth').projectId, body);
    await audit(c.env, c.get('auth'), 'redaction.updated', { type: 'redaction', details: { enabled: saved.enabled, mode: saved.mode, detectors: saved.detectors, custom: saved.custom.map((p) => p.name) } });
    return c.json(saved, 200);
  },
);
