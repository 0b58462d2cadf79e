/**
 * Import (JSONL and CSV in the export's line format) inside workerd with real local D1:
 * export -> import round trips, per-line errors with the good lines kept as one version,
 * the size limits, and duplicate example ids (409 with other content, a no-op with the same).
 */
import { describe, it, expect } from 'vitest';
import { api, makeProject } from './helpers.ts';

async function makeDataset(key: string, body: Record<string, unknown> = {}) {
  const r = await api('/v1/datasets', { key, body: { name: `ds-${crypto.randomUUID()}`, ...body } });
  expect(r.status).toBe(201);
  return r.json;
}

const importBody = (key: string, ds: string, text: string, format?: 'csv' | 'jsonl') =>
  api(`/v1/datasets/${ds}/import${format ? `?format=${format}` : ''}`, { key, body: text, headers: { 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' } });

const live = async (key: string, ds: string) => (await api(`/v1/datasets/${ds}/examples?limit=1000`, { key })).json.examples;
const strip = (e: any) => ({ id: e.id, inputs: e.inputs, outputs: e.outputs, criteria: e.criteria, expected_trajectory: e.expected_trajectory, metadata: e.metadata, tags: e.tags, splits: e.splits, source: e.source });

const SEED = [
  { inputs: { q: 'plain' }, outputs: { a: 'x' }, tags: ['pinned'], splits: ['test'], metadata: { n: 1 } },
  { inputs: { q: 'with "quotes", commas\nand a newline' }, criteria: '=HYPERLINK("evil")', expected_trajectory: [{ name: 'lookup', args: { id: 3 } }] },
  { inputs: { q: 'unicode ✓ 日本' }, criteria: '- starts with a dash', source: { trace_id: 't-1' } },
];

describe('dataset import', () => {
  for (const format of ['jsonl', 'csv'] as const) {
    it(`a ${format} export imports back unchanged, into another dataset and (as a no-op) into its own`, async () => {
      const p = await makeProject(`ds-rt-${format}`);
      const a = await makeDataset(p.key);
      expect((await api(`/v1/datasets/${a.id}/examples`, { key: p.key, body: { examples: SEED } })).status).toBe(201);
      const exported = await api(`/v1/datasets/${a.id}/export?format=${format}`, { key: p.key });
      expect(exported.status).toBe(200);

      const b = await makeDataset(p.key);
      const into = await importBody(p.key, b.id, exported.text, format);
      expect(into.status).toBe(200);
      expect(into.json).toMatchObject({ version: 1, imported: 3, unchanged: 0, error_count: 0, errors: [] });
      const sort = (xs: any[]) => xs.map(strip).sort((x, y) => x.id.localeCompare(y.id));
      expect(sort(await live(p.key, b.id))).toEqual(sort(await live(p.key, a.id)));

      const again = await importBody(p.key, a.id, exported.text, format);
      expect(again.json).toMatchObject({ version: 1, imported: 0, unchanged: 3, error_count: 0 });
      expect((await api(`/v1/datasets/${a.id}`, { key: p.key })).json.latest_version).toBe(1);
    });
  }

  it('reports each bad line (line, field, reason) and keeps the good ones as one version', async () => {
    const p = await makeProject('ds-import-bad');
    const ds = await makeDataset(p.key, { inputs_schema: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } } });
    const id = crypto.randomUUID();
    const text = [
      JSON.stringify({ inputs: { q: 'ok 1' } }),
      '{not json',
      JSON.stringify({ inputs: { q: 7 } }),
      '',
      JSON.stringify({ id, inputs: { q: 'ok 2' } }),
      JSON.stringify({ id, inputs: { q: 'same id again' } }),
      JSON.stringify({ inputs: { q: 'ok 3' }, tags: 'not-a-list' }),
      JSON.stringify({ inputs: { q: 'ok 3' } }),
    ].join('\n');
    const r = await importBody(p.key, ds.id, text);
    expect(r.status).toBe(200);
    expect(r.json.imported).toBe(3);
    expect(r.json.version).toBe(1);
    expect(r.json.errors).toEqual([
      { line: 2, field: null, reason: expect.stringContaining('not JSON') },
      { line: 3, field: 'inputs.q', reason: expect.stringContaining('string') },
      { line: 6, field: 'id', reason: 'repeats the id of line 5' },
      { line: 7, field: 'tags', reason: expect.any(String) },
    ]);
    expect((await api(`/v1/datasets/${ds.id}/versions`, { key: p.key })).json.versions).toHaveLength(1);
    expect((await live(p.key, ds.id)).map((e: any) => e.inputs.q).sort()).toEqual(['ok 1', 'ok 2', 'ok 3']);
  });

  it('a CSV with an unknown column or a bad cell names it; a file with no good line writes nothing', async () => {
    const p = await makeProject('ds-import-csv');
    const ds = await makeDataset(p.key);
    const unknown = await importBody(p.key, ds.id, 'inputs,answer\r\n"{}",x\r\n', 'csv');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ path: 'header', message: expect.stringContaining("unknown column 'answer'") });
    const bad = await importBody(p.key, ds.id, 'inputs,tags\r\n{oops,[]\r\n"{""q"":1}",[1\r\n', 'csv');
    expect(bad.status).toBe(400);
    expect(bad.json.error.errors).toEqual([
      { line: 2, field: 'inputs', reason: 'not JSON' },
      { line: 3, field: 'tags', reason: 'not JSON' },
    ]);
    expect((await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version).toBe(0);
  });

  it('a line whose id exists with other content is a line error; the rest import', async () => {
    const p = await makeProject('ds-import-conflict');
    const ds = await makeDataset(p.key);
    const id = crypto.randomUUID();
    await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ id, inputs: { q: 'original' } }] } });
    const r = await importBody(p.key, ds.id, `${JSON.stringify({ id, inputs: { q: 'changed' } })}\n${JSON.stringify({ inputs: { q: 'new' } })}\n`);
    expect(r.json).toMatchObject({ version: 2, imported: 1, error_count: 1 });
    expect(r.json.errors[0]).toMatchObject({ line: 1, field: 'id', reason: expect.stringContaining(id) });
    expect((await api(`/v1/datasets/${ds.id}/examples/${id}`, { key: p.key })).json.inputs).toEqual({ q: 'original' });
  });

  it('a body over the byte limit is a 413 and over the example limit a 400, each naming the limit; nothing is written', async () => {
    const p = await makeProject('ds-import-limits');
    const ds = await makeDataset(p.key);
    const big = await importBody(p.key, ds.id, `${JSON.stringify({ inputs: { q: 'x'.repeat(11 * 1024 * 1024) } })}\n`);
    expect(big.status).toBe(413);
    expect(big.json.error).toMatchObject({ code: 'payload_too_large', path: 'body', message: expect.stringContaining('10485760 bytes') });
    const huge = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 'x' }, outputs: { a: 'y'.repeat(600_000) } }] } });
    expect(huge.status).toBe(400);
    expect(huge.json.error).toMatchObject({ path: 'examples[0].outputs', message: expect.stringContaining('at most 500000') });
    const many = await importBody(p.key, ds.id, Array.from({ length: 10_001 }, () => '{"inputs":{}}').join('\n'));
    expect(many.status).toBe(400);
    expect(many.json.error).toMatchObject({ path: 'body', message: expect.stringContaining('at most 10000') });
    expect((await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version).toBe(0);
  });

  it('another project cannot import into a dataset (404)', async () => {
    const p = await makeProject('ds-import-a');
    const ds = await makeDataset(p.key);
    const q = await makeProject('ds-import-b');
    expect((await importBody(q.key, ds.id, '{"inputs":{}}\n')).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version).toBe(0);
  });
});

