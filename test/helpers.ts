/**
 * Test helpers: projects with keys, API calls through the real Worker, and a way to wait
 * until the write-behind indexer has made posted spans queryable.
 */
import { env, exports } from 'cloudflare:workers';
import { createProject, issueApiKey } from '../workers/tenancy/projects.ts';
import type { ApiKeyScope } from '../schema/db/index.ts';

/** A project with an API key holding `scopes`. */
export async function makeProject(name = 'p', scopes: ApiKeyScope[] = ['ingest', 'read', 'admin']) {
  const orgId = crypto.randomUUID();
  await env.DB.prepare('INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)').bind(orgId, `org-${name}`, Date.now()).run();
  const project = await createProject(env, orgId, name);
  const key = await issueApiKey(env, project.id, 'test', scopes, null);
  return { projectId: project.id, orgId, key: key.key, keyId: key.id };
}

/** Another key for an existing project. */
export async function makeKey(projectId: string, scopes: ApiKeyScope[]) {
  return (await issueApiKey(env, projectId, 'extra', scopes, null)).key;
}

/** Calls the Worker like a client would. `body` objects are sent as JSON. */
export async function api(path: string, opts: { key?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string' || opts.body instanceof Uint8Array || opts.body instanceof ReadableStream) body = opts.body as BodyInit;
    else {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const res = await exports.default.fetch(new Request(`http://loupe.test${path}`, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body }));
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Polls until `check` passes (the ingest queue delivers asynchronously), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw lastError;
}

/** Waits until a trace is queryable with at least `spans` spans. */
export async function waitForTrace(key: string, traceId: string, spans = 1) {
  return eventually(async () => {
    const res = await api(`/v1/traces/${encodeURIComponent(traceId)}`, { key });
    if (res.status !== 200 || res.json.spans.length < spans) throw new Error(`trace ${traceId} not ready: ${res.status} ${res.text.slice(0, 200)}`);
    return res.json;
  });
}

/** A minimal valid span. */
export function span(id: string, traceId: string, extra: Record<string, unknown> = {}) {
  return { id, trace_id: traceId, name: id, kind: 'chain', start_time: '2026-01-01T00:00:00.000Z', ...extra };
}
