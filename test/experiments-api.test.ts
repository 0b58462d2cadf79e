/**
 * The experiments API: create over a dataset version, record runs idempotently (errored
 * runs kept), summary, compare (400 across datasets, shared examples across versions), the
 * gate and the baseline pin (a failed candidate is refused), other projects' keys 404.
 */
import { describe, it, expect } from 'vitest';
import { api, makeKey, makeProject, waitForTrace } from './helpers.ts';

async function experiment(key: string, name: string, extra: Record<string, unknown> = {}) {
  const r = await api('/v1/experiments', { key, method: 'POST', body: { name, dataset_id: 'ds_support', candidate: { name: 'agent', commit: name }, ...extra } });
  expect(r.status).toBe(201);
  return r.json;
}

const runsOf = (scores: Record<string, number | null>) =>
  Object.entries(scores).map(([example_id, s]) =>
    s === null ? { example_id, error: 'exit code 1: Traceback ...', latency_ms: 20 } : { example_id, output: { answer: `a-${s}` }, latency_ms: 100, cost: 0.01, tokens: 50, scores: { correct: s } },
  );

async function post(key: string, id: string, runs: unknown[]) {
  const r = await api(`/v1/experiments/${id}/runs`, { key, method: 'POST', body: { runs } });
  expect(r.status).toBe(200);
  return r.json;
}

