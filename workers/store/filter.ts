/** The shared filter language (schema/filter) as the API uses it: errors become 400s pointing at the position. */
import { compileFilter, FilterError, parseFilter, type FilterTarget } from '../../schema/filter/index.ts';
import { ApiError } from '../http/errors.ts';

/** Parses and compiles `q` for `target`; a parse error answers 400 with `position`/`end`. */
export function compileQuery(q: string | undefined | null, target: FilterTarget, projectId: string, now = Date.now(), path = 'q') {
  try {
    const node = q && q.trim() ? parseFilter(q) : null;
    const { where, params } = compileFilter(node, target, { projectId, now });
    return { where: where || '1', params };
  } catch (err) {
    if (err instanceof FilterError) {
      throw new ApiError(400, 'invalid_filter', err.message, path, { position: err.position, end: err.end });
    }
    throw err;
  }
}
