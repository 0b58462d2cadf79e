/**
 * GET /v1/audit: the audit log of administrative actions, for owners and admins (sessions)
 * and admin-scoped API keys. Scoped to the caller's project plus its organisation's
 * organisation-wide entries; nothing of another project or organisation is reachable.
 */
import { createRoute } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { commonErrors } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { listAudit } from '../auth/audit.ts';
import { AuditPage, AuditQuery } from '../../schema/wire/audit.ts';

export const auditRoutes = newRouter();

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/audit',
    tags: ['admin'],
    summary: 'The audit log',
    description:
      'Administrative actions, newest first: API keys created and revoked, invites, members removed and roles changed, password resets issued and used, projects, providers, evaluators, rules, deletions, secret re-encryption. Owners and admins (or an `admin` key). Page with `next_cursor`.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { query: AuditQuery },
    responses: { 200: { description: 'A page of entries', content: { 'application/json': { schema: AuditPage } } }, ...commonErrors },
  }),
  async (c) => {
    const { orgId, projectId } = c.get('auth');
    const q = c.req.valid('query');
    return c.json(await listAudit(c.env, { orgId, projectId }, q), 200);
  },
);
