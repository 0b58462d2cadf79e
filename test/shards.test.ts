/**
 * D1 shards: projects on three local D1 databases (DB, DB_SHARD_1, DB_SHARD_2), every read
 * path answering from the project's own shard, a key of one project never reading another
 * project's rows on another shard, placement on the least-full shard, and what a project
 * sees while it is moved or its shard is full.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, eventually, makeProject, span, waitForTrace } from './helpers.ts';
import { forgetShardCache } from '../workers/platform/db.ts';
import { placeNewProject } from '../workers/platform/shard-placement.ts';
import { MOVED_TABLES } from '../workers/portability/shard-move.ts';

const OPERATOR = { authorization: 'Bearer test-setup-secret' };

/** Every moved table's rows of `projectId` on `shard`, in key order: what "byte-equal" compares. */
async function snapshot(shard: Shard, projectId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of MOVED_TABLES) {
    const cols = t.columns.map((c) => `"${c}"`).join(', ');
    out[t.name] = (await shardDb(shard).prepare(`SELECT ${cols} FROM "${t.name}" WHERE project_id = ? ORDER BY ${t.key.map((k) => `"${k}"`).join(', ')}`).bind(projectId).all()).results;
  }
  return out;
}

/** FTS entries of the project's spans on `shard`. */
async function searchEntries(shard: Shard, projectId: string): Promise<number> {
  const row = await shardDb(shard)
    .prepare('SELECT count(*) AS n FROM spans_fts WHERE rowid IN (SELECT rowid * 2 FROM spans WHERE project_id = ?1 UNION ALL SELECT rowid * 2 + 1 FROM spans WHERE project_id = ?1)')
    .bind(projectId)
    .first<{ n: number }>();
  return row!.n;
}

/** A project with several batches (a span posted at start, then at end), feedback and a dataset. */
async function richProject(shard: Shard, name: string) {
  const p = await projectOn(shard, name);
  for (let b = 0; b < 4; b++) {
    const spans = Array.from({ length: 5 }, (_, i) =>
      span(`s${b}-${i}`, `t${b}`, { kind: i ? 'llm' : 'agent', parent_id: i ? `s${b}-0` : null, input: `question ${b} ${i} refund-${name}`, model: 'gpt-4o', environment: 'production', tags: [`batch${b}`] }),
    );
    expect((await api('/v1/spans', { key: p.key, body: { spans } })).status).toBe(202);
    await waitForTrace(p.key, `t${b}`, 5);
  }
  // The end of every span in a later batch: merges into the rows, adds output-side FTS entries.
  const ends = Array.from({ length: 4 }, (_, b) => Array.from({ length: 5 }, (_, i) => ({ id: `s${b}-${i}`, trace_id: `t${b}`, end_time: '2026-01-01T00:00:03.000Z', output: `answer ${b} ${i} rebooked` }))).flat();
  expect((await api('/v1/spans', { key: p.key, body: { spans: ends } })).status).toBe(202);
  await eventually(async () => expect((await api('/v1/traces?q=rebooked', { key: p.key })).json.traces).toHaveLength(4));
  for (let b = 0; b < 4; b++) expect((await api('/v1/feedback', { key: p.key, body: { trace_id: `t${b}`, key: 'thumbs', score: b % 2, comment: `c${b}` } })).status).toBeLessThan(300);
  expect((await api('/v1/datasets', { key: p.key, body: { name: `golden-${name}` } })).status).toBe(201);
  // Let the trace-completed signals be delivered (they leave the ledger then): a snapshot
  // taken now stays what the project holds, so before/after compare only the move's work.
  await eventually(async () => expect(Object.values(await rowsPerShard('trace_signals', p.projectId))).toEqual([0, 0, 0]), 20_000);
  return p;
}

/** What a reader of the project sees: list, detail, search, feedback keys. */
async function reads(key: string): Promise<string> {
  const parts = await Promise.all([
    api('/v1/traces?limit=50', { key }),
    api('/v1/traces/t2', { key }),
    api('/v1/traces?q=rebooked', { key }),
    api('/v1/traces?q=refund', { key }),
    api('/v1/feedback/keys', { key }),
    api('/v1/datasets', { key }),
  ]);
  return JSON.stringify(parts.map((r) => [r.status, r.json]));
}

async function startMove(projectId: string, to: string) {
  return api('/v1/admin/shards/moves', { headers: OPERATOR, body: { project_id: projectId, to } });
}

