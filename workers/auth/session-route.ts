/**
 * Logging in and out of the review UI: POST /v1/auth/login, POST /v1/auth/logout,
 * GET /v1/auth/session, POST /v1/auth/password. The session lives in an HttpOnly, Secure,
 * SameSite=Lax cookie; see sessions.ts for lifetime and the CSRF scheme.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { newRouter, type AppEnv } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { ErrorBody } from '../../schema/wire/errors.ts';
import { LoginIn, PasswordChangeIn, SessionOut } from '../../schema/wire/accounts.ts';
import { controlDb } from '../platform/db.ts';
import { checkLogin, changePassword } from './login.ts';
import { createSession, csrfTokenFor, deleteOtherSessions, deleteSession, resolveSession, sessionCookie, sessionTokenFrom, type ResolvedSession } from './sessions.ts';
import { requireSession } from './middleware.ts';
import { enforceCredentialRateLimit } from './rate-limit.ts';

export const sessionRoutes = newRouter();

const errors = (codes: Record<number, string>) =>
  Object.fromEntries(Object.entries(codes).map(([code, description]) => [code, { description, content: { 'application/json': { schema: ErrorBody } } }]));

/** The session as the UI needs it; `token` is the cookie value (never sent back in JSON). */
export async function sessionOut(session: ResolvedSession, token: string): Promise<SessionOut> {
  return {
    user: { id: session.userId, email: session.email, name: session.name },
    orgs: session.orgs,
    csrf_token: await csrfTokenFor(token),
    expires_at: new Date(session.expiresAt).toISOString(),
  };
}

/** Starts a session for `userId`: stores it and returns the Set-Cookie value and the session body. */
export async function openSession(env: Env, userId: string, userAgent: string | null): Promise<{ cookie: string; session: SessionOut }> {
  const db = controlDb(env);
  const { token } = await createSession(db, userId, userAgent);
  const session = await resolveSession(db, token);
  if (typeof session === 'string') throw new ApiError(500, 'internal', 'the new session did not resolve');
  return { cookie: sessionCookie(token), session: await sessionOut(session, token) };
}

/** Refuses a cross-site POST that carries no credentials yet (login CSRF). */
export function assertSameOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(c.req.url).origin) throw new ApiError(403, 'csrf', `cross-origin request from ${origin} refused`);
}

sessionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/login',
    tags: ['auth'],
    summary: 'Log in with email and password',
    description: 'Sets the session cookie (HttpOnly, Secure, SameSite=Lax) and answers with the session, including the CSRF token to send as `x-loupe-csrf` on writes.',
    request: { body: { content: { 'application/json': { schema: LoginIn } }, required: true } },
    responses: { 200: { description: 'Logged in', content: { 'application/json': { schema: SessionOut } } }, ...errors({ 401: 'Wrong email or password', 403: 'Cross-origin request', 429: 'Too many attempts for this account or from this address (Retry-After)' }) },
  }),
  async (c) => {
    assertSameOrigin(c);
    const body = c.req.valid('json');
    await enforceCredentialRateLimit(c.env, c.req.raw, 'login', body.email);
    const user = await checkLogin(controlDb(c.env), body.email, body.password);
    // One message for both a wrong email and a wrong password, so logins do not reveal accounts.
    if (!user) throw new ApiError(401, 'invalid_credentials', 'wrong email or password', 'password');
    const { cookie, session } = await openSession(c.env, user.id, c.req.header('user-agent') ?? null);
    c.header('set-cookie', cookie);
    c.header('cache-control', 'no-store');
    return c.json(session, 200);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/logout',
    tags: ['auth'],
    summary: 'Log out',
    description: 'Ends the session and clears the cookie. Needs the `x-loupe-csrf` header when the session is still live.',
    responses: { 200: { description: 'Logged out', content: { 'application/json': { schema: z.object({ logged_out: z.literal(true) }) } } }, ...errors({ 403: 'Missing CSRF token' }) },
  }),
  async (c) => {
    const token = sessionTokenFrom(c.req.header('cookie'));
    if (token) {
      const session = await resolveSession(controlDb(c.env), token);
      // A dead session needs no CSRF check: there is nothing left to log out of.
      if (typeof session !== 'string') await requireSession(c, token);
      await deleteSession(controlDb(c.env), token);
    }
    c.header('set-cookie', sessionCookie(null));
    return c.json({ logged_out: true as const }, 200);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/session',
    tags: ['auth'],
    summary: 'The current session',
    description: 'Who is logged in, their organisations, roles and projects, and the CSRF token. 401 (`session_expired` or `unauthorized`) when not logged in.',
    responses: { 200: { description: 'The session', content: { 'application/json': { schema: SessionOut } } }, ...errors({ 401: 'Not logged in or expired' }) },
  }),
  async (c) => {
    const token = sessionTokenFrom(c.req.header('cookie'));
    if (!token) throw new ApiError(401, 'unauthorized', 'you are not logged in');
    const session = await requireSession(c, token);
    c.header('cache-control', 'no-store');
    return c.json(await sessionOut(session, token), 200);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/password',
    tags: ['auth'],
    summary: 'Change your password',
    description: 'Checks the current password, stores the new one and ends every other session of the account.',
    request: { body: { content: { 'application/json': { schema: PasswordChangeIn } }, required: true } },
    responses: { 200: { description: 'Changed', content: { 'application/json': { schema: z.object({ changed: z.literal(true) }) } } }, ...errors({ 400: 'Weak password', 401: 'Wrong current password', 403: 'Missing CSRF token', 429: 'Too many attempts (Retry-After)' }) },
  }),
  async (c) => {
    const token = sessionTokenFrom(c.req.header('cookie'));
    if (!token) throw new ApiError(401, 'unauthorized', 'you are not logged in');
    const session = await requireSession(c, token);
    const body = c.req.valid('json');
    await enforceCredentialRateLimit(c.env, c.req.raw, 'password_change', session.email);
    const db = controlDb(c.env);
    if (!(await changePassword(db, session.userId, body.current_password, body.new_password))) {
      throw new ApiError(401, 'invalid_credentials', 'the current password is wrong', 'current_password');
    }
    await deleteOtherSessions(db, session.userId, session.sessionId);
    return c.json({ changed: true as const }, 200);
  },
);
