/**
 * The LangSmith dataset, example and session routes (under /api/v1) in the Workers runtime:
 * what the SDKs rely on (404 bodies saying "not found", 409 for a taken name, splits under
 * metadata.dataset_split, offset paging, as_of by time or tag), bad input, and keys of
 * another project. The SDKs' own use of them is in test/e2e/langsmith-datasets.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { api, eventually, makeProject } from './helpers.ts';

type Part = { name: string; data: string };

/** A multipart body as the JS SDK's FormData writes it (each part a JSON blob). */
function multipart(parts: Part[], boundary = '----formdata-undici-0123456789'): { body: string; contentType: string } {
  const body = parts.map((p) => `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="blob"\r\nContent-Type: application/json\r\n\r\n${p.data}\r\n`).join('') + `--${boundary}--\r\n`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

function exampleParts(id: string, e: { inputs?: unknown; outputs?: unknown; split?: unknown; metadata?: unknown }): Part[] {
  const parts: Part[] = [{ name: id, data: JSON.stringify({ created_at: new Date().toISOString(), ...(e.metadata ? { metadata: e.metadata } : {}), ...(e.split ? { split: e.split } : {}) }) }];
  if (e.inputs !== undefined) parts.push({ name: `${id}.inputs`, data: JSON.stringify(e.inputs) });
  if (e.outputs !== undefined) parts.push({ name: `${id}.outputs`, data: JSON.stringify(e.outputs) });
  return parts;
}

async function postExamples(key: string, datasetId: string, parts: Part[], method = 'POST') {
  const { body, contentType } = multipart(parts);
  return api(`/api/v1/platform/datasets/${datasetId}/examples`, { key, method, body, headers: { 'content-type': contentType } });
}

const uuid = () => crypto.randomUUID();

async function dataset(key: string, name = `ds-${uuid().slice(0, 6)}`) {
  const res = await api('/api/v1/datasets', { key, body: { name, description: 'd', extra: { source: 'sdk' } } });
  expect(res.status).toBe(200);
  return res.json;
}

describe('LangSmith datasets (/api/v1/datasets)', () => {
  it('creates a dataset, finds it by name and id, and answers a taken name with 409', async () => {
    const { key, projectId } = await makeProject('ls-ds');
    const d = await dataset(key, 'capitals');
    expect(d).toMatchObject({ name: 'capitals', description: 'd', example_count: 0, tenant_id: projectId, data_type: 'kv' });
    expect((await api('/api/v1/datasets?name=capitals&limit=1', { key })).json.map((x: any) => x.id)).toEqual([d.id]);
    expect((await api('/api/v1/datasets?name=other', { key })).json).toEqual([]);
    expect((await api(`/api/v1/datasets/${d.id}`, { key })).json.name).toBe('capitals');
    const again = await api('/api/v1/datasets', { key, body: { name: 'capitals' } });
    expect(again.status).toBe(409);
    expect(again.json.error.path).toBe('name');
  });

  it('says "not found" for an unknown dataset or example, and for those of another project', async () => {
    const a = await makeProject('ls-a');
    const b = await makeProject('ls-b');
    const d = await dataset(a.key);
    for (const path of [`/api/v1/datasets/${uuid()}`, `/api/v1/datasets/${d.id}`, `/api/v1/examples?dataset=${d.id}`, `/api/v1/examples/${uuid()}`]) {
      const res = await api(path, { key: b.key });
      expect(res.status, path).toBe(404);
      expect(res.text.toLowerCase()).toContain('not found');
    }
    const write = await postExamples(b.key, d.id, exampleParts(uuid(), { inputs: { q: 1 } }));
    expect(write.status).toBe(404);
    expect((await api(`/api/v1/datasets/${d.id}/tags`, { key: b.key, method: 'PUT', body: { as_of: new Date().toISOString(), tag: 'x' } })).status).toBe(404);
  });

  it('refuses a bad dataset body naming the field', async () => {
    const { key } = await makeProject('ls-bad-ds');
    const noName = await api('/api/v1/datasets', { key, body: { description: 'x' } });
    expect(noName.status).toBe(400);
    expect(noName.json.error.path).toBe('name');
    const badSchema = await api('/api/v1/datasets', { key, body: { name: 'x', inputs_schema_definition: { type: 'nope' } } });
    expect(badSchema.status).toBe(400);
    expect(badSchema.json.error.path).toBe('inputs_schema_definition');
  });
});

describe('LangSmith examples (multipart writes, GET /examples)', () => {
  it('writes examples with splits and metadata as one version, and lists them by split, metadata and offset', async () => {
    const { key } = await makeProject('ls-ex');
    const d = await dataset(key);
    const ids = [uuid(), uuid(), uuid()].sort();
    const res = await postExamples(key, d.id, [
      ...exampleParts(ids[0], { inputs: { q: 'a' }, outputs: { a: 1 }, split: 'test', metadata: { level: 'easy' } }),
      ...exampleParts(ids[1], { inputs: { q: 'b' }, outputs: { a: 2 }, split: ['train', 'hard'], metadata: { level: 'hard' } }),
      ...exampleParts(ids[2], { inputs: { q: 'c' } }),
    ]);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ count: 3, version: 1 });
    expect(res.json.example_ids.sort()).toEqual(ids);
    expect((await api(`/api/v1/datasets/${d.id}`, { key })).json.example_count).toBe(3);

    const one = await api(`/api/v1/examples/${ids[0]}`, { key });
    expect(one.json).toMatchObject({ id: ids[0], dataset_id: d.id, inputs: { q: 'a' }, outputs: { a: 1 }, metadata: { level: 'easy', dataset_split: ['test'] } });
    expect(one.json.modified_at).toMatch(/^\d{4}-/);
    // No split given: LangSmith's default split.
    expect((await api(`/api/v1/examples/${ids[2]}`, { key })).json.metadata.dataset_split).toEqual(['base']);

    const list = async (q: string) => (await api(`/api/v1/examples?dataset=${d.id}&${q}`, { key })).json.map((e: any) => e.inputs.q);
    expect(await list('splits=test&splits=hard')).toEqual(['a', 'b']);
    expect(await list(`metadata=${encodeURIComponent(JSON.stringify({ level: 'hard' }))}`)).toEqual(['b']);
    expect(await list('offset=1&limit=1')).toEqual(['b']);
    expect(await list('offset=3&limit=100')).toEqual([]);
    expect(await list(`id=${ids[2]}`)).toEqual(['c']);
    expect((await api(`/api/v1/datasets/${d.id}/splits`, { key })).json).toEqual(['base', 'hard', 'test', 'train']);
    expect((await api(`/api/v1/datasets/${d.id}/splits?as_of=2020-01-01T00:00:00Z`, { key })).json).toEqual([]);
  });

  it('writes parallel uploads to one dataset as successive versions, none refused', async () => {
    const { key } = await makeProject('ls-par');
    const d = await dataset(key);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => postExamples(key, d.id, exampleParts(uuid(), { inputs: { i } }))));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(results.map((r) => r.json.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await api(`/api/v1/datasets/${d.id}`, { key })).json.example_count).toBe(6);
  });

  it('edits an example as a new version; as_of a time or a tag still reads the old one', async () => {
    const { key } = await makeProject('ls-edit');
    const d = await dataset(key);
    const id = uuid();
    const created = await postExamples(key, d.id, exampleParts(id, { inputs: { q: 'x' }, outputs: { a: 'old' }, split: 'test' }));
    const asOf = created.json.as_of;
    expect((await api(`/api/v1/datasets/${d.id}/tags`, { key, method: 'PUT', body: { as_of: asOf, tag: 'v1' } })).status).toBe(200);
    expect((await api(`/api/v1/datasets/${d.id}/version?tag=v1`, { key })).json).toMatchObject({ as_of: asOf, tags: ['v1'] });
    await new Promise((r) => setTimeout(r, 5));
    // The JS SDK's updateExample: the main part carries only what changes.
    const edit = await postExamples(key, d.id, [{ name: id, data: JSON.stringify({ split: 'train' }) }, { name: `${id}.outputs`, data: JSON.stringify({ a: 'new' }) }], 'PATCH');
    expect(edit.status).toBe(200);
    const now = (await api(`/api/v1/examples/${id}`, { key })).json;
    expect(now).toMatchObject({ inputs: { q: 'x' }, outputs: { a: 'new' }, metadata: { dataset_split: ['train'] } });
    for (const at of ['v1', asOf]) {
      const old = (await api(`/api/v1/examples?dataset=${d.id}&as_of=${encodeURIComponent(at)}`, { key })).json;
      expect(old.map((e: any) => e.outputs.a), at).toEqual(['old']);
    }
    expect((await api(`/api/v1/examples?dataset=${d.id}&as_of=latest`, { key })).json[0].outputs.a).toBe('new');
    expect((await api(`/api/v1/datasets/${d.id}/versions`, { key })).json.map((v: any) => v.version)).toEqual([2, 1, 0]);
  });

  it('refuses bad parts with a 400 naming them, writing nothing', async () => {
    const { key } = await makeProject('ls-bad-ex');
    const d = await dataset(key);
    const good = uuid();
    const cases: [Part[], string][] = [
      [[...exampleParts(good, { inputs: { q: 1 } }), { name: `${uuid()}.attachment.image`, data: '{}' }], '.attachment.image'],
      [[...exampleParts(good, { inputs: { q: 1 } }), { name: 'not-a-uuid.inputs', data: '{}' }], 'not-a-uuid.inputs'],
      [[...exampleParts(good, { inputs: { q: 1 } }), { name: `${uuid()}.inputs`, data: '{nope' }], '.inputs'],
      [exampleParts(good, { outputs: { a: 1 } }), `${good}.inputs`],
      [[{ name: good, data: JSON.stringify({ split: 7 }) }, { name: `${good}.inputs`, data: '{}' }], `${good}.split`],
    ];
    for (const [parts, path] of cases) {
      const res = await postExamples(key, d.id, parts);
      expect(res.status, path).toBe(400);
      expect(res.json.error.path).toContain(path);
    }
    expect((await api(`/api/v1/datasets/${d.id}`, { key })).json.example_count).toBe(0);
    const notMultipart = await api(`/api/v1/platform/datasets/${d.id}/examples`, { key, body: { inputs: {} } });
    expect(notMultipart.status).toBe(415);
    const unknownTag = await api(`/api/v1/examples?dataset=${d.id}&as_of=nope`, { key });
    expect(unknownTag.status).toBe(404);
    expect(unknownTag.text).toContain('not found');
    const future = await api(`/api/v1/examples?dataset=${d.id}&as_of=${new Date(Date.now() + 86_400_000).toISOString()}`, { key });
    expect(future.status).toBe(400);
    // A client clock a minute ahead still means "now".
    expect((await api(`/api/v1/examples?dataset=${d.id}&as_of=${new Date(Date.now() + 60_000).toISOString()}`, { key })).status).toBe(200);
    expect((await api(`/api/v1/examples?dataset=${d.id}&filter=${encodeURIComponent('eq(x, 1)')}`, { key })).status).toBe(400);
    expect((await api(`/api/v1/examples?dataset=${d.id}&limit=101`, { key })).status).toBe(400);
    const missing = await postExamples(key, d.id, exampleParts(uuid(), { outputs: { a: 1 } }), 'PATCH');
    expect(missing.status).toBe(404);
  });
});

