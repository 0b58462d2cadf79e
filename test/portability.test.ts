/**
 * Export, import and rebuild from R2: a project exported and imported into another ends
 * equal (traces, spans, payloads, feedback, evaluators, datasets, experiments); bad lines
 * are reported and skipped while good ones are stored; re-importing adds nothing; an
 * export never carries another project's data; and a rebuild of the D1 index from the R2
 * log ends equal to the index it replaced.
 */
import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject, span, waitForTrace } from './helpers.ts';
import { createEvaluator, waitForRun } from './evals-helpers.ts';
import { PORTABLE_TABLES } from '../workers/portability/tables.ts';
import { controlDb, dbFor } from '../workers/platform/db.ts';

/** Every index and user row of a project, without project_id and the index time (`updated_at` on spans/traces is when the indexer ran, which no replay can reproduce). */
async function dump(projectId: string, opts: { refs?: boolean } = {}) {
  const out: Record<string, unknown[]> = {};
  for (const t of PORTABLE_TABLES) {
    const cols = t.columns.map((c) => `"${c}"`).join(', ');
    out[t.name] = (await dbFor(env, projectId).prepare(`SELECT ${cols} FROM "${t.name}" WHERE project_id = ?1 ORDER BY ${cols}`).bind(projectId).all()).results;
  }
  const spanCols = 'trace_id, span_id, parent_id, name, kind, status, error, start_time, end_time, duration_ms, model, input_tokens, output_tokens, total_tokens, cost_usd, tags, metadata, environment, release, session_id, user_id, input_preview, output_preview';
  out.spans = (await dbFor(env, projectId).prepare(`SELECT ${spanCols}${opts.refs ? ', input_ref, output_ref' : ''} FROM spans WHERE project_id = ?1 ORDER BY trace_id, span_id`).bind(projectId).all()).results;
  const traceCols = 'trace_id, root_span_id, name, start_time, end_time, duration_ms, span_count, input_tokens, output_tokens, total_tokens, cost_usd, has_error, root_ended, environment, release, session_id, user_id, tags, metadata, input_preview, output_preview';
  out.traces = (await dbFor(env, projectId).prepare(`SELECT ${traceCols} FROM traces WHERE project_id = ?1 ORDER BY trace_id`).bind(projectId).all()).results;
  return out;
}

/** Which spans (and which side: 0 name+input, 1 output+error) the full-text index finds for `word` in a project. */
async function ftsMatches(projectId: string, word: string) {
  const { results } = await dbFor(env, projectId).prepare(
    `SELECT s.trace_id, s.span_id, f.rowid % 2 AS side FROM spans_fts f JOIN spans s ON s.rowid = f.rowid / 2 WHERE spans_fts MATCH ?2 AND s.project_id = ?1 ORDER BY 1, 2, 3`,
  )
    .bind(projectId, word)
    .all();
  return results;
}

const count = async (projectId: string) => (await dbFor(env, projectId).prepare('SELECT count(*) AS n FROM spans WHERE project_id = ?1').bind(projectId).first<{ n: number }>())!.n;

const WORDS = ['refund', 'flight', 'ok', 'tool', 'boarding', 'apology'];

