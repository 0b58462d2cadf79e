/**
 * The datasets list the UI's Datasets page reads: each dataset's live example count at its
 * latest version (archived examples not counted) and its tags, for this project only.
 */
import { describe, it, expect } from 'vitest';
import { api, makeProject } from './helpers.ts';

describe('the datasets list', () => {
  it('counts live examples at the latest version and lists tags', async () => {
    const p = await makeProject('ds-list');
    const ds = (await api('/v1/datasets', { key: p.key, body: { name: 'counted' } })).json;
    const empty = (await api('/v1/datasets', { key: p.key, body: { name: 'empty' } })).json;
    const added = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 1 } }, { inputs: { q: 2 } }, { inputs: { q: 3 } }] } });
    expect(added.status).toBe(201);
    await api(`/v1/datasets/${ds.id}/examples/${added.json.examples[0].id}/archive`, { key: p.key, body: {} });
    await api(`/v1/datasets/${ds.id}/examples/${added.json.examples[1].id}`, { key: p.key, method: 'PATCH', body: { outputs: { a: 'x' } } });
    expect((await api(`/v1/datasets/${ds.id}/tags/prod`, { key: p.key, method: 'PUT', body: { version: 1 } })).status).toBe(200);

    const list = (await api('/v1/datasets', { key: p.key })).json.datasets;
    const byName = Object.fromEntries(list.map((d: any) => [d.name, d]));
    expect(byName.counted).toMatchObject({ id: ds.id, latest_version: 3, example_count: 2, tags: [{ tag: 'prod', version: 1 }] });
    expect(byName.empty).toMatchObject({ id: empty.id, latest_version: 0, example_count: 0, tags: [] });
  });

  it('counts only this project’s examples', async () => {
    const p = await makeProject('ds-list-a');
    const q = await makeProject('ds-list-b');
    const mine = (await api('/v1/datasets', { key: p.key, body: { name: 'same-name' } })).json;
    await api(`/v1/datasets/${mine.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 1 } }] } });
    const theirs = (await api('/v1/datasets', { key: q.key, body: { name: 'same-name' } })).json;
    const list = (await api('/v1/datasets', { key: q.key })).json.datasets;
    expect(list).toEqual([expect.objectContaining({ id: theirs.id, example_count: 0, tags: [] })]);
  });
});
