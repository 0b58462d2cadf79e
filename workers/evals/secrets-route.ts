/**
 * POST /v1/secrets/reencrypt: after ENCRYPTION_KEY was rotated, re-encrypt this project's
 * provider keys and webhook secrets under the new key now, instead of waiting for the
 * every-minute pass. Admin. Answers what it did and what is left.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { commonErrors } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { reencryptSecrets } from './secret-rotation.ts';

export const secretRoutes = newRouter();

const Count = z.object({ reencrypted: z.number(), failed: z.number().meta({ description: 'Opened by neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS' }), remaining: z.number() });

secretRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/secrets/reencrypt',
    tags: ['admin'],
    summary: "Re-encrypt the project's secrets under the current ENCRYPTION_KEY",
    description:
      'For key rotation: set ENCRYPTION_KEY_PREVIOUS to the old key and ENCRYPTION_KEY to the new one; reads keep working with both, and this (or the every-minute pass) rewrites provider keys and webhook secrets made by the old key. Call again while `remaining` is above 0.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    responses: {
      200: { description: 'What was done', content: { 'application/json': { schema: z.object({ key_id: z.string(), providers: Count, webhook_secrets: Count, alert_secrets: Count }).meta({ id: 'ReencryptResult' }) } } },
      ...commonErrors,
    },
  }),
  async (c) => {
    const auth = c.get('auth');
    const result = await reencryptSecrets(c.env, { projectId: auth.projectId });
    if (result.providers.reencrypted + result.webhook_secrets.reencrypted + result.alert_secrets.reencrypted > 0) {
      await audit(c.env, auth, 'secrets.reencrypted', { type: 'project', id: auth.projectId, details: { key_id: result.key_id, providers: result.providers.reencrypted, webhook_secrets: result.webhook_secrets.reencrypted, alert_secrets: result.alert_secrets.reencrypted } });
    }
    return c.json(result, 200);
  },
);
