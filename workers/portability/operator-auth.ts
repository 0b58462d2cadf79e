/**
 * Operator routes (/v1/operator/*, /v1/admin/shards/*) act on any project of the instance,
 * so they take the instance's SETUP_SECRET as bearer token, not a project's API key.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';

/** Constant-time comparison for the operator secret. */
function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Lets the request through only with "Authorization: Bearer <SETUP_SECRET>". */
export const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
  const secret = c.env.SETUP_SECRET;
  const given = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  if (!secret || !safeEqual(given, secret)) throw new ApiError(401, 'unauthorized', 'operator routes need the instance SETUP_SECRET as "Authorization: Bearer <secret>"');
  await next();
};
