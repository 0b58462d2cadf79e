/**
 * Versioned datasets inside workerd against real local D1: reads at any version replay the
 * changes up to it (property test), schema validation naming the field, pinned examples,
 * tags, as_of, diffs and project isolation.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { api, makeProject } from './helpers.ts';

async function makeDataset(key: string, body: Record<string, unknown> = {}) {
  const r = await api('/v1/datasets', { key, body: { name: `ds-${crypto.randomUUID()}`, ...body } });
  expect(r.status).toBe(201);
  return r.json;
}

const all = async (key: string, ds: string, q = '') => (await api(`/v1/datasets/${ds}/examples?limit=1000${q}`, { key })).json;

describe('datasets', () => {
  it('a read at version N equals replaying the changes up to N', async () => {
    const p = await makeProject('ds-prop');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.record({ op: fc.constant('add' as const), n: fc.integer({ min: 0, max: 99 }) }), fc.record({ op: fc.constant('edit' as const), pick: fc.nat(), n: fc.integer({ min: 0, max: 99 }) }), fc.record({ op: fc.constant('archive' as const), pick: fc.nat() })), { minLength: 1, maxLength: 8 }),
        async (ops) => {
          const ds = await makeDataset(p.key);
          const model = new Map<string, number>();
          const snapshots: Map<string, number>[] = [new Map()];
          for (const o of ops) {
            const ids = [...model.keys()].sort();
            if (o.op === 'add') {
              const r = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { n: o.n } }] } });
              model.set(r.json.examples[0].id, o.n);
            } else if (!ids.length) continue;
            else if (o.op === 'edit') {
              const id = ids[o.pick % ids.length];
              expect((await api(`/v1/datasets/${ds.id}/examples/${id}`, { key: p.key, method: 'PATCH', body: { inputs: { n: o.n } } })).status).toBe(200);
              // An edit that changes nothing (a retried PATCH) makes no version.
              if (model.get(id) === o.n) continue;
              model.set(id, o.n);
            } else {
              const id = ids[o.pick % ids.length];
              expect((await api(`/v1/datasets/${ds.id}/examples/${id}/archive`, { key: p.key, body: {} })).status).toBe(200);
              model.delete(id);
            }
            snapshots.push(new Map(model));
          }
          for (let v = 0; v < snapshots.length; v++) {
            const got = await all(p.key, ds.id, `&version=${v}`);
            expect(new Map(got.examples.map((e: any) => [e.id, e.inputs.n]))).toEqual(snapshots[v]);
          }
        },
      ),
      // The case fast-check found once: an edit to the same value, then an archive.
      { numRuns: 8, examples: [[[{ op: 'add', n: 77 }, { op: 'edit', pick: 0, n: 77 }, { op: 'archive', pick: 0 }]]] },
    );
  });

  it('rejects inputs and outputs that break the schemas, naming the field and reason; nothing is written', async () => {
    const p = await makeProject('ds-schema');
    const ds = await makeDataset(p.key, {
      inputs_schema: { type: 'object', required: ['question'], properties: { question: { type: 'string' } } },
      outputs_schema: { type: 'object', properties: { answer: { type: 'string', maxLength: 5 } } },
    });
    const bad = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { question: 'ok' } }, { inputs: { question: 3 } }] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('examples[1].inputs.question');
    expect(bad.json.error.message).toMatch(/string/);
    const missing = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: {} }] } });
    expect(missing.json.error.path).toBe('examples[0].inputs');
    expect(missing.json.error.message).toMatch(/question/);
    const notObject = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: 'text' }] } });
    expect(notObject.status).toBe(400);
    expect(notObject.json.error.path).toBe('examples[0].inputs');
    const out = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { question: 'q' }, outputs: { answer: 'too long' } }] } });
    expect(out.json.error.path).toBe('examples[0].outputs.answer');
    expect((await api(`/v1/datasets/${ds.id}`, { key: p.key })).json.latest_version).toBe(0);
    const good = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { question: 'q' } }] } });
    const edit = await api(`/v1/datasets/${ds.id}/examples/${good.json.examples[0].id}`, { key: p.key, method: 'PATCH', body: { outputs: { answer: 'far too long' } } });
    expect(edit.status).toBe(400);
    expect(edit.json.error.path).toBe('outputs.answer');
    const badSchema = await api('/v1/datasets', { key: p.key, body: { name: 'bad-schema', inputs_schema: { type: 12 } } });
    expect(badSchema.status).toBe(400);
  });

  it('names are unique per project', async () => {
    const p = await makeProject('ds-names');
    expect((await api('/v1/datasets', { key: p.key, body: { name: 'golden' } })).status).toBe(201);
    const again = await api('/v1/datasets', { key: p.key, body: { name: 'golden' } });
    expect(again.status).toBe(409);
    expect(again.json.error.path).toBe('name');
    const other = await makeProject('ds-names-2');
    expect((await api('/v1/datasets', { key: other.key, body: { name: 'golden' } })).status).toBe(201);
    expect((await api('/v1/datasets/golden', { key: p.key })).json.name).toBe('golden');
  });

  it('a pinned example is archived only by an admin with a reason, which is kept', async () => {
    const p = await makeProject('ds-pinned');
    const writer = await makeProject('ds-pinned-w', ['ingest', 'read']);
    void writer;
    const ds = await makeDataset(p.key);
    const add = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 1 }, tags: ['pinned'] }] } });
    const id = add.json.examples[0].id;
    const { makeKey } = await import('./helpers.ts');
    const ingestKey = await makeKey(p.projectId, ['ingest', 'read']);
    expect((await api(`/v1/datasets/${ds.id}/examples/${id}/archive`, { key: ingestKey, body: { reason: 'stale' } })).status).toBe(403);
    const noReason = await api(`/v1/datasets/${ds.id}/examples/${id}/archive`, { key: p.key, body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.path).toBe('reason');
    const ok = await api(`/v1/datasets/${ds.id}/examples/${id}/archive`, { key: p.key, body: { reason: 'policy changed' } });
    expect(ok.json).toMatchObject({ archived: true, archive_reason: 'policy changed', version: 2 });
    // Never deleted: version 1 still reads it.
    expect((await all(p.key, ds.id, '&version=1')).examples).toHaveLength(1);
    expect((await all(p.key, ds.id)).examples).toHaveLength(0);
  });

  it('tags, as_of and diffs name the versions users expect', async () => {
    const p = await makeProject('ds-tags');
    const ds = await makeDataset(p.key);
    const a = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 'a' } }, { inputs: { q: 'b' } }] } });
    expect((await api(`/v1/datasets/${ds.id}/tags/prod`, { key: p.key, method: 'PUT', body: { version: 1 } })).status).toBe(200);
    const [x, y] = a.json.examples;
    await api(`/v1/datasets/${ds.id}/examples/${x.id}`, { key: p.key, method: 'PATCH', body: { outputs: { a: 1 } } });
    await api(`/v1/datasets/${ds.id}/examples/${y.id}/archive`, { key: p.key, body: {} });
    await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 'c' } }] } });
    const tagged = await all(p.key, ds.id, '&tag=prod');
    expect(tagged.version).toBe(1);
    expect(tagged.examples.map((e: any) => e.outputs)).toEqual([null, null]);
    const diff = await api(`/v1/datasets/${ds.id}/diff?from=1&to=4`, { key: p.key });
    expect(diff.json.added.map((e: any) => e.inputs.q)).toEqual(['c']);
    expect(diff.json.removed.map((e: any) => e.inputs.q)).toEqual(['b']);
    expect(diff.json.modified.map((m: any) => [m.before.outputs, m.after.outputs])).toEqual([[null, { a: 1 }]]);
    expect((await api(`/v1/datasets/${ds.id}/examples?tag=nope`, { key: p.key })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}/examples?version=99`, { key: p.key })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}/examples?as_of=2999-01-01T00:00:00Z`, { key: p.key })).status).toBe(400);
    const now = await all(p.key, ds.id, `&as_of=${encodeURIComponent(new Date().toISOString())}`);
    expect(now.version).toBe(4);
    const versions = await api(`/v1/datasets/${ds.id}/versions`, { key: p.key });
    expect(versions.json.versions.map((v: any) => v.version)).toEqual([4, 3, 2, 1]);
    expect(versions.json.versions[3].tags).toEqual(['prod']);
  });

  it('another project sees 404 for a dataset and its examples', async () => {
    const p = await makeProject('ds-iso-a');
    const q = await makeProject('ds-iso-b');
    const ds = await makeDataset(p.key);
    const add = await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 1 } }] } });
    const id = add.json.examples[0].id;
    expect((await api(`/v1/datasets/${ds.id}`, { key: q.key })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.name}`, { key: q.key })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}/examples`, { key: q.key })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}/examples/${id}`, { key: q.key })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}/examples/${id}`, { key: q.key, method: 'PATCH', body: { inputs: {} } })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}/examples/${id}/archive`, { key: q.key, body: {} })).status).toBe(404);
    expect((await api(`/v1/datasets/${ds.id}/examples`, { key: q.key, body: { examples: [{ inputs: {} }] } })).status).toBe(404);
    expect((await api('/v1/datasets', { key: q.key })).json.datasets).toEqual([]);
  });
});

describe('filtering examples with the shared filter language', () => {
  it('filters by tag, split, metadata, source trace and text, at any version; other fields are a 400 naming q', async () => {
    const { key } = await makeProject('ds-filter');
    const ds = await makeDataset(key);
    const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].sort();
    const name = new Map([[a, 'a'], [b, 'b'], [c, 'c']]);
    const add = await api(`/v1/datasets/${ds.id}/examples`, {
      key,
      body: {
        examples: [
          { id: a, inputs: { q: 'refund my flight' }, tags: ['pinned'], splits: ['test'], metadata: { domain: 'airline', turns: 3 }, source: { trace_id: 't-1' } },
          { id: b, inputs: { q: 'change seat' }, splits: ['train'], metadata: { domain: 'airline', turns: 12 } },
          { id: c, inputs: { q: 'return shoes' }, outputs: { answer: 'Refund issued' }, splits: ['test'], metadata: { domain: 'retail' }, source: { trace_id: 't-2', queue_id: 'q-1' } },
        ],
      },
    });
    expect(add.status, add.text).toBe(201);
    const ids = async (q: string, extra = '') => {
      const r = await api(`/v1/datasets/${ds.id}/examples?q=${encodeURIComponent(q)}${extra}`, { key });
      expect(r.status, r.text).toBe(200);
      return r.json.examples.map((e: { id: string }) => name.get(e.id));
    };
    expect(await ids('split=test')).toEqual(['a', 'c']);
    expect(await ids('split=test and metadata.domain=airline')).toEqual(['a']);
    expect(await ids('tag=pinned or metadata.turns>10')).toEqual(['a', 'b']);
    expect(await ids('not tag=pinned')).toEqual(['b', 'c']);
    expect(await ids('trace=t-2')).toEqual(['c']);
    expect(await ids('source=review')).toEqual(['c']);
    expect(await ids('source=manual')).toEqual(['b']);
    expect(await ids('source in (trace, review)')).toEqual(['a', 'c']);
    expect(await ids('refund')).toEqual(['a', 'c']); // inputs of a, outputs of c, case-insensitive
    expect(await ids('since:1h')).toEqual(['a', 'b', 'c']);
    // At an older version the filter sees the examples as they were.
    expect((await api(`/v1/datasets/${ds.id}/examples/${b}`, { key, method: 'PATCH', body: { splits: ['test'] } })).status).toBe(200);
    expect(await ids('split=test')).toEqual(['a', 'b', 'c']);
    expect(await ids('split=test', `&version=${add.json.version}`)).toEqual(['a', 'c']);

    for (const [q, message] of [
      ['latency>5s', 'latency applies to traces and spans, not to dataset examples'],
      ['feedback.thumbs=0', 'feedback applies to traces and spans'],
      ['has(kind=tool)', 'has() applies to traces'],
      ['split=test and (', 'expected'],
      ['source=elsewhere', 'source'],
    ]) {
      const r = await api(`/v1/datasets/${ds.id}/examples?q=${encodeURIComponent(q)}`, { key });
      expect(r.status, q).toBe(400);
      expect(r.json.error.path, q).toBe('q');
      expect(r.json.error.message, q).toContain(message);
    }
  });

  it('refuses the examples-only fields on traces, naming where they apply', async () => {
    const { key } = await makeProject('ds-filter-traces');
    const r = await api(`/v1/traces?q=${encodeURIComponent('split=test')}`, { key });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('split applies to dataset examples, not to traces');
  });
});

describe('dataset export', () => {
  it('streams JSONL and CSV at a version, neutralising formulas', async () => {
    const p = await makeProject('ds-export');
    const ds = await makeDataset(p.key);
    await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 'a' } }, { inputs: { q: 'b' }, criteria: '=HYPERLINK("x")' }] } });
    await api(`/v1/datasets/${ds.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 'c' } }] } });
    const jsonl = await api(`/v1/datasets/${ds.id}/export?version=1`, { key: p.key });
    expect(jsonl.headers.get('x-dataset-version')).toBe('1');
    const lines = jsonl.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.inputs.q).sort()).toEqual(['a', 'b']);
    const csv = await api(`/v1/datasets/${ds.id}/export?format=csv`, { key: p.key });
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toBe('id,inputs,outputs,criteria,expected_trajectory,metadata,tags,splits,source');
    expect(rows).toHaveLength(4);
    expect(csv.text).toContain(`'=HYPERLINK`);
    expect((await api(`/v1/datasets/${ds.id}/export`, { key: (await makeProject('ds-export-b')).key })).status).toBe(404);
  });
});

describe('dataset OpenAPI', () => {
  it('documents every dataset route', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    const base = '/v1/datasets/{dataset}';
    for (const path of ['/v1/datasets', base, `${base}/examples`, `${base}/examples/{example}`, `${base}/examples/{example}/archive`, `${base}/examples/from-trace`, `${base}/examples/from-filter`, `${base}/versions`, `${base}/tags/{tag}`, `${base}/diff`, `${base}/export`, `${base}/import`]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
