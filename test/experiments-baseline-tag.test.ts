/**
 * The gate's `baseline_tag`: the baseline is the experiment pinned for the dataset version
 * a tag names, never simply the latest run; a failing candidate never becomes that
 * baseline; contradictory or unknown baselines are a 400 naming the field; other projects 404.
 */
import { describe, it, expect } from 'vitest';
import { api, makeProject } from './helpers.ts';

async function dataset(key: string) {
  const ds = await api('/v1/datasets', { key, body: { name: `tagged-${crypto.randomUUID().slice(0, 8)}` } });
  const v1 = await api(`/v1/datasets/${ds.json.id}/examples`, { key, body: { examples: [{ inputs: { q: 1 } }, { inputs: { q: 2 } }] } });
  expect(v1.status).toBe(201);
  expect((await api(`/v1/datasets/${ds.json.id}/tags/prod`, { key, method: 'PUT', body: { version: v1.json.version } })).status).toBe(200);
  const v2 = await api(`/v1/datasets/${ds.json.id}/examples`, { key, body: { examples: [{ inputs: { q: 3 } }] } });
  return { id: ds.json.id as string, v1: v1.json.version as number, v2: v2.json.version as number, ids: [...v1.json.examples.map((e: any) => e.id), v2.json.examples[0].id] as string[] };
}

/** An experiment on `version` whose runs score `correct` as given per example id. */
async function experiment(key: string, datasetId: string, version: number, name: string, scores: Record<string, number>) {
  const e = await api('/v1/experiments', { key, body: { name, dataset_id: datasetId, dataset_version: version } });
  expect(e.status).toBe(201);
  const runs = Object.entries(scores).map(([example_id, correct]) => ({ example_id, output: { correct }, scores: { correct } }));
  expect((await api(`/v1/experiments/${e.json.id}/runs`, { key, body: { runs } })).status).toBe(200);
  return e.json;
}

const gate = (key: string, id: string, body: Record<string, unknown>) => api(`/v1/experiments/${id}/gate`, { key, body });

describe('gate against a tagged baseline', { timeout: 30_000 }, () => {
  it('compares with the experiment pinned for the tagged version, not the newest pin', async () => {
    const { key } = await makeProject();
    const d = await dataset(key);
    const [a, b, c] = d.ids;
    const prod = await experiment(key, d.id, d.v1, 'prod-run', { [a]: 1, [b]: 1 });
    expect((await api(`/v1/experiments/${prod.id}/baseline`, { key, body: {} })).status).toBe(200);
    const latest = await experiment(key, d.id, d.v2, 'latest-run', { [a]: 0, [b]: 0, [c]: 0 });
    expect((await api(`/v1/experiments/${latest.id}/baseline`, { key, body: {} })).status).toBe(200);
    const cand = await experiment(key, d.id, d.v2, 'candidate', { [a]: 1, [b]: 0, [c]: 1 });

    const tagged = await gate(key, cand.id, { baseline_tag: 'prod', max_regressions: 0 });
    expect(tagged.status).toBe(200);
    expect(tagged.json).toMatchObject({ baseline: prod.id, baseline_from: 'tag', pass: false, regressed: [b] });
    const pinned = await gate(key, cand.id, { max_regressions: 0 });
    expect(pinned.json).toMatchObject({ baseline: latest.id, baseline_from: 'pinned' });
  });

  it('never lets a failing candidate become the baseline for its version', async () => {
    const { key } = await makeProject();
    const d = await dataset(key);
    const [a, b] = d.ids;
    const prod = await experiment(key, d.id, d.v1, 'prod-run', { [a]: 1, [b]: 1 });
    await api(`/v1/experiments/${prod.id}/baseline`, { key, body: {} });
    const worse = await experiment(key, d.id, d.v1, 'worse', { [a]: 0, [b]: 1 });
    expect((await gate(key, worse.id, { baseline_tag: 'prod', max_regressions: 0 })).json.pass).toBe(false);
    const pin = await api(`/v1/experiments/${worse.id}/baseline`, { key, body: {} });
    expect(pin.status).toBe(409);
    const again = await experiment(key, d.id, d.v1, 'again', { [a]: 1, [b]: 1 });
    expect((await gate(key, again.id, { baseline_tag: 'prod' })).json).toMatchObject({ baseline: prod.id, pass: true });
  });

  it('answers contradictory, unknown or unpinned baselines with a 400 naming baseline_tag', async () => {
    const { key } = await makeProject();
    const d = await dataset(key);
    const cand = await experiment(key, d.id, d.v2, 'cand', { [d.ids[0]]: 1 });
    const both = await gate(key, cand.id, { baseline: 'x', baseline_tag: 'prod' });
    expect(both.status).toBe(400);
    expect(both.json.error).toMatchObject({ path: 'baseline_tag', message: expect.stringContaining('two ways') });
    const unknown = await gate(key, cand.id, { baseline_tag: 'staging' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain("no tag 'staging'");
    const unpinned = await gate(key, cand.id, { baseline_tag: 'prod' });
    expect(unpinned.status).toBe(400);
    expect(unpinned.json.error.message).toContain(`at tag 'prod' (version ${d.v1})`);
    const other = await makeProject();
    expect((await gate(other.key, cand.id, { baseline_tag: 'prod' })).status).toBe(404);
  });
});
