import { describe, it, expect, beforeAll } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, span, eventually } from './helpers.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
let key: string;

/** Twelve traces over twelve hours: alternating env, every third failing, with tags and feedback. */
beforeAll(async () => {
  ({ key } = await makeProject());
  const spans = [];
  for (let i = 0; i < 12; i++) {
    const start = T0 + i * 3_600_000;
    spans.push(
      span(`r${i}`, `trace-${i}`, {
        kind: 'agent',
        start_time: start,
        end_time: start + (i + 1) * 1000,
        environment: i % 2 ? 'staging' : 'production',
        tags: i % 4 === 0 ? ['checkout'] : ['browse'],
        metadata: { customer_tier: i < 6 ? 'gold' : 'free' },
        input: i === 5 ? 'I want a refund for my flight' : `question ${i}`,
        output: 'answer',
      }),
      span(`t${i}`, `trace-${i}`, {
        parent_id: `r${i}`,
        kind: 'tool',
        name: i % 3 === 0 ? 'search_flights' : 'get_user',
        start_time: start + 10,
        status: i % 3 === 0 ? 'error' : 'ok',
        error: i % 3 === 0 ? 'upstream timeout' : null,
      }),
    );
  }
  expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
  await api('/v1/feedback', { key, body: { trace_id: 'trace-2', key: 'thumbs', score: 0 } });
  await api('/v1/feedback', { key, body: { trace_id: 'trace-4', key: 'thumbs', score: 1 } });
  await api('/v1/feedback', { key, body: { trace_id: 'trace-6', key: 'helpfulness', score: 0.2, source: 'evaluator' } });
  await eventually(async () => {
    const res = await api('/v1/traces?limit=100', { key });
    if (res.json.traces.length !== 12) throw new Error('not indexed yet');
  });
});

const ids = async (q: string, extra = '') => {
  const res = await api(`/v1/traces?limit=100&q=${encodeURIComponent(q)}${extra}`, { key });
  expect(res.status, res.text).toBe(200);
  return res.json.traces.map((t: any) => t.id);
};

