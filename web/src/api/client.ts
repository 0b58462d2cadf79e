/**
 * The UI's one way to the API: same-origin fetch with the session cookie, the CSRF
 * header on writes and the chosen project in `x-loupe-project`. Errors arrive in the
 * API's one shape and are thrown as ApiError.
 */
import type { ErrorBody } from '../../../schema/wire/errors.ts';

/** An error answer from the API. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path?: string;
  readonly position?: number;
  readonly end?: number;

  /** `body` is the answer's `error` (absent when the answer was not the API's, e.g. a proxy's 502 page). */
  constructor(status: number, body: Partial<ErrorBody['error']> | undefined) {
    super(body?.message ?? `request failed (${status})`);
    this.status = status;
    this.code = body?.code ?? 'http_error';
    this.path = body?.path;
    this.position = body?.position;
    this.end = body?.end;
  }
}

interface ClientState {
  csrf: string | null;
  projectId: string | null;
  /** Which session requests are made in; bumped on login and logout, so a 401 answered
   * to a request sent before a login is not taken as "this session ended". */
  epoch: number;
  onUnauthorized: ((err: ApiError, epoch: number) => void) | null;
}

const state: ClientState = { csrf: null, projectId: null, epoch: 0, onUnauthorized: null };

/** Sets what every request carries: the CSRF token and the project. */
export function configureClient(next: Partial<ClientState>): void {
  Object.assign(state, next);
}

/** The project requests go to. */
export const currentProject = () => state.projectId;

/** Which session requests are being made in now. */
export const sessionEpoch = () => state.epoch;

/** Starts a new session epoch (login, logout): 401s to requests sent before it are stale. */
export function nextSessionEpoch(): void {
  state.epoch += 1;
}

/** Calls the API; `body` objects go as JSON, a Blob (an uploaded file) as it is, with its type. Throws ApiError on 4xx/5xx. */
export async function api<T>(path: string, opts: { method?: string; body?: unknown; signal?: AbortSignal; project?: boolean } = {}): Promise<T> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: 'application/json' };
  const blob = opts.body instanceof Blob ? opts.body : null;
  if (opts.body !== undefined) headers['content-type'] = blob ? blob.type || 'application/octet-stream' : 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-loupe-csrf'] = state.csrf;
  if (opts.project !== false && state.projectId) headers['x-loupe-project'] = state.projectId;
  const epoch = state.epoch;
  const res = await fetch(path, { method, headers, body: opts.body === undefined ? undefined : (blob ?? JSON.stringify(opts.body)), credentials: 'same-origin', signal: opts.signal });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, (json as Partial<ErrorBody> | null)?.error);
    if (res.status === 401 && state.onUnauthorized && !path.startsWith('/v1/auth/login')) state.onUnauthorized(err, epoch);
    throw err;
  }
  return json as T;
}

/** Builds a query string from defined values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** GETs started before the component that needs them mounts, keyed by project and path. */
const preloaded = new Map<string, { at: number; promise: Promise<unknown> }>();
/** A preload older than this is not used (it may be stale). */
const PRELOAD_TTL_MS = 10_000;

/**
 * Starts a GET early, e.g. the trace a deep link opens, while the app is still checking
 * the session, so the two requests overlap instead of running one after the other.
 */
export function preload(path: string): void {
  const promise = api(path);
  promise.catch(() => undefined); // a failed preload is retried by the real load
  preloaded.set(`${state.projectId}|${path}`, { at: Date.now(), promise });
}

/** The preloaded GET of `path` for the current project, once; undefined when there is none. */
export function takePreloaded<T>(path: string): Promise<T> | undefined {
  const key = `${state.projectId}|${path}`;
  const hit = preloaded.get(key);
  preloaded.delete(key);
  return hit && Date.now() - hit.at < PRELOAD_TTL_MS ? (hit.promise as Promise<T>) : undefined;
}