async function step(moveId: string, budget_ms = 0) {
  const res = await api(`/v1/admin/shards/moves/${moveId}/step`, { headers: OPERATOR, body: { budget_ms } });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

const SHARDS = ['DB', 'DB_SHARD_1', 'DB_SHARD_2'] as const;
type Shard = (typeof SHARDS)[number];
const shardDb = (name: Shard): D1Database => (env as unknown as Record<Shard, D1Database>)[name];

/** A project with a key, living on `shard`. */
async function projectOn(shard: Shard, name: string) {
  const p = await makeProject(name);
  await env.DB.prepare('UPDATE projects SET shard = ? WHERE id = ?').bind(shard, p.projectId).run();
  forgetShardCache(p.projectId);
  return p;
}

/** Rows of `table` for `projectId` on each shard. */
async function rowsPerShard(table: string, projectId: string): Promise<Record<Shard, number>> {
  const out = {} as Record<Shard, number>;
  for (const s of SHARDS) out[s] = (await shardDb(s).prepare(`SELECT count(*) AS n FROM ${table} WHERE project_id = ?`).bind(projectId).first<{ n: number }>())!.n;
  return out;
}

/** The same trace ids and texts in every project, so a leak across shards would show. */
async function seed(key: string, word: string) {
  const spans = [
    span('root', 'shared-trace', { kind: 'agent', input: `refund for ${word}`, output: `done ${word}`, end_time: '2026-01-01T00:00:02.000Z', environment: 'production', tags: [word] }),
    span('llm', 'shared-trace', { parent_id: 'root', kind: 'llm', model: 'gpt-4o', input: `ask ${word}`, output: `answer ${word}`, end_time: '2026-01-01T00:00:01.000Z', usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.001 } }),
  ];
  expect((await api('/v1/spans', { key, body: { spans } })).status).toBe(202);
  expect((await api('/v1/feedback', { key, body: { trace_id: 'shared-trace', key: `thumbs_${word}`, score: 1 } })).status).toBeLessThan(300);
  await waitForTrace(key, 'shared-trace', 2);
}

beforeEach(async () => {
  // Capacities are per test: a full shard from one test must not refuse the next test's writes.
  await env.DB.prepare('DELETE FROM shards').run();
  forgetShardCache();
});

