/**
 * Authentication for the data API. An API key comes as `Authorization: Bearer <key>` or
 * `x-api-key: <key>` (the header OTLP exporters and LangSmith SDKs can set); a browser
 * comes with the session cookie of the review UI (workers/auth/sessions.ts), and picks
 * one of its organisations' projects with `x-loupe-project` (or `?project=`).
 * Missing, unknown, revoked or expired credentials: 401. Lacking the needed scope: 403.
 * Cookie-authenticated writes without the CSRF token, or from another origin: 403.
 */
import type { MiddlewareHandler } from 'hono';
import type { ApiKeyScope } from '../../schema/db/index.ts';
import { ApiError } from '../platform/errors.ts';
import type { AppEnv } from '../platform/http.ts';
import { resolveApiKey } from './api-keys.ts';
import { hasScope, type AuthContext } from '../platform/context.ts';
import { controlDb } from '../platform/db.ts';
import { ROLE_SCOPES } from '../../schema/roles.ts';
import { CSRF_HEADER, PROJECT_HEADER, csrfTokenFor, pickProject, resolveSession, safeEqual, sessionTokenFrom, type ResolvedSession } from './sessions.ts';

type Ctx = Parameters<MiddlewareHandler<AppEnv>>[0];

/** Only refresh `last_used_at` this often, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Extracts the API key from the request headers, if any. */
export function apiKeyFrom(headers: Headers): string | null {
  const auth = headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return headers.get('x-api-key')?.trim() || null;
}

/** Middleware: the request must carry credentials with `scope` for some project. */
export function requireAuth(scope: ApiKeyScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Routers' path middleware and a route's own may both ask; authenticate once per request.
    const auth = (c.get('auth') as AuthContext | undefined) ?? (await authenticate(c));
    if (!hasScope(auth, scope)) {
      throw new ApiError(
        403,
        'forbidden',
        auth.via === 'api_key' ? `this API key lacks the '${scope}' scope` : `your role (${auth.role}) cannot do this (it needs the '${scope}' scope)`,
      );
    }
    c.set('auth', auth);
    await next();
  };
}

async function authenticate(c: Ctx): Promise<AuthContext> {
  const key = apiKeyFrom(c.req.raw.headers);
  if (key) {
    const db = controlDb(c.env);
    const resolved = await resolveApiKey(db, key);
    if (!resolved) throw new ApiError(401, 'unauthorized', 'the API key is unknown or revoked');
    const now = Date.now();
    if (resolved.expiresAt !== null && resolved.expiresAt <= now) {
      throw new ApiError(401, 'api_key_expired', `this API key expired at ${new Date(resolved.expiresAt).toISOString()}; create a new one (Settings, or POST /v1/api-keys)`);
    }
    if (!resolved.lastUsedAt || now - resolved.lastUsedAt > LAST_USED_RESOLUTION_MS) {
      c.executionCtx.waitUntil(db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').bind(now, resolved.keyId).run());
      // The resolved key may be the isolate's cached copy: keep it current, or every request would rewrite the column.
      resolved.lastUsedAt = now;
    }
    return {
      projectId: resolved.projectId,
      orgId: resolved.orgId,
      scopes: resolved.scopes,
      via: 'api_key',
      principalId: resolved.keyId,
    };
  }
  const token = sessionTokenFrom(c.req.header('cookie'));
  if (token) {
    const session = await requireSession(c, token);
    const requested = c.req.header(PROJECT_HEADER) || c.req.query('project') || null;
    const picked = pickProject(session.orgs, requested);
    // Another organisation's project answers exactly like a missing one, so ids leak nothing.
    if (picked === 'not_member') throw new ApiError(404, 'not_found', 'no such project among your organisations', 'project');
    if (picked === 'no_project') throw new ApiError(403, 'forbidden', 'your account belongs to no organisation with a project yet');
    return {
      projectId: picked.projectId,
      orgId: picked.org.id,
      scopes: new Set(ROLE_SCOPES[picked.org.role]),
      via: 'session',
      principalId: session.userId,
      role: picked.org.role,
      email: session.email,
    };
  }
  throw new ApiError(401, 'unauthorized', 'send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>", or log in');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the session cookie (401 when unknown or expired) and, for writes, checks the
 * CSRF token and the Origin. Routes outside requireAuth (logout, password change) use it too.
 */
export async function requireSession(c: Ctx, token: string): Promise<ResolvedSession> {
  const session = await resolveSession(controlDb(c.env), token, { defer: (p) => c.executionCtx.waitUntil(p) });
  if (session === 'expired') throw new ApiError(401, 'session_expired', 'your session has expired; log in again');
  if (session === 'unknown') throw new ApiError(401, 'unauthorized', 'you are not logged in (or were logged out)');
  if (!SAFE_METHODS.has(c.req.method)) {
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin) throw new ApiError(403, 'csrf', `cross-origin write from ${origin} refused`);
    const given = c.req.header(CSRF_HEADER) ?? '';
    if (!safeEqual(given, await csrfTokenFor(token))) throw new ApiError(403, 'csrf', `cookie-authenticated writes need the ${CSRF_HEADER} header (from GET /v1/auth/session)`);
  }
  return session;
}
