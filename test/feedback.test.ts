import { describe, it, expect } from 'vitest';
import { api, makeProject, makeKey, span, waitForTrace, eventually } from './helpers.ts';

describe('POST /v1/feedback', () => {
  it('shows feedback on the trace and in the list summary', async () => {
    const { key } = await makeProject();
    await api('/v1/spans', { key, body: { spans: [span('r', 'fb')] } });
    await waitForTrace(key, 'fb');
    const res = await api('/v1/feedback', { key, body: { trace_id: 'fb', key: 'thumbs', score: false, comment: 'wrong flight', correction: { answer: 'HAT136' } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ trace_id: 'fb', key: 'thumbs', score: 0, comment: 'wrong flight', correction: { answer: 'HAT136' }, source: 'api' });
    await api('/v1/feedback', { key, body: { trace_id: 'fb', key: 'helpfulness', score: 0.25, source: 'evaluator' } });
    const tree = await waitForTrace(key, 'fb');
    expect(tree.feedback.map((f: any) => f.key).sort()).toEqual(['helpfulness', 'thumbs']);
    expect(tree.trace.feedback).toEqual({ thumbs: { avg: 0, count: 1 }, helpfulness: { avg: 0.25, count: 1 } });
    const list = await api('/v1/traces', { key });
    expect(list.json.traces[0].feedback.thumbs).toEqual({ avg: 0, count: 1 });
  });

  it('stores a retried post once, and updates the row when the same id is sent again', async () => {
    const { key } = await makeProject();
    const body = { trace_id: 't', key: 'thumbs', score: 1 };
    const first = await api('/v1/feedback', { key, body });
    const second = await api('/v1/feedback', { key, body });
    expect(second.json.id).toBe(first.json.id);
    await api('/v1/feedback', { key, body: { id: 'fixed', trace_id: 't', key: 'thumbs', score: 1 } });
    await api('/v1/feedback', { key, body: { id: 'fixed', trace_id: 't', key: 'thumbs', score: 0, comment: 'changed my mind' } });
    await api('/v1/spans', { key, body: { spans: [span('r', 't')] } });
    const tree = await waitForTrace(key, 't');
    expect(tree.feedback).toHaveLength(2);
    expect(tree.feedback.find((f: any) => f.id === 'fixed')).toMatchObject({ score: 0, comment: 'changed my mind' });
  });

  it('answers 400 naming the field for bad feedback', async () => {
    const { key } = await makeProject();
    let res = await api('/v1/feedback', { key, body: { trace_id: 't', key: 'has space', score: 1 } });
    expect(res.status).toBe(400);
    expect(res.json.error.path).toBe('key');
    res = await api('/v1/feedback', { key, body: { trace_id: 't', key: 'thumbs' } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('at least one');
    res = await api('/v1/feedback', { key, body: { trace_id: 't', key: 'thumbs', score: 'high' } });
    expect(res.json.error.path).toBe('score');
    res = await api('/v1/feedback', { key, body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
  });

  it('lists feedback keys with counts', async () => {
    const { key } = await makeProject();
    await api('/v1/feedback', { key, body: { trace_id: 'a', key: 'outcome', score: 1 } });
    await api('/v1/feedback', { key, body: { trace_id: 'b', key: 'outcome', score: 0 } });
    const res = await api('/v1/feedback/keys', { key });
    expect(res.json.keys).toEqual([{ key: 'outcome', count: 2, avg: 0.5, sources: ['api'] }]);
  });

  it('needs the ingest scope to write feedback', async () => {
    const { projectId } = await makeProject();
    const readOnly = await makeKey(projectId, ['read']);
    expect((await api('/v1/feedback', { key: readOnly, body: { trace_id: 't', key: 'thumbs', score: 1 } })).status).toBe(403);
  });
});
