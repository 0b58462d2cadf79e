/**
 * Members of the caller's organisation: GET /v1/members (any member), PATCH and DELETE
 * /v1/members/{user_id} (owners and admins, logged in). Membership is an organisation
 * matter, so a project API key cannot change it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { newRouter, type AppEnv } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { MemberOut, MemberUpdateIn } from '../../schema/wire/accounts.ts';
import { isManagerRole } from '../../schema/roles.ts';
import { listMembers, removeMember, setMemberRole } from './members.ts';
import { audit } from '../auth/audit.ts';

export const memberRoutes = newRouter();

const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

/** After requireAuth: the caller is a logged-in owner or admin of the organisation. */
export const requireOrgManager: MiddlewareHandler<AppEnv> = async (c, next) => {
  const auth = c.get('auth');
  if (auth.via !== 'session') throw new ApiError(403, 'forbidden', 'members and invites are managed by a logged-in owner or admin, not an API key');
  if (!isManagerRole(auth.role)) throw new ApiError(403, 'forbidden', `your role (${auth.role}) cannot manage members; ask an owner or admin`);
  await next();
};

const UserParam = z.object({ user_id: z.string().min(1).max(64) });

memberRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/members',
    tags: ['members'],
    summary: "List the organisation's members",
    middleware: [requireAuth('read')] as const,
    responses: { 200: { description: 'Members', content: { 'application/json': { schema: z.object({ members: z.array(MemberOut) }) } } } },
  }),
  async (c) => c.json({ members: await listMembers(c.env, c.get('auth').orgId) }, 200),
);

memberRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/members/{user_id}',
    tags: ['members'],
    summary: "Change a member's role",
    description: 'Owners and admins. Only an owner grants or removes `owner`; the last owner cannot be demoted.',
    middleware: [requireAuth('admin'), requireOrgManager] as const,
    request: { params: UserParam, body: { content: { 'application/json': { schema: MemberUpdateIn } }, required: true } },
    responses: { 200: { description: 'Updated', content: { 'application/json': { schema: MemberOut } } }, 403: err('Not allowed'), 404: err('No such member'), 409: err('Last owner') },
  }),
  async (c) => {
    const auth = c.get('auth');
    const { member, from } = await setMemberRole(c.env, auth.orgId, auth.role, c.req.valid('param').user_id, c.req.valid('json').role);
    if (from !== member.role) await audit(c.env, auth, 'member.role_changed', { type: 'member', id: member.user_id, scope: 'org', details: { email: member.email, from, to: member.role } });
    return c.json(member, 200);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/members/{user_id}',
    tags: ['members'],
    summary: 'Remove a member',
    description: 'Owners and admins (only an owner removes an owner; never the last one). The account remains, without access to this organisation.',
    middleware: [requireAuth('admin'), requireOrgManager] as const,
    request: { params: UserParam },
    responses: { 200: { description: 'Removed', content: { 'application/json': { schema: z.object({ removed: z.literal(true) }) } } }, 403: err('Not allowed'), 404: err('No such member'), 409: err('Last owner') },
  }),
  async (c) => {
    const auth = c.get('auth');
    const removed = await removeMember(c.env, auth.orgId, auth.role, c.req.valid('param').user_id);
    await audit(c.env, auth, 'member.removed', { type: 'member', id: c.req.valid('param').user_id, scope: 'org', details: removed });
    return c.json({ removed: true as const }, 200);
  },
);
