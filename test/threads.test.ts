import { describe, it, expect, beforeAll } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject, span } from './helpers.ts';
import { threadListQuery } from '../workers/store/threads.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const MIN = 60_000;
let key: string;
let projectId: string;

/** A turn: one trace of a conversation, with a root and an LLM child. */
function turn(thread: string | null, traceId: string, at: number, extra: { input?: string; output?: string; error?: boolean; user?: string; env?: string; tokens?: number; cost?: number } = {}) {
  return [
    span(`${traceId}-root`, traceId, {
      kind: 'agent',
      name: `agent-${traceId}`,
      start_time: at,
      end_time: at + 2000,
      session_id: thread,
      user_id: extra.user ?? null,
      environment: extra.env ?? 'production',
      input: extra.input ?? `question ${traceId}`,
      output: extra.output ?? `answer ${traceId}`,
      status: extra.error ? 'error' : 'ok',
    }),
    span(`${traceId}-llm`, traceId, {
      parent_id: `${traceId}-root`,
      kind: 'llm',
      start_time: at + 100,
      end_time: at + 1900,
      usage: { input_tokens: extra.tokens ?? 10, output_tokens: 5, cost_usd: extra.cost ?? 0.01 },
    }),
  ];
}

/**
 * Three threads and a lone trace: `th-a` (3 turns, one failing, thumbs on two), `th-b`
 * (2 turns, staging, the newest), `th-c` (1 turn, the oldest), and `lone` with no session.
 */
beforeAll(async () => {
  ({ key, projectId } = await makeProject('threads'));
  const spans = [
    // Posted out of order: turns are ordered by start time, not arrival.
    ...turn('th-a', 'a3', T0 + 20 * MIN, { input: 'and a window seat', output: 'Done: seat 12A.', user: 'u-1' }),
    ...turn('th-a', 'a1', T0, { input: 'Book me a flight to Paris', output: 'Which date?', user: 'u-1', tokens: 100 }),
    ...turn('th-a', 'a2', T0 + 10 * MIN, { input: 'Next Friday', output: 'Booked AF123.', error: true }),
    ...turn('th-b', 'b1', T0 + 30 * MIN, { env: 'staging' }),
    ...turn('th-b', 'b2', T0 + 40 * MIN, { env: 'staging', user: 'u-2' }),
    ...turn('th-c', 'c1', T0 - 60 * MIN),
    ...turn(null, 'lone', T0 + 50 * MIN),
  ];
  expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
  await api('/v1/feedback', { key, body: { trace_id: 'a1', key: 'thumbs', score: 1 } });
  await api('/v1/feedback', { key, body: { trace_id: 'a3', key: 'thumbs', score: 0 } });
  await eventually(async () => {
    const res = await api('/v1/traces?limit=100', { key });
    if (res.json.traces.length !== 7 || res.json.traces.some((t: any) => t.span_count !== 2)) throw new Error('not indexed yet');
  });
});

const threadIds = async (query = '') => {
  const res = await api(`/v1/threads${query}`, { key });
  expect(res.status, res.text).toBe(200);
  return res.json.threads.map((t: any) => t.thread_id);
};

describe('GET /v1/threads', () => {
  it('lists one row per session id, newest activity first, with figures over all its traces', async () => {
    const res = await api('/v1/threads', { key });
    expect(res.status, res.text).toBe(200);
    expect(res.json.threads.map((t: any) => t.thread_id)).toEqual(['th-b', 'th-a', 'th-c']);
    expect(res.json.next_cursor).toBeNull();
    const a = res.json.threads[1];
    expect(a).toEqual({
      thread_id: 'th-a',
      trace_count: 3,
      first_start: new Date(T0).toISOString(),
      last_start: new Date(T0 + 20 * MIN).toISOString(),
      duration_ms: 20 * MIN + 2000,
      total_tokens: 105 + 15 + 15,
      cost_usd: expect.closeTo(0.03, 6),
      error_count: 1,
      user_id: 'u-1',
      name: 'agent-a1',
      first_input_preview: 'Book me a flight to Paris',
      last_output_preview: 'Done: seat 12A.',
      feedback: { thumbs: { avg: 0.5, count: 2 } },
    });
    // The user is the first one a turn names, even when the first turn names none.
    expect(res.json.threads[0]).toMatchObject({ thread_id: 'th-b', user_id: 'u-2', trace_count: 2, error_count: 0, feedback: {} });
  });

  it('pages with a keyset cursor without gaps or repeats', async () => {
    const first = await api('/v1/threads?limit=2', { key });
    expect(first.json.threads.map((t: any) => t.thread_id)).toEqual(['th-b', 'th-a']);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    const second = await api(`/v1/threads?limit=2&cursor=${first.json.next_cursor}`, { key });
    expect(second.json.threads.map((t: any) => t.thread_id)).toEqual(['th-c']);
    expect(second.json.next_cursor).toBeNull();
  });

  it('lists a thread when any of its traces matches the filter, and still counts all of its traces', async () => {
    expect(await threadIds(`?q=${encodeURIComponent('env=staging')}`)).toEqual(['th-b']);
    const failing = await api(`/v1/threads?q=${encodeURIComponent('status=error')}`, { key });
    expect(failing.json.threads.map((t: any) => t.thread_id)).toEqual(['th-a']);
    expect(failing.json.threads[0].trace_count).toBe(3);
    expect(await threadIds(`?q=${encodeURIComponent('feedback.thumbs=0')}`)).toEqual(['th-a']);
    expect(await threadIds(`?q=${encodeURIComponent('session=th-c')}`)).toEqual(['th-c']);
  });

  it('narrows to threads with a trace started in the time range', async () => {
    expect(await threadIds(`?from=${new Date(T0 + 15 * MIN).toISOString()}&to=${T0 + 35 * MIN}`)).toEqual(['th-b', 'th-a']);
    expect(await threadIds(`?to=${T0}`)).toEqual(['th-c']);
  });

  it('answers 400 naming the field for a bad filter, time, limit or cursor', async () => {
    const bad = async (query: string, path: string) => {
      const res = await api(`/v1/threads?${query}`, { key });
      expect(res.status, `${query}: ${res.text}`).toBe(400);
      expect(res.json.error.path).toBe(path);
    };
    await bad('q=env%3D', 'q');
    await bad('q=nosuchfield%3D1', 'q');
    await bad('from=yesterday', 'from');
    await bad('limit=0', 'limit');
    await bad('limit=501', 'limit');
    await bad('cursor=notacursor', 'cursor');
  });

  it('reads one index range per thread rather than the whole project (query plan)', async () => {
    const { sql, binds } = threadListQuery(projectId, { limit: 50, q: 'env=production' });
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...binds).all<{ detail: string }>();
    const plan = results.map((r) => r.detail).join('\n');
    expect(plan).toMatch(/traces_project_session/);
    // Neither a scan of the project's traces nor a walk of them in time order.
    expect(plan).not.toMatch(/SCAN (t|x)\b/);
    expect(plan).not.toMatch(/traces_project_start/);
  });
});

