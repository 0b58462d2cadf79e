/**
 * Invite links. Owners and admins: GET/POST /v1/invites, DELETE /v1/invites/{id}.
 * Anyone holding a link: GET /v1/auth/invites/{token} (what it offers) and
 * POST /v1/auth/invites/{token}/accept (join, creating an account if needed; logs in).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { assertSameOrigin, openSession } from '../auth/session-route.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { InviteAcceptIn, InviteCreated, InviteCreateIn, InviteOut, InvitePreview, SessionOut } from '../../schema/wire/accounts.ts';
import { acceptInvite, createInvite, listInvites, previewInvite, revokeInvite } from './invites.ts';
import { requireOrgManager } from './members-route.ts';
import { enforceCredentialRateLimit } from '../auth/rate-limit.ts';
import { audit } from '../auth/audit.ts';
import { normalizeEmail } from '../auth/login.ts';

export const inviteRoutes = newRouter();

const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });
const TokenParam = z.object({ token: z.string().min(1).max(200) });

inviteRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/invites',
    tags: ['members'],
    summary: "List the organisation's invites",
    middleware: [requireAuth('admin'), requireOrgManager] as const,
    responses: { 200: { description: 'Invites, newest first', content: { 'application/json': { schema: z.object({ invites: z.array(InviteOut) }) } } }, 403: err('Not allowed') },
  }),
  async (c) => c.json({ invites: await listInvites(c.env, c.get('auth').orgId) }, 200),
);

inviteRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/invites',
    tags: ['members'],
    summary: 'Create an invite link',
    description: 'Owners and admins. The link (`url`, holding `token`) is shown once; it works once, until it expires (default 7 days).',
    middleware: [requireAuth('admin'), requireOrgManager] as const,
    request: { body: { content: { 'application/json': { schema: InviteCreateIn } }, required: true } },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: InviteCreated } } }, 403: err('Not allowed') },
  }),
  async (c) => {
    const auth = c.get('auth');
    const body = c.req.valid('json');
    const invite = await createInvite(c.env, { orgId: auth.orgId, actorRole: auth.role, actorId: auth.principalId, role: body.role, email: body.email, expiresInHours: body.expires_in_hours });
    await audit(c.env, auth, 'invite.created', { type: 'invite', id: invite.id, scope: 'org', details: { role: invite.role, email: invite.email, expires_at: invite.expires_at } });
    return c.json({ ...invite, url: `${new URL(c.req.url).origin}/invite/${invite.token}` }, 201);
  },
);

inviteRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/invites/{id}',
    tags: ['members'],
    summary: 'Revoke an invite link',
    middleware: [requireAuth('admin'), requireOrgManager] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: { description: 'Revoked', content: { 'application/json': { schema: z.object({ revoked: z.literal(true) }) } } }, 404: err('No pending invite with that id') },
  }),
  async (c) => {
    if (!(await revokeInvite(c.env, c.get('auth').orgId, c.req.valid('param').id))) throw new ApiError(404, 'not_found', 'no pending invite with that id in this organisation', 'id');
    await audit(c.env, c.get('auth'), 'invite.revoked', { type: 'invite', id: c.req.valid('param').id, scope: 'org' });
    return c.json({ revoked: true as const }, 200);
  },
);

inviteRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/invites/{token}',
    tags: ['auth'],
    summary: 'What an invite link offers',
    description: 'The organisation, role and expiry of a link, and whether it can still be used (`status`). No login needed: the token is the credential.',
    request: { params: TokenParam },
    responses: { 200: { description: 'The invite', content: { 'application/json': { schema: InvitePreview } } }, 404: err('Unknown link') },
  }),
  async (c) => {
    const preview = await previewInvite(c.env, c.req.valid('param').token);
    if (!preview) throw new ApiError(404, 'not_found', 'this invite link is not valid', 'token');
    return c.json(preview, 200);
  },
);

inviteRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/invites/{token}/accept',
    tags: ['auth'],
    summary: 'Accept an invite link',
    description: 'Joins the organisation with the invited role. A new email creates an account with this password; an existing account must give its password. Logs in (sets the session cookie).',
    request: { params: TokenParam, body: { content: { 'application/json': { schema: InviteAcceptIn } }, required: true } },
    responses: {
      201: { description: 'Joined and logged in', content: { 'application/json': { schema: SessionOut } } },
      401: err('Existing account, wrong password'),
      403: err('The invite is for another email'),
      404: err('Unknown link'),
      409: err('Already a member'),
      410: err('Expired, revoked or used'),
      429: err('Too many attempts for this account or from this address (Retry-After)'),
    },
  }),
  async (c) => {
    assertSameOrigin(c);
    await enforceCredentialRateLimit(c.env, c.req.raw, 'invite', c.req.valid('json').email);
    const joined = await acceptInvite(c.env, c.req.valid('param').token, c.req.valid('json'));
    // The new member is the actor: the entry is the organisation's (no project was picked yet).
    await audit(c.env, { orgId: joined.orgId, projectId: '', via: 'session', principalId: joined.userId, email: normalizeEmail(c.req.valid('json').email) }, 'invite.accepted', { type: 'member', id: joined.userId, scope: 'org', details: { role: joined.role, invite_id: joined.inviteId, new_account: joined.created } });
    const { cookie, session } = await openSession(c.env, joined.userId, c.req.header('user-agent') ?? null);
    c.header('set-cookie', cookie);
    c.header('cache-control', 'no-store');
    return c.json(session, 201);
  },
);