/** A project with traces (a span posted at its start and again at its end), feedback, an evaluator, a dataset with examples and an experiment. */
async function seed(name: string, marker: string) {
  const p = await makeProject(name);
  const spans = [
    span('root', `${marker}-t1`, { kind: 'agent', input: { question: `refund for flight ${marker}?` }, tags: ['a'], metadata: { tier: 'gold' }, user_id: 'u1', session_id: 's1' }),
    span('llm', `${marker}-t1`, { parent_id: 'root', kind: 'llm', model: 'gpt-x', input: [{ role: 'user', content: 'boarding pass' }], usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.001 } }),
    span('root', `${marker}-t2`, { kind: 'agent', input: 'tool call please', status: 'error', error: 'boom' }),
  ];
  expect((await api('/v1/spans', { key: p.key, body: { spans } })).status).toBe(202);
  // The end of the same spans in a later batch: merged into the rows above.
  const ends = [
    { id: 'root', trace_id: `${marker}-t1`, end_time: '2026-01-01T00:00:02.000Z', output: { answer: `ok ${marker}` }, status: 'ok', tags: ['b'], metadata: { region: 'eu' } },
    { id: 'llm', trace_id: `${marker}-t1`, end_time: '2026-01-01T00:00:01.000Z', output: 'an apology' },
  ];
  expect((await api('/v1/spans', { key: p.key, body: { spans: ends } })).status).toBe(202);
  await eventually(async () => {
    const t = await waitForTrace(p.key, `${marker}-t1`, 2);
    if (!t.spans.every((s: any) => s.end_time)) throw new Error('ends not indexed yet');
  });
  await waitForTrace(p.key, `${marker}-t2`, 1);
  expect((await api('/v1/feedback', { key: p.key, body: { trace_id: `${marker}-t1`, key: 'thumbs', score: 1, comment: `fine ${marker}` } })).status).toBeLessThan(300);
  await createEvaluator(p.key, { name: `short ${marker}`, key: 'short', config: { type: 'code', check: 'length', max: 100 } });
  const ds = await api('/v1/datasets', { key: p.key, body: { name: `ds-${marker}` } });
  expect(ds.status).toBe(201);
  expect((await api(`/v1/datasets/${ds.json.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: `refund ${marker}` }, outputs: { a: 'yes' } }, { inputs: { q: 'two' } }] } })).status).toBeLessThan(300);
  expect((await api('/v1/experiments', { key: p.key, body: { name: `exp-${marker}`, dataset_id: ds.json.id, candidate: { name: 'agent' } } })).status).toBeLessThan(300);
  return p;
}

async function exportOf(key: string) {
  const res = await api('/v1/export', { key });
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/x-ndjson');
  return res.text;
}

async function importInto(key: string, body: string, firstLine?: number) {
  const res = await api(`/v1/import${firstLine ? `?first_line=${firstLine}` : ''}`, { key, body, headers: { 'content-type': 'application/x-ndjson' } });
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  return res.json;
}

async function r2Keys(projectId: string) {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.BLOBS.list({ prefix: `spans/${projectId}/`, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

describe('export and import', () => {
  it('a project exported and imported into a new project ends equal: traces, spans, payloads, feedback, evaluators, datasets, experiments', async () => {
    const source = await seed('source', 'src');
    const text = await exportOf(source.key);
    const records = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0]).toMatchObject({ type: 'loupe_export', version: 1, project: { id: source.projectId } });
    expect(records.at(-1)).toEqual({ type: 'end', records: records.length - 1 });
    const types = new Set(records.map((r) => r.type));
    for (const t of ['span', 'feedback', 'evaluators', 'evaluator_versions', 'datasets', 'dataset_versions', 'dataset_example_revisions', 'experiments']) expect(types, t).toContain(t);

    const target = await makeProject('target');
    const result = await importInto(target.key, text);
    expect(result).toMatchObject({ skipped: 0, errors: [], spans: 5 });
    await eventually(async () => expect(await count(target.projectId)).toBe(3));
    const expected = await dump(source.projectId);
    for (const [table, n] of Object.entries({ spans: 3, traces: 2, feedback: 1, evaluators: 1, evaluator_versions: 1, datasets: 1, dataset_example_revisions: 2, experiments: 1 })) expect(expected[table].length, table).toBe(n);
    await eventually(async () => expect(await dump(target.projectId)).toEqual(expected));
    // Payloads read back through the API are the same, byte for byte.
    for (const id of ['src-t1', 'src-t2']) {
      const a = await waitForTrace(source.key, id);
      const b = await waitForTrace(target.key, id);
      expect(b.spans).toEqual(a.spans);
    }
    for (const w of WORDS) expect((await ftsMatches(target.projectId, w)).length, w).toBe((await ftsMatches(source.projectId, w)).length);
    expect((await api(`/v1/spans?q=${encodeURIComponent('"boarding"')}`, { key: target.key })).status).toBe(200);
  });

  it('importing the same file again adds nothing: no rows, no spans, no R2 objects', async () => {
    const source = await seed('src2', 'again');
    const text = await exportOf(source.key);
    const target = await makeProject('target2');
    await importInto(target.key, text);
    await eventually(async () => expect(await dump(target.projectId)).toEqual(await dump(source.projectId)));
    const keys = await r2Keys(target.projectId);
    await importInto(target.key, text);
    // Give the queue time to index the rewritten batches; then nothing has changed.
    await eventually(async () => {
      const { n } = (await controlDb(env).prepare('SELECT count(*) AS n FROM ingest_batches WHERE project_id = ?1').bind(target.projectId).first<{ n: number }>())!;
      expect(n).toBe(0);
    });
    expect(await r2Keys(target.projectId)).toEqual(keys);
    expect(await dump(target.projectId)).toEqual(await dump(source.projectId));
  });

  it('an import file with bad lines reports each (line, field, reason) and stores the good lines whole', async () => {
    const target = await makeProject('bad-lines');
    const good = (id: string) => JSON.stringify({ type: 'feedback', row: { id, trace_id: 'tr', key: 'thumbs', score: 1, source: 'api', created_at: 1, updated_at: 1 } });
    const lines = [
      JSON.stringify({ type: 'loupe_export', version: 1 }),
      good('f1'),
      '{not json',
      JSON.stringify({ type: 'nonsense', row: {} }),
      JSON.stringify({ type: 'feedback', row: { id: 'f2', trace_id: 'tr', key: 'k', bogus: 1, created_at: 1, updated_at: 1 } }),
      JSON.stringify({ type: 'feedback', row: { id: 'f3', key: 'k', source: 'api', created_at: 1, updated_at: 1 } }),
      JSON.stringify({ type: 'span', batch: '2026/01/01/00/abc-def.ndjson', span: { id: 'has space', trace_id: 't' } }),
      JSON.stringify({ type: 'span', batch: '../elsewhere.ndjson', span: { id: 's', trace_id: 't' } }),
      JSON.stringify({ type: 'span', batch: '2026/01/01/00/abc-def.ndjson', span: { id: 's1', trace_id: 'bad-lines-t', name: 'kept', input: 'hello' } }),
      JSON.stringify({ type: 'feedback', row: { id: 'f4', trace_id: 'tr', key: 'k', score: { nested: true }, created_at: 1, updated_at: 1 } }),
      good('f5'),
    ];
    const result = await importInto(target.key, lines.join('\n') + '\n');
    expect(result.errors).toEqual([
      { line: 3, field: '', reason: expect.stringContaining('not JSON') },
      { line: 4, field: 'type', reason: "unknown record type 'nonsense'" },
      { line: 5, field: 'row.bogus', reason: 'is not a column of feedback' },
      { line: 7, field: 'span.id', reason: expect.stringContaining('printable ASCII') },
      { line: 8, field: 'batch', reason: expect.stringContaining('source batch path') },
      { line: 10, field: 'row.score', reason: expect.stringContaining('must be a string, number') },
      { line: 6, field: 'row', reason: expect.stringContaining('NOT NULL constraint failed: feedback.trace_id') },
    ]);
    expect(result).toMatchObject({ rows: 2, spans: 1, skipped: 7 });
    const ids = (await dbFor(env, target.projectId).prepare('SELECT id FROM feedback WHERE project_id = ?1 ORDER BY id').bind(target.projectId).all()).results.map((r) => r.id);
    expect(ids).toEqual(['f1', 'f5']);
    const t = await waitForTrace(target.key, 'bad-lines-t');
    expect(t.spans[0]).toMatchObject({ id: 's1', name: 'kept', input: 'hello' });
  });

  it('an export never includes another project\'s data, and secrets are never exported', async () => {
    const mine = await seed('mine', 'mine');
    await seed('theirs', 'theirs');
    const text = await exportOf(mine.key);
    expect(text).toContain('mine-t1');
    expect(text).not.toContain('theirs');
    expect(text).not.toContain(mine.key);
    expect(text).not.toMatch(/key_ciphertext|secret_ciphertext"\s*:\s*"/);
    const other = await makeProject('stranger', ['read', 'ingest']);
    expect((await api('/v1/export', { key: other.key })).status).toBe(403);
    expect((await api('/v1/import', { key: other.key, method: 'POST', body: '{}' })).status).toBe(403);
    expect((await api('/v1/export')).status).toBe(401);
  });

  it('an imported project with an active rule judges nothing twice: its matches and scores came with it', async () => {
    const source = await makeProject('judged');
    const ev = await createEvaluator(source.key, { name: 'one tool', key: 'one_tool', config: { type: 'code', check: 'step_limit', max_tool_calls: 1 } });
    const rule = await api('/v1/rules', { key: source.key, body: { name: 'all', evaluator_ids: [ev.id] } });
    expect(rule.status).toBe(201);
    expect((await api('/v1/spans', { key: source.key, body: { spans: [span('root', 'judged-t', { kind: 'agent', end_time: '2026-01-01T00:00:05Z' })] } })).status).toBe(202);
    await waitForRun(source.key, rule.json.id, 'online', (c) => c.scored === 1);
    const target = await makeProject('judged-copy');
    await importInto(target.key, await exportOf(source.key));
    await waitForTrace(target.key, 'judged-t');
    const pending = async (table: string) => (await (table === 'ingest_batches' ? controlDb(env) : dbFor(env, target.projectId)).prepare(`SELECT count(*) AS n FROM ${table} WHERE project_id = ?1`).bind(target.projectId).first<{ n: number }>())!.n;
    // The ledger clears after the completion signal is recorded; the signal clears once rules have matched.
    await eventually(async () => expect(await pending('ingest_batches')).toBe(0));
    await eventually(async () => expect(await pending('trace_signals')).toBe(0));
    const feedback = (await api('/v1/traces/judged-t', { key: target.key })).json.feedback.filter((f: any) => f.key === 'one_tool');
    expect(feedback).toHaveLength(1);
    const results = (await dbFor(env, target.projectId).prepare('SELECT status FROM eval_results WHERE project_id = ?1').bind(target.projectId).all()).results;
    expect(results).toEqual([{ status: 'scored' }]);
  });

  it('an import naming the wrong project is refused before anything is stored', async () => {
    const target = await makeProject('right-name');
    const line = JSON.stringify({ type: 'feedback', row: { id: 'f1', trace_id: 't', key: 'k', score: 1, source: 'api', created_at: 1, updated_at: 1 } });
    const res = await api('/v1/import?project=wrong-name', { key: target.key, body: line, headers: { 'content-type': 'application/x-ndjson' } });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: 'conflict', path: 'project' });
    expect((await dbFor(env, target.projectId).prepare('SELECT count(*) AS n FROM feedback WHERE project_id = ?1').bind(target.projectId).first<{ n: number }>())!.n).toBe(0);
    expect((await importInto(target.key, line + '\n', undefined)).rows).toBe(1);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/export', '/v1/import', '/v1/operator/rebuild']));
    expect(doc.paths['/v1/import'].post.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['first_line', 'project']));
  });
});

describe('rebuild from R2', () => {
  const operator = { authorization: 'Bearer test-setup-secret' };
  const step = (body: unknown, headers: Record<string, string> = operator) => api('/v1/operator/rebuild', { body, headers });

  it("wiping a project's index and rebuilding it from R2 ends equal to the index it replaced; other projects are untouched", async () => {
    const p = await seed('rebuild', 'rb');
    const bystander = await seed('bystander', 'by');
    const before = await dump(p.projectId, { refs: true });
    const fts = await Promise.all(WORDS.map((w) => ftsMatches(p.projectId, w)));
    const bystanderBefore = await dump(bystander.projectId, { refs: true });

    let cursor: string | null = null;
    let phase = 'wipe';
    let spans = 0;
    for (let i = 0; i < 100; i++) {
      const res = await step({ project_id: p.projectId, cursor });
      expect(res.status, res.text).toBe(200);
      if (phase === 'wipe' && res.json.phase === 'wipe' && res.json.cursor && JSON.parse(atob(res.json.cursor)).phase === 'index') {
        // The wipe is done: nothing of the index is left before indexing starts.
        expect(await count(p.projectId)).toBe(0);
        expect((await dbFor(env, p.projectId).prepare('SELECT count(*) AS n FROM traces WHERE project_id = ?1').bind(p.projectId).first<{ n: number }>())!.n).toBe(0);
        for (const w of WORDS) expect(await ftsMatches(p.projectId, w)).toEqual([]);
        phase = 'index';
      }
      spans += res.json.spans;
      cursor = res.json.cursor;
      if (res.json.done) break;
    }
    expect(phase).toBe('index');
    expect(cursor).toBeNull();
    expect(spans).toBe(5);
    expect(await dump(p.projectId, { refs: true })).toEqual(before);
    expect(await Promise.all(WORDS.map((w) => ftsMatches(p.projectId, w)))).toEqual(fts);
    expect(await dump(bystander.projectId, { refs: true })).toEqual(bystanderBefore);
  });

  it('needs the operator secret, a known project and a cursor it made', async () => {
    const p = await makeProject('rb-auth');
    expect((await step({ project_id: p.projectId }, { authorization: `Bearer ${p.key}` })).status).toBe(401);
    expect((await step({ project_id: 'nope' })).status).toBe(404);
    const bad = await step({ project_id: p.projectId, cursor: 'garbage' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('cursor');
  });
});
