import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, span, waitForTrace, eventually } from './helpers.ts';
import { getTrace } from '../workers/store/trace-query.ts';
import { rawPayloads } from '../workers/store/batch-format.ts';

describe('GET /v1/traces/:id body', () => {
  it('is exactly the serialized trace tree, with payloads copied as stored', async () => {
    const { key, projectId } = await makeProject();
    const tricky = {
      messages: [{ role: 'user', content: 'say "hi" \\ then \\"quote\\" {not: json} [x] , } ]' }],
      input: { output: 'nested keys named like the top-level ones' },
      output: [1, -2.5e-7, true, false, null, {}, [], '', 'é🙂\u2028\n\t'],
      '"input"': 'a key with quotes',
    };
    const spans = [
      span('root', 'tj', { kind: 'agent', input: tricky, output: { result: 'ok', input: 1 }, end_time: '2026-01-01T00:00:05Z', tags: ['a'], metadata: { input: 'meta' } }),
      span('only-out', 'tj', { parent_id: 'root', output: 'just an output' }),
      span('nulls', 'tj', { parent_id: 'root', input: null, output: 0 }),
      span('bare', 'tj', { parent_id: 'root' }),
      span('later', 'tj', { parent_id: 'root', input: ['first post'] }),
    ];
    expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
    await waitForTrace(key, 'tj', 5);
    // The end of `later` arrives in a second batch: its output lives in another R2 object.
    await api('/v1/spans', { key, body: { spans: [{ id: 'later', trace_id: 'tj', output: { done: true }, error: 'x"y' }] } });
    await eventually(async () => expect((await waitForTrace(key, 'tj', 5)).spans.find((s: { id: string }) => s.id === 'later').output).toEqual({ done: true }));
    await api('/v1/feedback', { key, body: { trace_id: 'tj', key: 'thumbs', score: 1 } });

    const res = await api('/v1/traces/tj', { key });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.text).toBe(JSON.stringify(await getTrace(env, projectId, 'tj')));
    expect(res.json.spans[0].input).toEqual(tricky);
    expect(res.json.spans.find((s: { id: string }) => s.id === 'nulls')).toMatchObject({ input: null, output: 0 });
    expect(res.json.spans.find((s: { id: string }) => s.id === 'bare')).not.toHaveProperty('input');
  });

  it('finds top-level input and output in a stored line whatever their neighbours hold', () => {
    const line = JSON.stringify({ id: 'a', error: '","input":"fake', input: { output: '"}', input: [1, { a: '\\' }] }, output: 'o', model: 'm' });
    expect(rawPayloads(line)).toEqual({ input: JSON.stringify({ output: '"}', input: [1, { a: '\\' }] }), output: '"o"' });
    expect(rawPayloads(JSON.stringify({ id: 'a', output: 12.5 }))).toEqual({ output: '12.5' });
    expect(rawPayloads(JSON.stringify({ id: 'a' }))).toEqual({});
  });
});
