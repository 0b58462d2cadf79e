/**
 * The list flags shared by `traces list`, `traces export` and `spans list`: a filter in the
 * Loupe filter language (docs/filter-language.md) plus --since/--until/--env shorthands.
 */
import { FilterError, parseFilter } from '../schema/filter/index.ts';
import { parseDuration } from '../schema/filter/values.ts';
import { CliError, EXIT } from './errors.ts';

/** The flags as commander hands them over. */
export interface ListFlags {
  since?: string;
  until?: string;
  env?: string;
}

/** A composed query and how to map a server error position back to what the user typed. */
export interface ListQuery {
  q: string | undefined;
  from: number | undefined;
  to: number | undefined;
  /** The user's own filter text and its offset inside `q`. */
  userFilter: string;
  offset: number;
}

/**
 * A point in time from `7d`, `12h`, `30m` (that long ago), or a date / RFC 3339 time
 * (`2026-01-31`, `2026-01-31T12:00:00Z`; no zone means UTC). Returns epoch ms.
 */
export function parseWhen(text: string, flag: string, now = Date.now()): number {
  const ago = parseDuration(text.trim());
  if (ago !== undefined) return Math.round(now - ago);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) {
    throw new CliError(`${flag} '${text}' is not a time: use a duration back from now (30m, 12h, 7d, 2w) or a date (2026-01-31, 2026-01-31T12:00:00Z)`, EXIT.usage);
  }
  return ms;
}

/** Quotes a value for the filter language unless it is a plain word. */
export function filterValue(v: string): string {
  return /^[A-Za-z0-9_.:\/@+-]+$/.test(v) && !/^(and|or|not|in|has|true|false)$/i.test(v) ? v : JSON.stringify(v);
}

/** Joins the filter words and shorthands into one query. */
export function buildListQuery(words: string[], flags: ListFlags, now = Date.now()): ListQuery {
  const userFilter = words.join(' ').trim();
  let q = userFilter || undefined;
  let offset = 0;
  if (flags.env) {
    // The filter is checked on its own first, so an error points into what the user
    // typed (the server runs the same parser on the composed query).
    if (userFilter) {
      try {
        parseFilter(userFilter);
      } catch (err) {
        if (err instanceof FilterError) throw new CliError(err.message, EXIT.usage, { q: userFilter, position: err.position, end: err.end });
        throw err;
      }
    }
    // Parenthesised so `a or b --env x` means (a or b) and env=x.
    q = userFilter ? `(${userFilter}) env=${filterValue(flags.env)}` : `env=${filterValue(flags.env)}`;
    offset = userFilter ? 1 : 0;
  }
  return {
    q,
    from: flags.since ? parseWhen(flags.since, '--since', now) : undefined,
    to: flags.until ? parseWhen(flags.until, '--until', now) : undefined,
    userFilter,
    offset,
  };
}

/** Maps a server filter error on the composed query back onto the user's filter text. */
export function userFilterError(err: unknown, query: ListQuery): unknown {
  if (!(err instanceof CliError) || !err.filter) return err;
  const len = query.userFilter.length;
  const at = (p: number) => Math.max(0, Math.min(len, p - query.offset));
  err.filter = { q: query.userFilter, position: at(err.filter.position), end: err.filter.end === undefined ? undefined : at(err.filter.end) };
  return err;
}

/** A positive whole number flag. */
export function positiveInt(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a whole number of at least 1, not '${text}'`, EXIT.usage);
    return n;
  };
}
