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
    const all = { ...env, SHARDS_FOR_NEW_PROJECTS: 'DB,DB_SHARD_1,DB_SHARD_2' } as Env;
    // Capacities make the fill ratios differ whatever the bytes: DB looks full, DB_SHARD_2 emptiest.
    await env.DB.prepare("INSERT INTO shards (name, capacity, created) VALUES ('DB', 1000, 0), ('DB_SHARD_1', 1e12, 0), ('DB_SHARD_2', 1e15, 0)").run();
    expect(await placeNewProject(all)).toBe('DB_SHARD_2');
    expect(await placeNewProject({ ...all, SHARDS_FOR_NEW_PROJECTS: 'DB,DB_SHARD_1' } as Env)).toBe('DB_SHARD_1');
    // The test configuration keeps every other test's projects on DB.
    expect(await placeNewProject(env)).toBe('DB');
    // A listed name with no binding is never chosen.
    expect(await placeNewProject({ ...all, SHARDS_FOR_NEW_PROJECTS: 'DB,DB_SHARD_9' } as Env)).toBe('DB');
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
});
