/**
 * Builds hono apps that share one error shape and zod validation behaviour.
 * Each resource is its own `newRouter()`, mounted by workers/index.ts.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import { ApiError, errorBody, fromZodError } from './errors.ts';
import type { AuthContext } from './context.ts';

/** Variables handlers can read with `c.get(...)`. */
export type AppVariables = { auth: AuthContext };
export type AppEnv = { Bindings: Env; Variables: AppVariables };

/** A router whose zod-validated routes appear in the OpenAPI document. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        // Query/param errors name the parameter; body errors name the field.
        throw fromZodError(result.error as never, result.target === 'json' ? '' : '');
      }
    },
  });
}

/** Renders any thrown error in the one error shape. Unknown errors are 500 and logged. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err), err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    return c.json({ error: { code: status === 413 ? 'payload_too_large' : 'http_error', message: err.message || 'request failed' } }, status);
  }
  console.error('unhandled error', err);
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
}
