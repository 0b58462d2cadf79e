import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, waitForTrace, span, eventually } from './helpers.ts';

describe('POST /v1/spans', () => {
  it('accepts a batch with 202 and makes the trace queryable with its tree', async () => {
    const { key } = await makeProject();
    const res = await api('/v1/spans', {
      key,
      body: {
        spans: [
          span('root', 't1', { kind: 'agent', parent_id: null, input: { question: 'refund?' }, end_time: '2026-01-01T00:00:02.000Z', output: 'done', environment: 'production', tags: ['checkout'] }),
          span('llm', 't1', { kind: 'llm', parent_id: 'root', model: 'gpt-4o', usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.001 }, start_time: 1767225600100, end_time: 1767225600600 }),
          span('tool', 't1', { kind: 'tool', parent_id: 'llm', input: { q: 'x' }, output: { ok: true }, status: 'error', error: 'timeout' }),
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: ['root', 'llm', 'tool'], rejected: [] });
    const tree = await waitForTrace(key, 't1', 3);
    expect(tree.spans.map((s: any) => s.id)).toEqual(['root', 'llm', 'tool']);
    expect(tree.trace).toMatchObject({ id: 't1', name: 'root', span_count: 3, status: 'error', environment: 'production', tags: ['checkout'], latency_ms: 2000 });
    expect(tree.trace.usage).toEqual({ input_tokens: 10, output_tokens: 5, total_tokens: 15, cost_usd: 0.001 });
    const llm = tree.spans[1];
    expect(llm).toMatchObject({ parent_id: 'root', kind: 'llm', model: 'gpt-4o', latency_ms: 500, usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } });
    expect(tree.spans[0].input).toEqual({ question: 'refund?' });
    expect(tree.spans[2]).toMatchObject({ status: 'error', error: 'timeout', output: { ok: true } });
  });

  it('merges a span posted at start and again at end with its output', async () => {
    const { key } = await makeProject();
    await api('/v1/spans', { key, body: { spans: [span('s', 'merge', { kind: 'llm', input: 'question', status: 'unset' })] } });
    await waitForTrace(key, 'merge');
    await api('/v1/spans', { key, body: { spans: [{ id: 's', trace_id: 'merge', end_time: '2026-01-01T00:00:01.000Z', output: 'answer', status: 'ok', usage: { input_tokens: 3, output_tokens: 4 }, tags: ['late'] }] } });
    const tree = await eventually(async () => {
      const t = await waitForTrace(key, 'merge');
      if (t.spans[0].output !== 'answer') throw new Error('not merged yet');
      return t;
    });
    expect(tree.spans).toHaveLength(1);
    expect(tree.spans[0]).toMatchObject({ name: 's', kind: 'llm', input: 'question', output: 'answer', status: 'ok', latency_ms: 1000, tags: ['late'] });
    expect(tree.trace.status).toBe('ok');
  });

  it('stores a span posted twice once, and changes nothing', async () => {
    const { key, projectId } = await makeProject();
    const body = { spans: [span('a', 'dup', { input: 'x', output: 'y', end_time: '2026-01-01T00:00:01Z' }), span('b', 'dup', { parent_id: 'a' })] };
    await api('/v1/spans', { key, body });
    const first = await waitForTrace(key, 'dup', 2);
    await api('/v1/spans', { key, body });
    await api('/v1/spans', { key, body });
    // Wait for both re-posts to be indexed (three batch objects, all consumed).
    await eventually(async () => {
      const { results } = await env.DB.prepare('SELECT count(*) AS n, max(updated_at) AS u FROM spans WHERE project_id = ?').bind(projectId).all<{ n: number }>();
      expect(results[0].n).toBe(2);
      const listed = await env.BLOBS.list({ prefix: `spans/${projectId}/` });
      expect(listed.objects).toHaveLength(3);
    });
    const again = await waitForTrace(key, 'dup', 2);
    expect(again.spans).toEqual(first.spans);
    expect(again.trace.span_count).toBe(2);
  });

  it('a span posted without a kind is an other span until a later post names its kind', async () => {
    const { key } = await makeProject();
    await api('/v1/spans', { key, body: { spans: [{ id: 'k', trace_id: 'kindless', name: 'step', start_time: 1767225600000 }, span('typed', 'kindless', { kind: 'tool' })] } });
    await waitForTrace(key, 'kindless', 2);
    const kinds = async () => (await api(`/v1/spans?q=${encodeURIComponent('trace=kindless kind=other')}`, { key })).json.spans.map((s: { id: string }) => s.id);
    expect(await kinds()).toEqual(['k']);
    await api('/v1/spans', { key, body: { spans: [{ id: 'k', trace_id: 'kindless', kind: 'llm' }] } });
    await eventually(async () => expect(await kinds()).toEqual([]));
    expect((await waitForTrace(key, 'kindless', 2)).spans.find((s: { id: string }) => s.id === 'k').kind).toBe('llm');
  });

  it('accepts children before their parents, in any order and across batches', async () => {
    const { key } = await makeProject();
    await api('/v1/spans', { key, body: { spans: [span('grandchild', 'order', { parent_id: 'child' })] } });
    await api('/v1/spans', { key, body: { spans: [span('child', 'order', { parent_id: 'root' }), span('root', 'order', { parent_id: null, kind: 'agent', start_time: '2025-12-31T23:59:59Z' })] } });
    const tree = await eventually(async () => {
      const t = await waitForTrace(key, 'order', 3);
      if (t.trace.name !== 'root') throw new Error('root not indexed');
      return t;
    });
    expect(tree.spans.map((s: any) => s.id)).toEqual(['root', 'child', 'grandchild']);
    expect(tree.trace.root_span_id).toBe('root');
  });

  it('keeps the valid spans and reports each invalid one with 207', async () => {
    const { key } = await makeProject();
    const res = await api('/v1/spans', {
      key,
      body: {
        spans: [
          span('ok1', 'mixed'),
          { id: 'bad-kind', trace_id: 'mixed', kind: 'robot' },
          { trace_id: 'mixed', name: 'no id' },
          span('bad-time', 'mixed', { start_time: '31/12/2025' }),
          span('ok2', 'mixed', { parent_id: 'ok1' }),
        ],
      },
    });
    expect(res.status).toBe(207);
    expect(res.json.accepted).toEqual(['ok1', 'ok2']);
    expect(res.json.rejected).toEqual([
      { index: 1, id: 'bad-kind', path: 'spans[1].kind', message: expect.stringContaining('agent') },
      { index: 2, id: null, path: 'spans[2].id', message: expect.any(String) },
      { index: 3, id: 'bad-time', path: 'spans[3].start_time', message: expect.stringContaining('RFC 3339') },
    ]);
    const tree = await waitForTrace(key, 'mixed', 2);
    expect(tree.spans.map((s: any) => s.id).sort()).toEqual(['ok1', 'ok2']);
  });

  it('round-trips a 5 MB input intact through R2', async () => {
    const { key } = await makeProject();
    const big = 'é'.repeat(1000) + 'x'.repeat(5 * 1024 * 1024) + '🙂';
    const res = await api('/v1/spans', { key, body: { spans: [span('big', 'big', { input: { text: big }, output: 'small' })] } });
    expect(res.status).toBe(202);
    const tree = await waitForTrace(key, 'big');
    expect(tree.spans[0].input.text.length).toBe(big.length);
    expect(tree.spans[0].input.text === big).toBe(true);
    expect(tree.spans[0].output).toBe('small');
    expect(tree.trace.input_preview.length).toBeLessThanOrEqual(300);
  });
});