describe('D1 shards', () => {
  it('every read path answers from the project\'s own shard, and never another project\'s', async () => {
    const projects = [await projectOn('DB', 'on-db'), await projectOn('DB_SHARD_1', 'on-shard-1'), await projectOn('DB_SHARD_2', 'on-shard-2')];
    const words = ['alpha', 'bravo', 'charlie'];
    for (const [i, p] of projects.entries()) await seed(p.key, words[i]);

    for (const [i, p] of projects.entries()) {
      const here = SHARDS[i];
      // The rows are on the project's shard and nowhere else.
      for (const table of ['spans', 'traces', 'feedback', 'trace_batches']) {
        const counts = await rowsPerShard(table, p.projectId);
        for (const s of SHARDS) expect(counts[s] > 0, `${table} of ${here} project on ${s}`).toBe(s === here);
      }
      const word = words[i];
      const others = words.filter((w) => w !== word);
      // Traces list, trace detail, search (FTS), tags, feedback, stats: this project's data only.
      const list = await api('/v1/traces', { key: p.key });
      expect(list.json.traces.map((t: any) => t.id)).toEqual(['shared-trace']);
      const tree = (await api('/v1/traces/shared-trace', { key: p.key })).json;
      expect(tree.spans.map((s: any) => s.input).sort()).toEqual([`ask ${word}`, `refund for ${word}`]);
      expect(tree.feedback.map((f: any) => f.key)).toEqual([`thumbs_${word}`]);
      expect((await api(`/v1/traces?q=${word}`, { key: p.key })).json.traces).toHaveLength(1);
      for (const other of others) {
        expect((await api(`/v1/traces?q=${other}`, { key: p.key })).json.traces).toEqual([]);
        expect((await api(`/v1/traces?q=tag%3D${other}`, { key: p.key })).json.traces).toEqual([]);
        expect((await api(`/v1/spans?q=${other}`, { key: p.key })).json.spans).toEqual([]);
      }
      expect((await api('/v1/feedback/keys', { key: p.key })).json.keys.map((k: any) => k.key)).toEqual([`thumbs_${word}`]);
      const stats = await api('/v1/stats/timeseries?since=2025-12-31T00:00:00Z&until=2026-01-02T00:00:00Z&bucket=day', { key: p.key });
      expect(stats.status).toBe(200);
      expect(JSON.stringify(stats.json)).not.toMatch(new RegExp(others.join('|')));
      expect(stats.json.series.flatMap((x: any) => x.points).reduce((n: number, pt: any) => n + pt.trace_count, 0)).toBe(1);
    }
  });

  it('places a new project on the least-full shard of SHARDS_FOR_NEW_PROJECTS', async () => {
    const placing = (list: string) => ({ ...env, SHARDS_FOR_NEW_PROJECTS: list }) as unknown as Env;
    const all = placing('DB,DB_SHARD_1,DB_SHARD_2');
    // Capacities make the fill ratios differ whatever the bytes: DB looks full, DB_SHARD_2 emptiest.
    await env.DB.prepare("INSERT INTO shards (name, capacity, created) VALUES ('DB', 1000, 0), ('DB_SHARD_1', 1e12, 0), ('DB_SHARD_2', 1e15, 0)").run();
    expect(await placeNewProject(all)).toBe('DB_SHARD_2');
    expect(await placeNewProject(placing('DB,DB_SHARD_1'))).toBe('DB_SHARD_1');
    // The test configuration keeps every other test's projects on DB.
    expect(await placeNewProject(env)).toBe('DB');
    // A listed name with no binding is never chosen.
    expect(await placeNewProject(placing('DB,DB_SHARD_9'))).toBe('DB');
  });

  it('a full shard refuses its projects\' writes with 507 shard_full naming it; other shards carry on', async () => {
    const full = await projectOn('DB_SHARD_2', 'full');
    const fine = await projectOn('DB_SHARD_1', 'fine');
    await env.DB.prepare("INSERT INTO shards (name, capacity, created) VALUES ('DB_SHARD_2', 1, 0)").run();
    forgetShardCache();
    const refused = await api('/v1/feedback', { key: full.key, body: { trace_id: 't', key: 'thumbs', score: 1 } });
    expect(refused.status).toBe(507);
    expect(refused.json.error.code).toBe('shard_full');
    expect(refused.json.error.shard).toBe('DB_SHARD_2');
    expect(refused.json.error.message).toMatch(/DB_SHARD_2.*move this project/);
    // Reads still work, and ingest is still acknowledged (R2 is the log; it is indexed once there is room).
    expect((await api('/v1/traces', { key: full.key })).status).toBe(200);
    expect((await api('/v1/spans', { key: full.key, body: { spans: [span('s', 'later')] } })).status).toBe(202);
    // A project on another shard is unaffected.
    expect((await api('/v1/feedback', { key: fine.key, body: { trace_id: 't', key: 'thumbs', score: 1 } })).status).toBeLessThan(300);
    // Room again (a project moved away, or capacity raised): the waiting batch is indexed.
    await env.DB.prepare("DELETE FROM shards WHERE name = 'DB_SHARD_2'").run();
    forgetShardCache();
    await waitForTrace(full.key, 'later');
  });

  it('while a project is moving, API writes answer 503 project_moving, ingest 202, and the batch is indexed after', async () => {
    const p = await projectOn('DB_SHARD_1', 'moving');
    await env.DB.prepare("UPDATE projects SET shard_state = 'moving' WHERE id = ?").bind(p.projectId).run();
    forgetShardCache();
    const refused = await api('/v1/feedback', { key: p.key, body: { trace_id: 't', key: 'thumbs', score: 1 } });
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe('project_moving');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api('/v1/spans', { key: p.key, body: { spans: [span('s', 'during-move')] } })).status).toBe(202);
    expect((await api('/v1/traces', { key: p.key })).status).toBe(200);
    // The ledger keeps the batch while it waits.
    const ledger = await env.DB.prepare('SELECT count(*) AS n FROM ingest_batches WHERE project_id = ?').bind(p.projectId).first<{ n: number }>();
    expect(ledger!.n).toBe(1);
    await env.DB.prepare("UPDATE projects SET shard_state = 'active' WHERE id = ?").bind(p.projectId).run();
    await waitForTrace(p.key, 'during-move');
    await eventually(async () => {
      const n = await env.DB.prepare('SELECT count(*) AS n FROM ingest_batches WHERE project_id = ?').bind(p.projectId).first<{ n: number }>();
      expect(n!.n).toBe(0);
    });
  });

  it('a project routed to a shard this deployment does not bind fails clearly', async () => {
    const p = await projectOn('DB', 'unbound');
    await env.DB.prepare("UPDATE projects SET shard = 'DB_SHARD_9' WHERE id = ?").bind(p.projectId).run();
    forgetShardCache();
    const res = await api('/v1/traces', { key: p.key });
    expect(res.status).toBe(500);
    expect(res.json.error.code).toBe('project_not_routed');
    expect(res.json.error.message).toMatch(/DB_SHARD_9/);
  });

  it('a move ends byte-equal: every table\'s rows on the new shard, none left on the old', async () => {
    const p = await richProject('DB_SHARD_1', 'mover');
    const before = await snapshot('DB_SHARD_1', p.projectId);
    const ftsBefore = await searchEntries('DB_SHARD_1', p.projectId);
    const readsBefore = await reads(p.key);
    expect(before.spans).toHaveLength(20);
    expect(ftsBefore).toBe(40);
    // Project settings name the shard (the Retention section shows it).
    expect((await api('/v1/retention', { key: p.key })).json.shard).toMatchObject({ name: 'DB_SHARD_1', moving: false, capacity_bytes: expect.any(Number) });

    const started = await startMove(p.projectId, 'DB_SHARD_2');
    expect(started.status, started.text).toBe(200);
    let move = started.json;
    while (move.state === 'running') move = await step(move.id, 5_000);
    expect(move.state, move.error).toBe('done');
    expect(move.counts.spans.verified).toBe(20);
    expect(move.counts.spans_fts.verified).toBe(40);

    const moved = await snapshot('DB_SHARD_2', p.projectId);
    for (const table of Object.keys(before)) expect(moved[table], table).toEqual(before[table]);
    expect(await searchEntries('DB_SHARD_2', p.projectId)).toBe(ftsBefore);
    const after = await snapshot('DB_SHARD_1', p.projectId);
    for (const [table, rows] of Object.entries(after)) expect(rows, table).toEqual([]);
    expect(await searchEntries('DB_SHARD_1', p.projectId)).toBe(0);
    forgetShardCache();
    expect(await reads(p.key)).toBe(readsBefore);
    const status = await api(`/v1/admin/shards/projects/${p.projectId}`, { headers: OPERATOR });
    expect(status.json).toMatchObject({ shard: 'DB_SHARD_2', shard_state: 'active', moves: [{ id: move.id, state: 'done', from: 'DB_SHARD_1', to: 'DB_SHARD_2' }] });
    expect((await api('/v1/retention', { key: p.key })).json.shard).toMatchObject({ name: 'DB_SHARD_2', moving: false });
    // Writes work again, on the new shard.
    expect((await api('/v1/feedback', { key: p.key, body: { trace_id: 't0', key: 'after_move', score: 1 } })).status).toBeLessThan(300);
    expect((await rowsPerShard('feedback', p.projectId)).DB_SHARD_2).toBe(5);
  });

  it('reads stay correct at every step of a move, while writes wait with 503', async () => {
    const p = await richProject('DB', 'reader');
    const baseline = await reads(p.key);
    let move = (await startMove(p.projectId, 'DB_SHARD_1')).json;
    let steps = 0;
    let differing = 0;
    let refusedWrites = 0;
    while (move.state === 'running') {
      move = await step(move.id, 0); // one unit of work per call: a read after every chunk
      steps++;
      const seen = await reads(p.key);
      if (seen !== baseline) {
        differing++;
        if (differing === 1) console.log(`reads differ at step ${move.step}:\n${seen.slice(0, 3000)}\nbaseline:\n${baseline.slice(0, 3000)}`);
      }
      // A write the reads above do not show (the retention setting, left at its default).
      const write = await api('/v1/retention', { key: p.key, method: 'PUT', body: { days: 'forever' } });
      if (write.status === 503) refusedWrites++;
      else expect(write.status, `${move.step}: ${write.text}`).toBeLessThan(300);
    }
    expect(move.state, move.error).toBe('done');
    expect(steps).toBeGreaterThan(MOVED_TABLES.length);
    expect(differing).toBe(0);
    expect(refusedWrites).toBeGreaterThan(0);
  }, 120_000); // ~170 steps, each followed by reads: slow on 2 shared cores, not timed

  it('an interrupted move resumes where it was and still ends byte-equal', async () => {
    const p = await richProject('DB_SHARD_2', 'resumer');
    const before = await snapshot('DB_SHARD_2', p.projectId);
    let move = (await startMove(p.projectId, 'DB')).json;
    while (move.step !== 'copy' || !move.counts.traces) move = await step(move.id, 0);
    // The process died after writing chunks but before saving its place: the cursor is back at
    // the start of the copy, so the chunks are written again (INSERT OR REPLACE by key).
    await env.DB.prepare("UPDATE shard_moves SET cursor = '{\"table\":0,\"after\":null}' WHERE id = ?").bind(move.id).run();
    // Running the command again finds the running move instead of starting another.
    const again = await startMove(p.projectId, 'DB');
    expect(again.json.id).toBe(move.id);
    expect((await startMove(p.projectId, 'DB_SHARD_1')).status).toBe(409);
    move = again.json;
    while (move.state === 'running') move = await step(move.id, 5_000);
    expect(move.state, move.error).toBe('done');
    expect(await snapshot('DB', p.projectId)).toEqual(before);
    expect(await searchEntries('DB', p.projectId)).toBe(40);
  });

  it('a move whose copy does not verify fails, and the project carries on where it was', async () => {
    const p = await richProject('DB_SHARD_1', 'tampered');
    const before = await snapshot('DB_SHARD_1', p.projectId);
    let move = (await startMove(p.projectId, 'DB_SHARD_2')).json;
    while (move.step !== 'verify') move = await step(move.id, 0);
    // Something changed the copy behind the move's back: verify must notice.
    await env.DB_SHARD_2.prepare("UPDATE feedback SET comment = 'tampered' WHERE project_id = ?").bind(p.projectId).run();
    while (move.state === 'running') move = await step(move.id, 5_000);
    expect(move.state).toBe('failed');
    expect(move.error).toMatch(/feedback differs/);
    forgetShardCache();
    const status = (await api(`/v1/admin/shards/projects/${p.projectId}`, { headers: OPERATOR })).json;
    expect(status).toMatchObject({ shard: 'DB_SHARD_1', shard_state: 'active' });
    expect(await snapshot('DB_SHARD_1', p.projectId)).toEqual(before);
    expect((await api('/v1/feedback', { key: p.key, body: { trace_id: 't0', key: 'still_here', score: 1 } })).status).toBeLessThan(300);
    // A new move clears the leftovers first and succeeds.
    await eventually(async () => expect(Object.values(await rowsPerShard('trace_signals', p.projectId))).toEqual([0, 0, 0]), 20_000);
    const now = await snapshot('DB_SHARD_1', p.projectId);
    move = (await startMove(p.projectId, 'DB_SHARD_2')).json;
    while (move.state === 'running') move = await step(move.id, 5_000);
    expect(move.state, move.error).toBe('done');
    const moved = await snapshot('DB_SHARD_2', p.projectId);
    for (const table of Object.keys(now)) expect(moved[table], table).toEqual(now[table]);
  });

  it('operator routes check their secret and their input', async () => {
    const p = await projectOn('DB', 'operator');
    expect((await api('/v1/admin/shards')).status).toBe(401);
    expect((await api('/v1/admin/shards', { key: p.key })).status).toBe(401);
    const list = await api('/v1/admin/shards', { headers: OPERATOR });
    expect(list.json.shards.map((s: any) => s.name).slice(0, 3)).toEqual(['DB', 'DB_SHARD_1', 'DB_SHARD_2']);
    // A shard some project names but this deployment does not bind is listed too, as unbound.
    for (const s of list.json.shards.slice(3)) expect(s).toMatchObject({ bound: false, bytes: null });
    expect(list.json.shards[0]).toMatchObject({ bound: true, placement: true });
    expect(list.json.shards[1].placement).toBe(false);
    const unknown = await startMove(p.projectId, 'DB_SHARD_9');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.path).toBe('to');
    expect((await startMove(p.projectId, 'DB')).status).toBe(409);
    expect((await startMove('no-such-project', 'DB_SHARD_1')).status).toBe(404);
    expect((await api('/v1/admin/shards/moves/nope/step', { headers: OPERATOR, body: {} })).status).toBe(404);
    const bad = await api('/v1/admin/shards/moves/nope/step', { headers: OPERATOR, body: { budget_ms: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('budget_ms');
    const doc = (await api('/v1/openapi.json')).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/admin/shards', '/v1/admin/shards/moves', '/v1/admin/shards/moves/{id}/step', '/v1/admin/shards/projects/{project_id}']));
  });
});
