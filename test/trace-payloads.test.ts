import { describe, it, expect } from 'vitest';
import { api, makeProject, span, waitForTrace } from './helpers.ts';

describe('loading a large trace span by span', () => {
  it('GET /v1/traces/{id}?payloads=false returns the tree with previews, and each span loads in full on its own', async () => {
    const p = await makeProject('payloads');
    const long = 'x'.repeat(5000);
    await api('/v1/spans', {
      key: p.key,
      body: { spans: [span('root', 't-p', { input: { question: long }, output: 'answer' }), span('child', 't-p', { parent_id: 'root', kind: 'tool', input: { q: 1 }, output: { rows: [1, 2] } })] },
    });
    await waitForTrace(p.key, 't-p', 2);
    const tree = await api('/v1/traces/t-p?payloads=false', { key: p.key });
    expect(tree.status).toBe(200);
    expect(tree.json.spans.map((s: any) => s.id)).toEqual(['root', 'child']);
    expect(tree.json.spans[0].input).toBeUndefined();
    expect(tree.json.spans[0].input_preview.length).toBeLessThanOrEqual(300);
    expect(tree.json.spans[1].output_preview).toBe('{"rows":[1,2]}');

    const full = await api('/v1/traces/t-p/spans/root', { key: p.key });
    expect(full.status).toBe(200);
    expect(full.json.input).toEqual({ question: long });
    expect(full.json.output).toBe('answer');
    expect((await api('/v1/traces/t-p/spans/child', { key: p.key })).json.output).toEqual({ rows: [1, 2] });
    expect((await api('/v1/traces/t-p', { key: p.key })).json.spans[0].input).toEqual({ question: long });
  });

  it("answers 404 for another project's span and 400 for a bad payloads value", async () => {
    const a = await makeProject('payloads-a');
    const b = await makeProject('payloads-b');
    await api('/v1/spans', { key: a.key, body: { spans: [span('s', 't-a', { input: 'secret' })] } });
    await waitForTrace(a.key, 't-a');
    const res = await api('/v1/traces/t-a/spans/s', { key: b.key });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('secret');
    expect((await api('/v1/traces/t-a/spans/nope', { key: a.key })).status).toBe(404);
    const bad = await api('/v1/traces/t-a?payloads=maybe', { key: a.key });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('payloads');
  });
});
