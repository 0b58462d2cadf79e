import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, span, waitForTrace } from './helpers.ts';
import { getTrace, getTraces } from '../workers/store/trace-query.ts';

describe('getTraces', () => {
  it('loads several traces exactly as getTrace loads each, and only from the project asked', async () => {
    const a = await makeProject('a');
    const b = await makeProject('b');
    await api('/v1/spans', {
      key: a.key,
      body: {
        spans: [
          span('r1', 't1', { kind: 'agent', input: 'one', output: { answer: 1 } }),
          span('c1', 't1', { parent_id: 'r1', kind: 'tool', input: { q: 'x' }, start_time: '2026-01-01T00:00:01Z' }),
          span('r2', 't2', { kind: 'agent', input: 'two' }),
        ],
      },
    });
    await api('/v1/spans', { key: b.key, body: { spans: [span('r3', 't3', { input: 'other project' })] } });
    await api('/v1/feedback', { key: a.key, body: { trace_id: 't2', key: 'thumbs', score: 1 } });
    await waitForTrace(a.key, 't1', 2);
    await waitForTrace(a.key, 't2');
    await waitForTrace(b.key, 't3');
    const trees = await getTraces(env, a.projectId, ['t1', 't2', 't3', 't1']);
    expect([...trees.keys()].sort()).toEqual(['t1', 't2']);
    expect(trees.get('t1')).toEqual(await getTrace(env, a.projectId, 't1'));
    expect(trees.get('t2')).toEqual(await getTrace(env, a.projectId, 't2'));
    expect(await getTraces(env, a.projectId, [])).toEqual(new Map());
  });
});
