/**
 * Authentication for the data API. An API key comes as `Authorization: Bearer <key>` or
 * `x-api-key: <key>` (the header OTLP exporters and LangSmith SDKs can set).
 * Missing, unknown or revoked key: 401. Key without the needed scope: 403.
 */
import type { MiddlewareHandler } from 'hono';
import type { ApiKeyScope } from '../../schema/db/index.ts';
import { ApiError } from '../http/errors.ts';
import type { AppEnv } from '../http/app.ts';
import { resolveApiKey } from './api-keys.ts';
import { hasScope, type AuthContext } from './context.ts';
import { controlDb } from '../store/db.ts';

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
    const auth = await authenticate(c);
    if (!hasScope(auth, scope)) {
      throw new ApiError(403, 'forbidden', `this ${auth.via === 'api_key' ? 'API key' : 'account'} lacks the '${scope}' scope`);
    }
    c.set('auth', auth);
    await next();
  };
}

async function authenticate(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<AuthContext> {
  const key = apiKeyFrom(c.req.raw.headers);
  if (key) {
    const db = controlDb(c.env);
    const resolved = await resolveApiKey(db, key);
    if (!resolved) throw new ApiError(401, 'unauthorized', 'the API key is unknown or revoked');
    const now = Date.now();
    if (!resolved.lastUsedAt || now - resolved.lastUsedAt > LAST_USED_RESOLUTION_MS) {
      c.executionCtx.waitUntil(db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').bind(now, resolved.keyId).run());
    }
    return {
      projectId: resolved.projectId,
      orgId: resolved.orgId,
      scopes: resolved.scopes,
      via: 'api_key',
      principalId: resolved.keyId,
    };
  }
  // Browser sessions (the review UI) are resolved here too, once they exist.
  throw new ApiError(401, 'unauthorized', 'send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>"');
}
