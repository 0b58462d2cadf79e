/**
 * POST /v1/secrets/reencrypt: after ENCRYPTION_KEY was rotated, re-encrypt this project's
 * provider keys and the signing secrets of webhook evaluators, alerts and experiment
 * targets under the new key now, instead of waiting for the every-minute pass. Admin.
 * Answers what it did and what is left, per kind.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { commonErrors } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { reencryptSecrets, SECRET_KINDS, totalOf } from './rotation.ts';

export const secretRoutes = newRouter();

const Count = z.object({ reencrypted: z.number(), failed: z.number().meta({ description: 'Opened by neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS' }), remaining: z.number() });

secretRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/secrets/reencrypt',
    tags: ['admin'],
    summary: "Re-encrypt the project's secrets under the current ENCRYPTION_KEY",
    description:
      'For key rotation: set ENCRYPTION_KEY_PREVIOUS to the old key and ENCRYPTION_KEY to the new one; reads keep working with both, and this (or the every-minute pass) rewrites provider keys and the webhook, alert and experiment-target signing secrets made by the old key. Call again while `remaining` is above 0.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    responses: {
      200: { description: 'What was done', content: { 'application/json': { schema: z.object({ key_id: z.string(), ...Object.fromEntries(SECRET_KINDS.map((k) => [k, Count])) }).meta({ id: 'ReencryptResult' }) } } },
      ...commonErrors,
    },
  }),
  async (c) => {
    const auth = c.get('auth');
    const result = await reencryptSecrets(c.env, { projectId: auth.projectId });
    if (totalOf(result, 'reencrypted') > 0) {
      const details = Object.fromEntries(SECRET_KINDS.map((k) => [k, result[k].reencrypted]));
      await audit(c.env, auth, 'secrets.reencrypted', { type: 'project', id: auth.projectId, details: { key_id: result.key_id, ...details } });
    }
    return c.json(result, 200);
  },
);
