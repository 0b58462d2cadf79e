/**
 * Helpers for review-queue tests: a project whose organisation has members of each role
 * (logged in), queues, traces, and calls as a browser or an API key.
 */
import { env } from 'cloudflare:workers';
import type { Role } from '../schema/db/index.ts';
import { api, eventually, makeProject, span, waitForTrace } from './helpers.ts';
import { asBrowser, login, makeMember, type Browser } from './account-helpers.ts';

/** A logged-in member of the test organisation. */
export interface Member extends Browser {
  userId: string;
  email: string;
  role: Role;
  call(path: string, opts?: { method?: string; body?: unknown }): Promise<{ status: number; json: any; text: string; headers: Headers }>;
}

/** A project with an admin key and logged-in members. */
export async function reviewProject(roles: Role[] = ['owner', 'reviewer', 'reviewer', 'domain_expert', 'viewer']) {
  const project = await makeProject('review');
  const members: Member[] = [];
  for (const role of roles) {
    const { userId, email } = await makeMember(project.orgId, role);
    const browser = await login(email);
    members.push({ ...browser, userId, email, role, call: (path, opts = {}) => asBrowser(browser, path, { ...opts, project: project.projectId }) });
  }
  const byRole = (role: Role, n = 0) => members.filter((m) => m.role === role)[n];
  return { ...project, members, byRole };
}

/** A rubric with a required boolean, an optional category, a number and free text. */
export const RUBRIC = [
  { key: 'correct', type: 'boolean', description: 'Yes when the agent did the right thing' },
  { key: 'failure_mode', type: 'categorical', required: false, options: [{ value: 'policy', score: 0 }, { value: 'tool_args' }, { value: 'other' }] },
  { key: 'quality', type: 'number', min: 1, max: 5, step: 1, required: false },
  { key: 'notes', type: 'text', required: false },
];

/** Creates a queue with the admin key. */
export async function makeQueue(key: string, body: Record<string, unknown> = {}) {
  const res = await api('/v1/review-queues', { key, body: { name: `q-${crypto.randomUUID().slice(0, 6)}`, rubric: RUBRIC, ...body } });
  if (res.status !== 201) throw new Error(`queue: ${res.status} ${res.text}`);
  return res.json;
}

/** Posts complete traces (root ended) and waits until they are indexed. */
export async function makeTraces(key: string, ids: string[], extra: Record<string, unknown> = {}) {
  const res = await api('/v1/spans', { key, body: { spans: ids.map((id) => span(`${id}-root`, id, { kind: 'agent', end_time: '2026-01-01T00:00:02Z', input: `question ${id}`, output: `answer ${id}`, ...extra })) } });
  if (res.status !== 202) throw new Error(`spans: ${res.status} ${res.text}`);
  for (const id of ids) await waitForTrace(key, id);
}

/** Adds traces to a queue by id. */
export async function addTraces(key: string, queueId: string, traceIds: string[]) {
  const res = await api(`/v1/review-queues/${queueId}/items`, { key, body: { trace_ids: traceIds } });
  if (res.status !== 200) throw new Error(`items: ${res.status} ${res.text}`);
  return res.json;
}

/** Feedback rows of a trace in D1 written by a queue. */
export async function queueFeedback(projectId: string, traceId: string, queueId: string) {
  const { results } = await env.DB.prepare('SELECT * FROM feedback WHERE project_id = ? AND trace_id = ? AND queue_id = ? ORDER BY key, author').bind(projectId, traceId, queueId).all<any>();
  return results;
}

/** Waits until the hub's outbox reached D1 for a trace (`n` rows). */
export function feedbackLands(projectId: string, traceId: string, queueId: string, n: number) {
  return eventually(async () => {
    const rows = await queueFeedback(projectId, traceId, queueId);
    if (rows.length < n) throw new Error(`${rows.length} of ${n} feedback rows so far`);
    return rows;
  });
}

/** The review hub stub of a project. */
export const hubStub = (projectId: string) => env.REVIEW_HUB.get(env.REVIEW_HUB.idFromName(projectId));