describe('LangSmith sessions (/api/v1/sessions) as experiments', () => {
  it('creates an experiment over the dataset, lists and reads it, refuses a taken name with 409 and ends it on the closing update', async () => {
    const { key, projectId } = await makeProject('ls-sess');
    const d = await dataset(key);
    const s = await api('/api/v1/sessions', { key, body: { name: 'exp-1', extra: { metadata: { model: 'm1' } }, description: null, reference_dataset_id: d.id, num_repetitions: 2 } });
    expect(s.status).toBe(200);
    expect(s.json).toMatchObject({ name: 'exp-1', reference_dataset_id: d.id, tenant_id: projectId, end_time: null, extra: { metadata: { model: 'm1' } } });
    const native = (await api(`/v1/experiments/${s.json.id}`, { key })).json;
    expect(native).toMatchObject({ name: 'exp-1', dataset_id: d.id, repetitions: 2, status: 'running' });
    expect((await api('/api/v1/sessions', { key, body: { name: 'exp-1', reference_dataset_id: d.id } })).status).toBe(409);
    expect((await api('/api/v1/sessions?upsert=true', { key, body: { name: 'exp-1', reference_dataset_id: d.id } })).json.id).toBe(s.json.id);
    expect((await api(`/api/v1/sessions?reference_dataset=${d.id}`, { key })).json.map((x: any) => x.id)).toEqual([s.json.id]);
    expect((await api('/api/v1/sessions?limit=1', { key })).json[0].tenant_id).toBe(projectId);
    expect((await api(`/api/v1/sessions/${s.json.id}`, { key })).json.name).toBe('exp-1');
    const closed = await api(`/api/v1/sessions/${s.json.id}`, { key, method: 'PATCH', body: { name: null, extra: { metadata: { dataset_version: new Date().toISOString() } }, description: null, end_time: null } });
    expect(closed.json).toMatchObject({ extra: { metadata: { model: 'm1' } } });
    expect(closed.json.end_time).not.toBeNull();
    expect((await api(`/v1/experiments/${s.json.id}`, { key })).json.status).toBe('completed');
  });

  it('refuses a session without a dataset, an unknown dataset, and reads by another project', async () => {
    const a = await makeProject('ls-sess-a');
    const b = await makeProject('ls-sess-b');
    const noDataset = await api('/api/v1/sessions', { key: a.key, body: { name: 'tracing' } });
    expect(noDataset.status).toBe(400);
    expect(noDataset.json.error.path).toBe('reference_dataset_id');
    const unknown = await api('/api/v1/sessions', { key: a.key, body: { name: 'x', reference_dataset_id: uuid() } });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('not found');
    const d = await dataset(a.key);
    const s = (await api('/api/v1/sessions', { key: a.key, body: { name: 'mine', reference_dataset_id: d.id } })).json;
    for (const method of ['GET', 'PATCH']) {
      const res = await api(`/api/v1/sessions/${s.id}`, { key: b.key, method, ...(method === 'PATCH' ? { body: { end_time: new Date().toISOString() } } : {}) });
      expect(res.status, method).toBe(404);
      expect(res.text).toContain('not found');
    }
    expect((await api('/api/v1/sessions', { key: b.key, body: { name: 'theirs', reference_dataset_id: d.id } })).status).toBe(404);
    expect((await api('/api/v1/sessions', { key: b.key })).json).toEqual([]);
  });

  it('gathers root runs naming an example as the repetitions of a run, never child runs, extra repetitions or runs of another project', async () => {
    const a = await makeProject('ls-runs-a');
    const b = await makeProject('ls-runs-b');
    const d = await dataset(a.key);
    const exampleId = uuid();
    expect((await postExamples(a.key, d.id, exampleParts(exampleId, { inputs: { q: 1 }, outputs: { a: 1 } }))).status).toBe(201);
    const s = (await api('/api/v1/sessions', { key: a.key, body: { name: 'reps', reference_dataset_id: d.id, num_repetitions: 2 } })).json;
    const run = (id: string, at: number, extra: Record<string, unknown> = {}) => ({
      id, trace_id: id, name: 'target', run_type: 'chain', session_name: 'reps', reference_example_id: exampleId,
      start_time: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(), end_time: new Date(Date.UTC(2026, 0, 1, 0, 0, at, 100)).toISOString(), inputs: { q: 1 }, outputs: { a: at }, ...extra,
    });
    const [r0, r1, r2, child, other] = [uuid(), uuid(), uuid(), uuid(), uuid()];
    const post = async (key: string, runs: unknown[]) => expect((await api('/api/v1/runs/batch', { key, body: { post: runs } })).status).toBe(202);
    await post(a.key, [run(r0, 1), { ...run(child, 1), trace_id: r0, parent_run_id: r0 }]);
    await post(a.key, [run(r1, 2, { error: 'boom', outputs: undefined })]);
    await post(a.key, [run(r2, 3)]);
    await post(b.key, [run(other, 4)]);
    const runs = await eventually(async () => {
      const r = (await api(`/v1/experiments/${s.id}/runs`, { key: a.key })).json.runs;
      if (r.length < 2) throw new Error(`runs not ready: ${JSON.stringify(r)}`);
      return r;
    });
    expect(runs.map((r: any) => [r.repetition, r.trace_id, r.error])).toEqual([
      [0, r0, null],
      [1, r1, 'boom'],
    ]);
    expect(runs[0]).toMatchObject({ example_id: exampleId, output: { a: 1 }, latency_ms: 100 });
    // A second read gathers nothing new and keeps the same two runs.
    expect((await api(`/v1/experiments/${s.id}/runs`, { key: a.key })).json.runs).toHaveLength(2);
  });

  it('documents the dataset, example and session routes under /api/v1 in the OpenAPI document', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    expect(methods('/api/v1/datasets')).toEqual(['get', 'post']);
    expect(methods('/api/v1/datasets/{id}/tags')).toEqual(['put']);
    expect(methods('/api/v1/examples')).toEqual(['get']);
    expect(methods('/api/v1/platform/datasets/{id}/examples')).toEqual(['patch', 'post']);
    expect(methods('/api/v1/sessions')).toEqual(['get', 'post']);
    expect(methods('/api/v1/sessions/{id}')).toEqual(['get', 'patch']);
    expect(doc.paths['/o/{tenant}/datasets/{dataset}/compare']?.get.tags).toEqual(['langsmith']);
    // Not at the root: /datasets there is the UI's page.
    expect(doc.paths['/datasets']).toBeUndefined();
  });

  it('redirects the link the SDKs print to the compare page', async () => {
    const id = uuid();
    const res = await exports.default.fetch(new Request(`http://loupe.test/o/${uuid()}/datasets/${uuid()}/compare?selectedSessions=${id}`, { redirect: 'manual' }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/experiments/compare?ids=${id}`);
    expect((await api(`/o/t/datasets/d/compare`)).status).toBe(400);
  });
});