describe('GET /v1/threads/{id}', () => {
  it('shows the turns in time order with their previews, status and feedback', async () => {
    const res = await api('/v1/threads/th-a', { key });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ thread_id: 'th-a', trace_count: 3, error_count: 1, feedback: { thumbs: { avg: 0.5, count: 2 } }, thread_feedback: [] });
    expect(res.json.turns.map((t: any) => t.trace_id)).toEqual(['a1', 'a2', 'a3']);
    expect(res.json.turns[0]).toEqual({
      trace_id: 'a1',
      start_time: new Date(T0).toISOString(),
      name: 'agent-a1',
      input_preview: 'Book me a flight to Paris',
      output_preview: 'Which date?',
      status: 'ok',
      has_error: false,
      duration_ms: 2000,
      total_tokens: 105,
      cost_usd: 0.01,
      feedback: { thumbs: { avg: 1, count: 1 } },
    });
    expect(res.json.turns[1]).toMatchObject({ status: 'error', has_error: true, feedback: {} });
  });

  it('reaches a thread id with characters that need escaping', async () => {
    const id = 'chat/42 é?';
    await api('/v1/spans', { key, body: { spans: turn(id, 'odd-1', T0 - 120 * MIN) } });
    const res = await eventually(async () => {
      const r = await api(`/v1/threads/${encodeURIComponent(id)}`, { key });
      if (r.status !== 200) throw new Error(r.text);
      return r;
    });
    expect(res.json.turns.map((t: any) => t.trace_id)).toEqual(['odd-1']);
  });

  it('answers 404 for an unknown thread and 400 for an over-long id', async () => {
    const missing = await api('/v1/threads/no-such-thread', { key });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'not_found', path: 'id' });
    const long = await api(`/v1/threads/${'x'.repeat(257)}`, { key });
    expect(long.status).toBe(400);
    expect(long.json.error.path).toBe('id');
  });
});

describe('threads and projects', () => {
  it('a key of another project sees none of these threads', async () => {
    const other = await makeProject('other');
    expect((await api('/v1/threads', { key: other.key })).json.threads).toEqual([]);
    expect((await api('/v1/threads?q=session%3Dth-a', { key: other.key })).json.threads).toEqual([]);
    expect((await api('/v1/threads/th-a', { key: other.key })).status).toBe(404);
    // The same session id in the other project is its own thread.
    await api('/v1/spans', { key: other.key, body: { spans: turn('th-a', 'x1', T0) } });
    const mine = await eventually(async () => {
      const r = await api('/v1/threads/th-a', { key: other.key });
      if (r.status !== 200) throw new Error(r.text);
      return r.json;
    });
    expect(mine.turns.map((t: any) => t.trace_id)).toEqual(['x1']);
    expect((await api('/v1/threads/th-a', { key })).json.trace_count).toBe(3);
  });

  it('needs a key with the read scope', async () => {
    expect((await api('/v1/threads')).status).toBe(401);
    const ingestOnly = await makeProject('ingest-only', ['ingest']);
    expect((await api('/v1/threads', { key: ingestOnly.key })).status).toBe(403);
  });
});

describe('the API reference', () => {
  it('documents both thread routes with their wire schemas', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/threads', '/v1/threads/{id}']));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Thread', 'ThreadList', 'ThreadTurn', 'ThreadDetail']));
  });
});
