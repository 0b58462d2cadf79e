/** Opaque keyset-pagination cursors: base64url JSON of the last row's sort key. */
import { ApiError } from '../http/errors.ts';

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
