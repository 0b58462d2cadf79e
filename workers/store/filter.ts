/** The shared filter language (schema/filter) as the API uses it: errors become 400s pointing at the position. */
import { compileFilter, FilterError, parseFilter, type FieldTarget, type FilterNode } from '../../schema/filter/index.ts';
import { ApiError } from '../platform/errors.ts';

function asApiError(err: unknown, path: string): unknown {
  if (err instanceof FilterError) return new ApiError(400, 'invalid_filter', err.message, path, { position: err.position, end: err.end });
  return err;
}

/** Parses `q` (null for an empty filter); a parse error answers 400 with `position`/`end`. */
export function parseQuery(q: string | undefined | null, path = 'q'): FilterNode | null {
  try {
    return q && q.trim() ? parseFilter(q) : null;
  } catch (err) {
    throw asApiError(err, path);
  }
}

/** Compiles a parsed filter for `target`; errors answer 400 like parse errors. */
export function compileNode(node: FilterNode | null, target: FieldTarget, projectId: string, now = Date.now(), path = 'q', frequentTexts?: ReadonlySet<string>) {
  try {
    const { where, params } = compileFilter(node, target, { projectId, now, frequentTexts });
    return { where: where || '1', params };
  } catch (err) {
    throw asApiError(err, path);
  }
}

/** Parses and compiles `q` for `target`; a parse error answers 400 with `position`/`end`. */
export function compileQuery(q: string | undefined | null, target: FieldTarget, projectId: string, now = Date.now(), path = 'q') {
  return compileNode(parseQuery(q, path), target, projectId, now, path);
}