describe('POST /v1/spans bad input', () => {
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const { key } = await makeProject();
    return { key, res: await api('/v1/spans', { key, body, headers }) };
  };

  it('answers 400 for malformed JSON', async () => {
    const { res } = await post('{"spans": [', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_json');
  });

  it('answers 400 for invalid UTF-8', async () => {
    const { res } = await post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_utf8');
  });

  it('answers 400 naming the field for a wrong envelope, an empty batch and wrong types', async () => {
    let { res } = await post({ items: [] });
    expect(res.status).toBe(400);
    ({ res } = await post({ spans: [] }));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ path: 'spans', message: expect.stringContaining('at least one') });
    ({ res } = await post({ spans: 'nope' }));
    expect(res.json.error.path).toBe('spans');
    ({ res } = await post({ spans: [{ id: 5, trace_id: 't' }] }));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_spans', path: 'spans[0].id' });
    expect(res.json.error.rejected).toHaveLength(1);
  });

  it('rejects a parent chain that loops, and a span that is its own parent', async () => {
    const { res } = await post({ spans: [span('a', 'loop', { parent_id: 'b' }), span('b', 'loop', { parent_id: 'c' }), span('c', 'loop', { parent_id: 'a' }), span('self', 'loop', { parent_id: 'self' }), span('fine', 'loop')] });
    expect(res.status).toBe(207);
    expect(res.json.accepted).toEqual(['fine']);
    expect(res.json.rejected.map((r: any) => [r.id, r.path])).toEqual([
      ['a', 'spans[0].parent_id'],
      ['b', 'spans[1].parent_id'],
      ['c', 'spans[2].parent_id'],
      ['self', 'spans[3].parent_id'],
    ]);
    expect(res.json.rejected[0].message).toContain('loops');
  });

  it('rejects deeply nested input without crashing', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5000; i++) deep = [deep];
    const { res } = await post({ spans: [span('deep', 'deep', { input: deep })] });
    expect(res.status).toBe(400);
    expect(res.json.error.rejected[0]).toMatchObject({ path: expect.stringMatching(/^spans\[0\]\.input/), message: expect.stringContaining('nested') });
  });

  it('rejects timestamps in epoch seconds and end before start', async () => {
    const { res } = await post({ spans: [span('secs', 't', { start_time: 1767225600 }), span('neg', 't', { end_time: '2025-01-01T00:00:00Z' })] });
    expect(res.status).toBe(400);
    expect(res.json.error.rejected.map((r: any) => r.path)).toEqual(['spans[0].start_time', 'spans[1].end_time']);
    expect(res.json.error.rejected[0].message).toContain('seconds');
  });

  it('answers 413 over the byte limit and over the span limit, storing nothing', async () => {
    const { key, projectId } = await makeProject();
    const huge = 'x'.repeat(26 * 1024 * 1024);
    let res = await api('/v1/spans', { key, body: { spans: [span('h', 'h', { input: huge })] } });
    expect(res.status).toBe(413);
    expect(res.json.error.message).toContain('26214400');
    const many = Array.from({ length: 5001 }, (_, i) => ({ id: `s${i}`, trace_id: 'many' }));
    res = await api('/v1/spans', { key, body: { spans: many } });
    expect(res.status).toBe(413);
    const listed = await env.BLOBS.list({ prefix: `spans/${projectId}/` });
    expect(listed.objects).toHaveLength(0);
  });

  it('answers 401 without a key or with a revoked one, 403 without the ingest scope', async () => {
    const { key, keyId, projectId } = await makeProject();
    expect((await api('/v1/spans', { body: { spans: [span('a', 'b')] } })).status).toBe(401);
    expect((await api('/v1/spans', { body: { spans: [span('a', 'b')] }, headers: { 'x-api-key': key } })).status).toBe(202);
    const { makeKey } = await import('./helpers.ts');
    const readOnly = await makeKey(projectId, ['read']);
    const forbidden = await api('/v1/spans', { key: readOnly, body: { spans: [span('a', 'b')] } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.message).toContain('ingest');
    expect((await api(`/v1/api-keys/${keyId}`, { key, method: 'DELETE' })).status).toBe(200);
    expect((await api('/v1/spans', { key, body: { spans: [span('a', 'b')] } })).status).toBe(401);
  });
});