describe('experiments', () => {
  it('record runs once however often they are posted, keep errored runs, and summarize', async () => {
    const { key } = await makeProject();
    const e = await experiment(key, 'base');
    expect(e).toMatchObject({ dataset_version: 1, repetitions: 1, status: 'running', baseline: false, candidate: { commit: 'base' } });
    const runs = runsOf({ e1: 1, e2: 0, e3: 1, e4: null });
    await post(key, e.id, runs);
    await post(key, e.id, runs);
    const listed = await api(`/v1/experiments/${e.id}/runs`, { key });
    expect(listed.json.runs).toHaveLength(4);
    expect(listed.json.runs.find((r: any) => r.example_id === 'e4')).toMatchObject({ error: 'exit code 1: Traceback ...', scores: {} });
    const got = await api(`/v1/experiments/${e.name}`, { key });
    expect(got.status).toBe(200);
    expect(got.json.summary).toMatchObject({ runs: 4, examples: 4, errors: 1, tokens: 150 });
    const m = got.json.summary.metrics[0];
    expect(m).toMatchObject({ key: 'correct', kind: 'pass_rate', method: 'wilson', examples: 3 });
    expect(m.mean).toBeCloseTo(2 / 3, 12);
    expect((await api(`/v1/experiments/${e.id}/end`, { key, method: 'POST' })).json.status).toBe('completed');
  });

  it('answer a taken name with 409 and bad input with the field at fault', async () => {
    const { key } = await makeProject();
    const e = await experiment(key, 'taken');
    const dup = await api('/v1/experiments', { key, method: 'POST', body: { name: 'taken', dataset_id: 'ds_support' } });
    expect(dup.status).toBe(409);
    const bad = await api('/v1/experiments', { key, method: 'POST', body: { name: 'x', dataset_id: 'd', repetitions: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('repetitions');
    const rep = await api(`/v1/experiments/${e.id}/runs`, { key, method: 'POST', body: { runs: [{ example_id: 'e1', repetition: 1 }] } });
    expect(rep.status).toBe(400);
    expect(rep.json.error.path).toBe('runs[0].repetition');
  });

  it('compare a candidate with its baseline, regressions first, and refuse experiments of different datasets', async () => {
    const { key } = await makeProject();
    const base = await experiment(key, 'v1');
    const cand = await experiment(key, 'v2');
    await post(key, base.id, runsOf({ e1: 1, e2: 0, e3: 1, e4: 1 }));
    await post(key, cand.id, runsOf({ e1: 1, e2: 1, e3: 0, e4: null }));
    const c = await api(`/v1/experiments/compare?ids=${base.id},${cand.name}`, { key });
    expect(c.status).toBe(200);
    const [cmp] = c.json.comparisons;
    expect(cmp).toMatchObject({ baseline: base.id, candidate: cand.id, shared: 4, same_version: true, counts: { regressed: 1, errored: 1, improved: 1, unchanged: 1, missing: 0 } });
    expect(cmp.examples.map((e: any) => [e.exampleId, e.status])).toEqual([
      ['e3', 'regressed'],
      ['e4', 'errored'],
      ['e2', 'improved'],
      ['e1', 'unchanged'],
    ]);
    expect(cmp.metrics[0].mcnemar).toEqual({ improved: 1, regressed: 1, p: 1 });
    const other = await api('/v1/experiments', { key, method: 'POST', body: { name: 'elsewhere', dataset_id: 'ds_other' } });
    const diff = await api(`/v1/experiments/compare?ids=${base.id},${other.json.id}`, { key });
    expect(diff.status).toBe(400);
    expect(diff.json.error.message).toMatch(/different datasets/);
  });

  it('page the compared examples (by status, by id) while the metrics cover them all, and show a re-score at once', async () => {
    const { key } = await makeProject();
    const base = await experiment(key, 'p1');
    const cand = await experiment(key, 'p2');
    const ids = Array.from({ length: 7 }, (_, i) => `x${i}`);
    await post(key, base.id, runsOf(Object.fromEntries(ids.map((id) => [id, 1]))));
    await post(key, cand.id, runsOf(Object.fromEntries(ids.map((id, i) => [id, i < 3 ? 0 : 1]))));
    const first = (await api(`/v1/experiments/compare?ids=${base.id},${cand.id}&examples_limit=2`, { key })).json.comparisons[0];
    expect(first).toMatchObject({ shared: 7, examples_total: 7, next_offset: 2, counts: { regressed: 3, unchanged: 4 } });
    expect(first.examples.map((e: any) => e.status)).toEqual(['regressed', 'regressed']);
    expect(first.metrics[0].candidate.examples).toBe(7);
    const last = (await api(`/v1/experiments/compare?ids=${base.id},${cand.id}&status=unchanged&examples_limit=3&examples_offset=3`, { key })).json.comparisons[0];
    expect(last).toMatchObject({ examples_total: 4, next_offset: null });
    expect(last.examples.map((e: any) => e.status)).toEqual(['unchanged']);
    const one = (await api(`/v1/experiments/compare?ids=${base.id},${cand.id}&example_id=x5`, { key })).json.comparisons[0];
    expect(one.examples.map((e: any) => [e.exampleId, e.status])).toEqual([['x5', 'unchanged']]);
    expect((await api(`/v1/experiments/compare?ids=${base.id},${cand.id}&status=worse`, { key })).status).toBe(400);
    // Read again after the candidate's runs are re-scored: the comparison reflects the new scores.
    await post(key, cand.id, runsOf({ x0: 1, x1: 1 }));
    const again = (await api(`/v1/experiments/compare?ids=${base.id},${cand.id}`, { key })).json.comparisons[0];
    expect(again.counts).toMatchObject({ regressed: 1, unchanged: 6 });
  });

  it('compare different dataset versions on the examples both ran', async () => {
    const { key } = await makeProject();
    const base = await experiment(key, 'old', { dataset_version: 1 });
    const cand = await experiment(key, 'new', { dataset_version: 2 });
    await post(key, base.id, runsOf({ e1: 1, e2: 0, dropped: 1 }));
    await post(key, cand.id, runsOf({ e1: 1, e2: 1, added: 0 }));
    const [cmp] = (await api(`/v1/experiments/compare?ids=${base.id},${cand.id}`, { key })).json.comparisons;
    expect(cmp).toMatchObject({ shared: 2, same_version: false, counts: { improved: 1, unchanged: 1, missing: 0 } });
  });

  it('gate against the pinned baseline; a failing candidate can never be pinned', async () => {
    const { key } = await makeProject();
    const base = await experiment(key, 'release-1');
    const good = await experiment(key, 'release-2');
    const bad = await experiment(key, 'release-3');
    const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
    await post(key, base.id, runsOf(Object.fromEntries(ids.map((id, i) => [id, i < 3 ? 1 : 0]))));
    await post(key, good.id, runsOf(Object.fromEntries(ids.map((id, i) => [id, i < 5 ? 1 : 0]))));
    await post(key, bad.id, runsOf(Object.fromEntries(ids.filter((id) => id !== 'e6').map((id) => [id, 0]))));

    const none = await api(`/v1/experiments/${good.id}/gate`, { key, method: 'POST', body: {} });
    expect(none.status).toBe(400);
    expect(none.json.error.path).toBe('baseline');
    expect((await api(`/v1/experiments/${base.id}/baseline`, { key, method: 'POST' })).json.baseline).toBe(true);

    const pass = await api(`/v1/experiments/${good.id}/gate`, { key, method: 'POST', body: { max_regressions: 0 } });
    expect(pass.json).toMatchObject({ pass: true, baseline: base.id, reasons: [] });
    const fail = await api(`/v1/experiments/${bad.id}/gate`, { key, method: 'POST', body: { max_regressions: 0 } });
    expect(fail.json).toMatchObject({ pass: false, missing: ['e6'], regressed: ['e1', 'e2', 'e3'] });
    const pin = await api(`/v1/experiments/${bad.id}/baseline`, { key, method: 'POST' });
    expect(pin.status).toBe(409);
    const usage = await api(`/v1/experiments/${good.id}/gate`, { key, method: 'POST', body: { confidence: 95 } });
    expect(usage.status).toBe(400);
    expect(usage.json.error.path).toBe('confidence');
    expect((await api(`/v1/experiments/${good.id}/baseline`, { key, method: 'POST' })).json.baseline).toBe(true);
    expect((await api(`/v1/experiments?dataset_id=ds_support`, { key })).json.experiments.filter((e: any) => e.baseline).map((e: any) => e.name)).toEqual(['release-2']);
  });

  it("are invisible to another project's key", async () => {
    const { key } = await makeProject('a');
    const { key: other } = await makeProject('b');
    const a = await experiment(key, 'mine');
    const b = await experiment(key, 'mine-2');
    await post(key, a.id, runsOf({ e1: 1 }));
    for (const [path, method, body] of [
      [`/v1/experiments/${a.id}`, 'GET'],
      [`/v1/experiments/${a.id}/runs`, 'GET'],
      [`/v1/experiments/${a.id}/runs`, 'POST', { runs: runsOf({ e1: 0 }) }],
      [`/v1/experiments/${a.id}/gate`, 'POST', { baseline: b.id }],
      [`/v1/experiments/${a.id}/baseline`, 'POST'],
      [`/v1/experiments/${a.id}/end`, 'POST'],
      [`/v1/experiments/compare?ids=${a.id},${b.id}`, 'GET'],
    ] as [string, string, unknown?][]) {
      expect((await api(path, { key: other, method, body })).status, `${method} ${path}`).toBe(404);
    }
    expect((await api('/v1/experiments', { key: other })).json.experiments).toEqual([]);
    const readOnly = await makeKey((await makeProject('c')).projectId, ['read']);
    expect((await api('/v1/experiments', { key: readOnly, method: 'POST', body: { name: 'x', dataset_id: 'd' } })).status).toBe(403);
  });

  it('appear in the OpenAPI document', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    for (const p of ['/v1/experiments', '/v1/experiments/compare', '/v1/experiments/{id}', '/v1/experiments/{id}/runs', '/v1/experiments/{id}/gate', '/v1/experiments/{id}/baseline']) expect(doc.paths[p], p).toBeDefined();
  });
});

describe('the experiments MCP tools', () => {
  it('list experiments and compare a candidate with its baseline, regressions first', async () => {
    const { exports } = await import('cloudflare:workers');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const { key } = await makeProject('mcp-exp');
    const base = await experiment(key, 'mcp-base');
    const cand = await experiment(key, 'mcp-cand');
    await post(key, base.id, runsOf({ e1: 1, e2: 1, e3: 0 }));
    await post(key, cand.id, runsOf({ e1: 0, e2: 1, e3: 1 }));
    const transport = new StreamableHTTPClientTransport(new URL('http://loupe.test/mcp'), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    });
    const client = new Client({ name: 'loupe-test', version: '1.0.0' });
    await client.connect(transport);
    const textOf = (r: any) => r.content[0].text as string;
    expect(textOf(await client.callTool({ name: 'list_experiments', arguments: {} }))).toContain('| mcp-cand |');
    const cmp = textOf(await client.callTool({ name: 'compare_experiments', arguments: { baseline: 'mcp-base', candidates: ['mcp-cand'] } }));
    expect(cmp).toContain('3 shared example(s)');
    expect(cmp.split('\n').filter((l) => l.startsWith('| [e'))[0]).toMatch(/^\| \[e1\].*\| regressed \|/);
    const missing = await client.callTool({ name: 'compare_experiments', arguments: { baseline: 'mcp-base', candidates: ['nope'] } });
    expect(missing.isError).toBe(true);
    await client.close();
  });
});

describe('the trajectory diff of one example', () => {
  it("aligns the two runs' tool calls from their traces and diffs the outputs", async () => {
    const { key } = await makeProject('diff');
    const base = await experiment(key, 'diff-base');
    const cand = await experiment(key, 'diff-cand');
    const trace = (id: string, calls: [string, unknown][]) => ({
      spans: [
        { id: 'root', trace_id: id, name: 'agent', kind: 'agent', start_time: '2026-01-01T00:00:00.000Z', end_time: '2026-01-01T00:00:10.000Z' },
        ...calls.map(([name, input], i) => ({ id: `t${i}`, parent_id: 'root', trace_id: id, name, kind: 'tool', input, start_time: `2026-01-01T00:00:0${i + 1}.000Z`, end_time: `2026-01-01T00:00:0${i + 1}.500Z` })),
      ],
    });
    expect((await api('/v1/spans', { key, body: trace('tr-base', [['get_order', { id: 1 }], ['refund', { id: 1, amount: 10 }]]) })).status).toBe(202);
    expect((await api('/v1/spans', { key, body: trace('tr-cand', [['get_order', { id: 1 }], ['get_user', { id: 'u' }], ['refund', { id: 1, amount: 12 }]]) })).status).toBe(202);
    await waitForTrace(key, 'tr-base', 3);
    await waitForTrace(key, 'tr-cand', 4);
    await post(key, base.id, [{ example_id: 'e1', trace_id: 'tr-base', output: { answer: 'refunded 10' }, scores: { correct: 1 } }]);
    await post(key, cand.id, [{ example_id: 'e1', trace_id: 'tr-cand', output: { answer: 'refunded 12' }, scores: { correct: 0 } }]);
    const r = await api(`/v1/experiments/compare/diff?baseline=${base.id}&candidate=${cand.id}&example_id=e1`, { key });
    expect(r.status).toBe(200);
    expect(r.json.diff.steps.map((s: any) => s.op)).toEqual(['same', 'added', 'changed']);
    expect(r.json.diff.firstDivergence).toBe(1);
    expect(r.json.diff.steps[2].args).toEqual([{ path: 'amount', kind: 'changed', a: 10, b: 12 }]);
    expect(r.json.diff.outputEqual).toBe(false);
    expect(r.json.candidate.scores).toEqual({ correct: 0 });
    const missing = await api(`/v1/experiments/compare/diff?baseline=${base.id}&candidate=${cand.id}&example_id=nope`, { key });
    expect(missing.status).toBe(404);
    const { key: other } = await makeProject('diff-other');
    expect((await api(`/v1/experiments/compare/diff?baseline=${base.id}&candidate=${cand.id}&example_id=e1`, { key: other })).status).toBe(404);
  });
});

describe('experiments over a Loupe dataset', () => {
  it('pin the latest version, count examples never run as missing, and never let a pinned example regress', async () => {
    const { key } = await makeProject('with-dataset');
    const ds = await api('/v1/datasets', { key, method: 'POST', body: { name: 'support-cases' } });
    expect(ds.status).toBe(201);
    const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
    const added = await api('/v1/datasets/support-cases/examples', {
      key,
      method: 'POST',
      body: { examples: ids.map((id, i) => ({ id, inputs: { q: `case ${i}` }, outputs: { a: i }, tags: i === 0 ? ['pinned'] : [] })) },
    });
    expect(added.status).toBe(201);
    const base = await api('/v1/experiments', { key, method: 'POST', body: { name: 'ds-base', dataset_id: 'support-cases' } });
    expect(base.json).toMatchObject({ dataset_id: ds.json.id, dataset_version: added.json.version });
    const cand = (await api('/v1/experiments', { key, method: 'POST', body: { name: 'ds-cand', dataset_id: ds.json.id } })).json;
    const unknown = await api('/v1/experiments', { key, method: 'POST', body: { name: 'ds-x', dataset_id: 'support-cases', dataset_version: 99 } });
    expect(unknown.status).toBe(404);
    await post(key, base.json.id, runsOf(Object.fromEntries(ids.map((id) => [id, 1]))));
    // The candidate breaks the pinned case and never runs the last one.
    await post(key, cand.id, runsOf(Object.fromEntries(ids.slice(0, 4).map((id, i) => [id, i === 0 ? 0 : 1]))));
    const [cmp] = (await api(`/v1/experiments/compare?ids=ds-base,ds-cand`, { key })).json.comparisons;
    expect(cmp).toMatchObject({ shared: 5, counts: { regressed: 1, missing: 1, unchanged: 3 } });
    const g = await api(`/v1/experiments/ds-cand/gate`, { key, method: 'POST', body: { baseline: 'ds-base', max_regressions: 10 } });
    expect(g.json).toMatchObject({ pass: false, missing: [ids[4]], pinned_regressed: [ids[0]] });
  });
});
