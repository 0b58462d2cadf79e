/**
 * Password reset links. Owners and admins: POST /v1/members/{user_id}/password-reset
 * (answers the link once). Anyone holding a link: GET /v1/auth/password-resets/{token}
 * (whose password, still usable?) and POST /v1/auth/password-resets/{token} (set a new
 * password: ends every session of the account and logs this browser in).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { assertSameOrigin, openSession } from '../auth/session-route.ts';
import { enforceCredentialRateLimit } from '../auth/rate-limit.ts';
import { audit } from '../auth/audit.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { PasswordResetCreated, PasswordResetCreateIn, PasswordResetIn, PasswordResetPreview, SessionOut } from '../../schema/wire/accounts.ts';
import { completePasswordReset, issuePasswordReset, previewPasswordReset } from './password-resets.ts';
import { requireOrgManager } from './members-route.ts';

export const passwordResetRoutes = newRouter();

const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });
const TokenParam = z.object({ token: z.string().min(1).max(200) });

passwordResetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/members/{user_id}/password-reset',
    tags: ['members'],
    summary: "Issue a password reset link for a member",
    description:
      'Owners and admins, logged in (only an owner resets an owner, and the issuer must manage the person in every organisation they belong to; nobody resets their own). The link (`url`) is shown once; it works once, until it expires (default 24 hours), and replaces earlier links for the person. Loupe sends no email: hand the link over yourself.',
    middleware: [requireAuth('admin'), requireOrgManager] as const,
    request: { params: z.object({ user_id: z.string().min(1).max(64) }), body: { content: { 'application/json': { schema: PasswordResetCreateIn } }, required: false } },
    responses: { 201: { description: 'Issued', content: { 'application/json': { schema: PasswordResetCreated } } }, 403: err('Not allowed'), 404: err('No such member') },
  }),
  async (c) => {
    const auth = c.get('auth');
    // The body is optional: a POST without one takes the default lifetime.
    const body = PasswordResetCreateIn.parse(c.req.valid('json') ?? {});
    const reset = await issuePasswordReset(c.env, { orgId: auth.orgId, actorId: auth.principalId, actorRole: auth.role, userId: c.req.valid('param').user_id, expiresInHours: body.expires_in_hours });
    await audit(c.env, auth, 'password_reset.issued', { type: 'member', id: reset.user_id, scope: 'org', details: { email: reset.email, reset_id: reset.id, expires_at: reset.expires_at } });
    return c.json({ ...reset, url: `${new URL(c.req.url).origin}/reset/${reset.token}` }, 201);
  },
);

passwordResetRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/password-resets/{token}',
    tags: ['auth'],
    summary: 'What a password reset link is for',
    description: 'The account and expiry of a link and whether it still works (`status`). No login needed: the token is the credential.',
    request: { params: TokenParam },
    responses: { 200: { description: 'The link', content: { 'application/json': { schema: PasswordResetPreview } } }, 404: err('Unknown link') },
  }),
  async (c) => {
    const preview = await previewPasswordReset(c.env, c.req.valid('param').token);
    if (!preview) throw new ApiError(404, 'not_found', 'this password reset link is not valid', 'token');
    c.header('cache-control', 'no-store');
    return c.json(preview, 200);
  },
);

passwordResetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/password-resets/{token}',
    tags: ['auth'],
    summary: 'Set a new password through a reset link',
    description: 'Stores the new password, ends every session of the account, and logs this browser in (sets the session cookie).',
    request: { params: TokenParam, body: { content: { 'application/json': { schema: PasswordResetIn } }, required: true } },
    responses: {
      200: { description: 'Password set and logged in', content: { 'application/json': { schema: SessionOut } } },
      400: err('Weak password'),
      404: err('Unknown link'),
      410: err('Used, expired or replaced'),
      429: err('Too many attempts from this address (Retry-After)'),
    },
  }),
  async (c) => {
    assertSameOrigin(c);
    await enforceCredentialRateLimit(c.env, c.req.raw, 'password_reset');
    const done = await completePasswordReset(c.env, c.req.valid('param').token, c.req.valid('json').new_password);
    await audit(c.env, { orgId: done.orgId, projectId: '', via: 'session', principalId: done.userId, email: done.email }, 'password_reset.used', { type: 'member', id: done.userId, scope: 'org', details: { reset_id: done.resetId } });
    const { cookie, session } = await openSession(c.env, done.userId, c.req.header('user-agent') ?? null);
    c.header('set-cookie', cookie);
    c.header('cache-control', 'no-store');
    return c.json(session, 200);
  },
);
