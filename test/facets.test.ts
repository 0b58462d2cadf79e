import { describe, it, expect } from 'vitest';
import { api, makeProject, span, waitForTrace } from './helpers.ts';

describe('GET /v1/traces/facets', () => {
  it("lists the project's tags, metadata keys, feedback keys, environments, models and names, and no other project's", async () => {
    const p = await makeProject('facets');
    const other = await makeProject('facets-other');
    await api('/v1/spans', {
      key: p.key,
      body: {
        spans: [
          span('r', 't-f', { name: 'support-agent', tags: ['checkout', 'beta'], metadata: { customer_tier: 'gold', region: 'eu' }, environment: 'production', release: 'v2' }),
          span('c', 't-f', { parent_id: 'r', kind: 'llm', model: 'gpt-4o-mini' }),
        ],
      },
    });
    await api('/v1/spans', { key: other.key, body: { spans: [span('x', 't-o', { tags: ['secret-tag'], metadata: { secret_key: 1 }, environment: 'hidden' })] } });
    await waitForTrace(p.key, 't-f', 2);
    await waitForTrace(other.key, 't-o');
    await api('/v1/feedback', { key: p.key, body: { trace_id: 't-f', key: 'helpfulness', score: 0.5 } });
    await api('/v1/feedback', { key: other.key, body: { trace_id: 't-o', key: 'secret_feedback', score: 1 } });

    const res = await api('/v1/traces/facets', { key: p.key });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      tags: ['beta', 'checkout'],
      metadata_keys: ['customer_tier', 'region'],
      feedback_keys: ['helpfulness'],
      environments: ['production'],
      releases: ['v2'],
      models: ['gpt-4o-mini'],
      names: ['support-agent'],
    });
  });

  it('needs the read scope', async () => {
    const p = await makeProject('facets-scope', ['ingest']);
    expect((await api('/v1/traces/facets', { key: p.key })).status).toBe(403);
    expect((await api('/v1/traces/facets')).status).toBe(401);
  });
});
