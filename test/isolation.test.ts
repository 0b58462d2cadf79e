import { describe, it, expect } from 'vitest';
import { api, makeProject, span, waitForTrace } from './helpers.ts';

describe('cross-project isolation', () => {
  it('a key of one project can neither read nor write another project', async () => {
    const a = await makeProject('a');
    const b = await makeProject('b');
    await api('/v1/spans', { key: a.key, body: { spans: [span('secret-span', 'shared-id', { input: 'secret refund text', tags: ['a-only'] })] } });
    await api('/v1/feedback', { key: a.key, body: { trace_id: 'shared-id', key: 'a_key', score: 1 } });
    await waitForTrace(a.key, 'shared-id');

    // Reads from B see nothing of A.
    expect((await api('/v1/traces/shared-id', { key: b.key })).status).toBe(404);
    expect((await api('/v1/traces/shared-id/spans/secret-span', { key: b.key })).status).toBe(404);
    expect((await api('/v1/traces/shared-id/spans/secret-span/attachments/file', { key: b.key })).status).toBe(404);
    expect((await api('/v1/traces', { key: b.key })).json.traces).toEqual([]);
    expect((await api('/v1/traces?q=refund', { key: b.key })).json.traces).toEqual([]);
    expect((await api('/v1/traces?q=trace%3Dshared-id', { key: b.key })).json.traces).toEqual([]);
    expect((await api('/v1/traces?q=tag%3Da-only', { key: b.key })).json.traces).toEqual([]);
    expect((await api('/v1/traces?q=feedback.a_key%3D1', { key: b.key })).json.traces).toEqual([]);
    expect((await api('/v1/spans', { key: b.key })).json.spans).toEqual([]);
    expect((await api('/v1/spans?q=refund', { key: b.key })).json.spans).toEqual([]);
    expect((await api('/v1/feedback/keys', { key: b.key })).json.keys).toEqual([]);
    expect((await api('/v1/project', { key: b.key })).json.id).toBe(b.projectId);
    const bKeys = (await api('/v1/api-keys', { key: b.key })).json.keys;
    expect(bKeys.map((k: any) => k.id)).toEqual([b.keyId]);

    // Writes from B land in B only, even with A's ids.
    expect((await api(`/v1/api-keys/${a.keyId}`, { key: b.key, method: 'DELETE' })).status).toBe(404);
    await api('/v1/feedback', { key: b.key, body: { id: 'same', trace_id: 'shared-id', key: 'b_key', score: 0 } });
    await api('/v1/spans', { key: b.key, body: { spans: [span('secret-span', 'shared-id', { output: 'b output' })] } });
    const bTree = await waitForTrace(b.key, 'shared-id');
    expect(bTree.spans[0].input).toBeUndefined();
    expect(bTree.feedback.map((f: any) => f.key)).toEqual(['b_key']);

    const aTree = await waitForTrace(a.key, 'shared-id');
    expect(aTree.spans[0].input).toBe('secret refund text');
    expect(aTree.spans[0].output).toBeUndefined();
    expect(aTree.feedback.map((f: any) => f.key)).toEqual(['a_key']);
    expect((await api('/v1/spans', { key: a.key, body: { spans: [span('x', 'y')] } })).status).toBe(202);
  });
});