describe('GET /v1/traces', () => {
  it('lists newest first with roll-ups', async () => {
    const res = await api('/v1/traces?limit=3', { key });
    expect(res.json.traces.map((t: any) => t.id)).toEqual(['trace-11', 'trace-10', 'trace-9']);
    expect(res.json.traces[2]).toMatchObject({ name: 'r9', span_count: 2, status: 'error', environment: 'staging', latency_ms: 10000, start_time: '2026-01-01T09:00:00.000Z' });
  });

  it('pages with a keyset cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await api(`/v1/traces?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { key });
      seen.push(...res.json.traces.map((t: any) => t.id));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `trace-${11 - i}`));
  });

  it('sorts by latency and pages in that order', async () => {
    const first = await api('/v1/traces?limit=4&sort=latency&order=asc', { key });
    expect(first.json.traces.map((t: any) => t.id)).toEqual(['trace-0', 'trace-1', 'trace-2', 'trace-3']);
    const next = await api(`/v1/traces?limit=4&sort=latency&order=asc&cursor=${first.json.next_cursor}`, { key });
    expect(next.json.traces.map((t: any) => t.id)).toEqual(['trace-4', 'trace-5', 'trace-6', 'trace-7']);
  });

  it('filters by time range given as RFC 3339 or epoch ms', async () => {
    expect(await ids('', `&from=2026-01-01T10:00:00Z`)).toEqual(['trace-11', 'trace-10']);
    expect(await ids('', `&from=${T0}&to=${T0 + 2 * 3_600_000}`)).toEqual(['trace-1', 'trace-0']);
  });

  it('filters with the shared language', async () => {
    expect(await ids('env=production feedback.thumbs=0')).toEqual(['trace-2']);
    expect(await ids('score.helpfulness<0.5 or feedback.thumbs=1')).toEqual(['trace-6', 'trace-4']);
    expect(await ids('"refund" tag=browse latency>5s')).toEqual(['trace-5']);
    expect(await ids('has(kind=tool name=search_flights status=error)')).toEqual(['trace-9', 'trace-6', 'trace-3', 'trace-0']);
    expect(await ids('metadata.customer_tier=free tag=checkout')).toEqual(['trace-8']);
    expect(await ids('error~timeout env=staging')).toEqual(['trace-9', 'trace-3']);
  });

  it('full-text search finds the same traces when the word is in very many spans', async () => {
    const other = await makeProject('other');
    expect((await api('/v1/spans', { key: other.key, body: { spans: [span('o1', 'other-trace', { input: 'a refund elsewhere' })] } })).status).toBe(202);
    await eventually(async () => expect((await api('/v1/traces?q=refund', { key: other.key })).json.traces).toHaveLength(1));
    const before = await ids('"refund" latency>5s');
    // 10,000 more FTS entries make "refund" a frequent word, which the store searches
    // trace by trace instead of match by match (workers/store/trace-query.ts).
    await env.DB.prepare(
      `INSERT INTO spans_fts (rowid, body) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
       SELECT 1000000000 + i, 'refund ' || i FROM n`,
    ).run();
    expect(before).toEqual(['trace-5']);
    expect(await ids('"refund" latency>5s')).toEqual(before);
    expect(await ids('refund or tag=checkout')).toEqual(['trace-8', 'trace-5', 'trace-4', 'trace-0']);
    expect(await ids('not refund tag=browse env=staging')).toEqual(['trace-11', 'trace-9', 'trace-7', 'trace-3', 'trace-1']);
    expect((await api('/v1/traces?q=refund', { key: other.key })).json.traces.map((t: { id: string }) => t.id)).toEqual(['other-trace']);
  });

  it('answers 400 with the position for a filter that does not parse or names an unknown field', async () => {
    let res = await api(`/v1/traces?q=${encodeURIComponent('env=production and (latency >')}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_filter', path: 'q', position: expect.any(Number) });
    res = await api(`/v1/traces?q=${encodeURIComponent('colour=red')}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_filter', position: 0 });
    expect(res.json.error.message).toContain('colour');
  });

  it('answers 400 for a bad cursor, limit or time', async () => {
    expect((await api('/v1/traces?cursor=garbage', { key })).json.error.path).toBe('cursor');
    expect((await api('/v1/traces?limit=100000', { key })).json.error.path).toBe('limit');
    expect((await api('/v1/traces?from=yesterday', { key })).json.error.path).toBe('from');
  });
});

describe('GET /v1/spans', () => {
  it('finds every failing call of one tool', async () => {
    const res = await api(`/v1/spans?q=${encodeURIComponent('kind=tool name=search_flights status=error')}`, { key });
    expect(res.json.spans.map((s: any) => s.id)).toEqual(['t9', 't6', 't3', 't0']);
    expect(res.json.spans[0]).toMatchObject({ trace_id: 'trace-9', error: 'upstream timeout', kind: 'tool' });
  });

  it('pages spans', async () => {
    const first = await api('/v1/spans?limit=20', { key });
    const second = await api(`/v1/spans?limit=20&cursor=${first.json.next_cursor}`, { key });
    expect(first.json.spans.length + second.json.spans.length).toBe(24);
    expect(second.json.next_cursor).toBeNull();
  });
});

describe('API documentation', () => {
  it('serves an OpenAPI document generated from the schemas, and a readable reference', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/spans', '/v1/traces', '/v1/traces/{id}', '/v1/feedback', '/v1/api-keys']) expect(doc.paths[path]).toBeDefined();
    expect(doc.components.schemas.SpanIn.properties.kind.enum).toContain('retriever');
    const page = await api('/v1/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/v1/traces/{id}');
  });

  it('answers unknown API paths with the error shape', async () => {
    const res = await api('/v1/nope');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });
});
