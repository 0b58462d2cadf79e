/** Opaque keyset-pagination cursors: base64url JSON of the last row's sort key. */
import { ApiError } from '../platform/errors.ts';

/** Encodes the sort key of the last row on a page. */
export function encodeCursor(key: (string | number | null)[]): string {
  return btoa(JSON.stringify(key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes a cursor, checking it has `arity` scalar parts; 400 when it is not one of ours. */
export function decodeCursor(cursor: string, arity: number): (string | number | null)[] {
  try {
    const key = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    if (Array.isArray(key) && key.length === arity && key.every((k) => k === null || typeof k === 'string' || typeof k === 'number')) return key;
  } catch {
    // fall through
  }
  throw new ApiError(400, 'invalid_cursor', 'cursor is not valid; pass next_cursor from a previous page unchanged', 'cursor');
}

/**
 * One page of `table` newest first by the integer time column `at` (ties broken by rowid,
 * so equal times never skip or repeat a row), plus the cursor of the next page. `conds`
 * and `binds` scope the rows (the project first); the table name and column are code, not input.
 */
export async function newestFirstPage<R extends object>(
  db: D1Database,
  table: string,
  at: string,
  scope: { conds: string[]; binds: (string | number)[] },
  opts: { limit: number; cursor?: string },
): Promise<{ rows: (R & { row_id: number })[]; next_cursor: string | null }> {
  const conds = [...scope.conds];
  const binds = [...scope.binds];
  if (opts.cursor) {
    const [time, rowid] = decodeCursor(opts.cursor, 2) as [number, number];
    conds.push(`(${at} < ? OR (${at} = ? AND rowid < ?))`);
    binds.push(time, time, rowid);
  }
  const { results } = await db
    .prepare(`SELECT *, rowid AS row_id FROM ${table} WHERE ${conds.join(' AND ')} ORDER BY ${at} DESC, rowid DESC LIMIT ?`)
    .bind(...binds, opts.limit + 1)
    .all<R & { row_id: number }>();
  const more = results.length > opts.limit;
  const rows = more ? results.slice(0, opts.limit) : results;
  const last = rows[rows.length - 1];
  return { rows, next_cursor: more && last ? encodeCursor([(last as Record<string, unknown>)[at] as number, last.row_id]) : null };
}