describe('duplicate example ids', () => {
  it('the same id with other content is a 409 naming it, nothing written; the same content makes no version; PATCH edits', async () => {
    const p = await makeProject('ds-dup');
    const ds = await makeDataset(p.key);
    const id = crypto.randomUUID();
    const first = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ id, inputs: { q: 'a' }, metadata: { x: 1, y: 2 } }] } });
    expect(first.json.version).toBe(1);
    // Same content (keys in another order): a retried request, so no new version.
    const retry = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ metadata: { y: 2, x: 1 }, inputs: { q: 'a' }, id }] } });
    expect(retry.status).toBe(201);
    expect(retry.json.version).toBe(1);
    const other = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 'new one' } }, { id, inputs: { q: 'b' } }] } });
    expect(other.status).toBe(409);
    expect(other.json.error).toMatchObject({ code: 'conflict', path: 'examples[1].id', example_id: id, message: expect.stringContaining(id) });
    expect((await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version).toBe(1);
    expect((await live(p.key, ds.id)).map((e: any) => e.inputs.q)).toEqual(['a']);
    const patched = await api(`/v1/datasets/${ds.id}/examples/${id}`, { key: p.key, method: 'PATCH', body: { inputs: { q: 'b' } } });
    expect(patched.json.version).toBe(2);
    const samePatch = await api(`/v1/datasets/${ds.id}/examples/${id}`, { key: p.key, method: 'PATCH', body: { inputs: { q: 'b' } } });
    expect(samePatch.json.version).toBe(2);
    expect((await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version).toBe(2);
  });
});
