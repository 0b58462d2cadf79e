/** OpenAPI error responses shared by the evaluation routes. */
import { ErrorBody } from '../../schema/wire/errors.ts';

const body = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

/** 400/401/403 for every route. */
export const commonErrors = {
  400: body('Invalid request: `error.path` names the field'),
  401: body('Missing or revoked key'),
  403: body('Key lacks the needed scope'),
} as const;

/** 404 for routes addressing one resource. */
export const notFound = { 404: body('Not found in this project') } as const;
