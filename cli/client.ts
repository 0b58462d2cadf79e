/**
 * Calls the Loupe API and checks every answer against the wire schemas in `schema/wire`,
 * so a server of another version (or something that is not Loupe at all) is reported as
 * such instead of printing half-understood data. Errors become CliErrors with exit codes.
 */
import type { z } from 'zod';
import { ErrorBody } from '../schema/wire/errors.ts';
import { CliError, EXIT } from './errors.ts';
import type { Connection } from './config.ts';

/** How long one request may take before the CLI gives up. */
const REQUEST_TIMEOUT_MS = 60_000;

/** One API call. */
export interface RequestOptions<S extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  schema: S;
}

/** Calls `path` on the server and returns the validated answer. */
export async function request<S extends z.ZodType>(conn: Connection, path: string, opts: RequestOptions<S>): Promise<z.infer<S>> {
  const url = new URL(conn.url + path);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { authorization: `Bearer ${conn.apiKey}`, accept: 'application/json', 'user-agent': 'loupe-cli' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw new CliError(`cannot reach Loupe at ${conn.url}: ${networkReason(err)}; check --url, LOUPE_URL or \`loupe login\``, EXIT.server);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new CliError(`${conn.url} does not look like a Loupe server: ${method} ${url.pathname} answered ${res.status} with ${type}; check --url, LOUPE_URL or \`loupe login\``, EXIT.server);
  }
  if (!res.ok) throw apiError(res.status, json, conn, url);
  const parsed = opts.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`unexpected answer from ${conn.url} to ${method} ${url.pathname} (${issue.path.join('.') || 'body'}: ${issue.message}); is the server a different Loupe version?`, EXIT.server);
  }
  return parsed.data;
}

/** Why a fetch failed, in words a person can act on. */
function networkReason(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (no network, or a misspelt host)';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out (no network?)';
    default:
      return cause?.message ?? (err instanceof Error ? err.message : String(err));
  }
}

/** An API error answer as a CliError: 400 usage, 401/403/404 auth or not found, else server. */
function apiError(status: number, json: unknown, conn: Connection, url: URL): CliError {
  const body = ErrorBody.safeParse(json);
  const error = body.success ? body.data.error : null;
  const message = error?.message ?? `HTTP ${status}`;
  if (status === 401) return new CliError(`the API key was refused by ${conn.url} (${message}); check --api-key, LOUPE_API_KEY or \`loupe login\``, EXIT.notFoundOrAuth);
  if (status === 403) return new CliError(`not allowed: ${message}`, EXIT.notFoundOrAuth);
  if (status === 404) {
    // A missing route (not a missing trace) means the URL points at the wrong place.
    if (!error || error.code !== 'not_found' || /^no (such API )?route/.test(message)) {
      return new CliError(`${conn.url} does not serve the Loupe API (${url.pathname} answered 404: ${message}); check --url, LOUPE_URL or \`loupe login\``, EXIT.server);
    }
    return new CliError(message, EXIT.notFoundOrAuth);
  }
  if (status >= 400 && status < 500) {
    const q = url.searchParams.get('q') ?? url.searchParams.get('filter');
    if (error?.code === 'invalid_filter' && q != null && typeof error.position === 'number') {
      return new CliError(message, EXIT.usage, { q, position: error.position, end: error.end });
    }
    return new CliError(message, EXIT.usage);
  }
  return new CliError(`${conn.url} failed: ${status} ${message}`, EXIT.server);
}

/**
 * A call whose body or answer is not JSON (dataset import and export): `body` is sent as
 * is with `contentType`; the answer comes back as the Response, already checked for errors.
 */
export async function requestRaw(conn: Connection, path: string, opts: { method?: 'GET' | 'POST'; query?: Record<string, string | number | undefined>; body?: BodyInit; contentType?: string }): Promise<Response> {
  const url = new URL(conn.url + path);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { authorization: `Bearer ${conn.apiKey}`, 'user-agent': 'loupe-cli' };
  if (opts.contentType) headers['content-type'] = opts.contentType;
  let res: Response;
  try {
    // No overall timeout: a large export streams for as long as it takes.
    res = await fetch(url, { method, headers, body: opts.body });
  } catch (err) {
    throw new CliError(`cannot reach Loupe at ${conn.url}: ${networkReason(err)}; check --url, LOUPE_URL or \`loupe login\``, EXIT.server);
  }
  if (!res.ok) {
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(`${conn.url} does not look like a Loupe server: ${method} ${url.pathname} answered ${res.status}; check --url, LOUPE_URL or \`loupe login\``, EXIT.server);
    }
    throw apiError(res.status, json, conn, url);
  }
  return res;
}
