/**
 * The one error shape, `{ error: { code, message, path? } }`, produced in one place
 * (`onError` in platform/http.ts). Handlers throw ApiError; zod issues become paths like
 * `spans[3].start_time`.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { ErrorBody } from '../../schema/wire/errors.ts';

/** An error a client can act on: an HTTP status, a stable code, a message and the field at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly path?: string,
    readonly extra?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Renders a zod issue path (['spans', 3, 'start_time']) as `spans[3].start_time`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** The first issue of a zod error as an ApiError (400, `invalid_request`). */
export function fromZodError(error: ZodError, prefix = ''): ApiError {
  const issue = error.issues[0];
  const path = formatPath(issue.path, prefix);
  return new ApiError(400, 'invalid_request', path ? `${path}: ${issue.message}` : issue.message, path || undefined);
}

/** The JSON body for an ApiError. */
export function errorBody(err: ApiError) {
  return { error: { code: err.code, message: err.message, ...(err.path ? { path: err.path } : {}), ...err.extra } };
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

/** OpenAPI responses every authenticated route can give: 400 (with the field), 401, 403. */
export const commonErrors = {
  400: errorResponse('Invalid request: `error.path` names the field'),
  401: errorResponse('Missing or revoked key'),
  403: errorResponse('Key lacks the needed scope'),
} as const;

/** The OpenAPI 404 response of routes addressing one resource. */
export const notFound = { 404: errorResponse('Not found in this project') } as const;
