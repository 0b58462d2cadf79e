/**
 * Moving a project to another D1 shard, online (docs/shards.md). The steps, each resumable
 * from the `shard_moves` row (its `step` and `cursor` are all the state):
 *
 *   mark     projects.shard_state = 'moving': writes through dbFor answer 503, ingest still
 *            answers 202 (R2 is the log) and the indexer defers the project's batches.
 *   drain    wait 2 x SHARD_MAP_TTL_MS, so every isolate has seen `moving` and no write is
 *            still in flight to the old shard.
 *   clear    remove what an earlier, failed move left of the project on the target.
 *   copy     every project table, in key order, in bounded chunks (INSERT OR REPLACE by key,
 *            so a chunk redone after an interruption is written once).
 *   search   the full-text entries, rebuilt on the target from the R2 batches the project's
 *            trace_batches list (the FTS table is contentless: its text cannot be copied).
 *   verify   per table, the rows of both shards compared chunk by chunk (counts and a
 *            SHA-256 over the rows in key order); FTS entry counts compared.
 *   switch   projects.shard = target: one row update, so a project is never half in two
 *            shards; reads went to the old shard until here. Still `moving`.
 *   settle   wait 2 x SHARD_MAP_TTL_MS again (no isolate reads the old shard any more), then
 *            projects.shard_state = 'active': writes resume, on the new shard.
 *   cleanup  delete the project's rows from the old shard, in chunks.
 *
 * A verify mismatch fails the move: the project goes back to `active` on its old shard
 * (which was never changed) and the next move clears the target first.
 */
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as schema from '../../schema/db/index.ts';
import { controlDb, forgetShardCache, shardBinding, shardMapTtlMs, shardNames } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { parseBatch } from '../store/batch-format.ts';
import { prepareBatch, searchEntryStatements } from '../store/indexer.ts';

/** Tables with a `project_id` that live in the control database, not with the project. */
const CONTROL_TABLES = new Set(['api_keys', 'audit_log', 'ingest_batches', 'ingest_failures']);

/** A table moved with its project: its columns and the key it is copied in order of (without project_id). */
export interface MovedTable {
  name: string;
  columns: string[];
  key: string[];
}

function movedTables(): MovedTable[] {
  const out: MovedTable[] = [];
  for (const value of Object.values(schema)) {
    if (!(value instanceof SQLiteTable)) continue;
    const config = getTableConfig(value);
    const columns = config.columns.map((c) => c.name);
    if (!columns.includes('project_id') || CONTROL_TABLES.has(config.name)) continue;
    let key = config.primaryKeys.length ? config.primaryKeys[0].columns.map((c) => c.name) : config.columns.filter((c) => c.primary).map((c) => c.name);
    // spans is a rowid table whose identity is the unique (project_id, trace_id, span_id).
    if (config.name === 'spans') key = ['project_id', 'trace_id', 'span_id'];
    if (!key.length) throw new Error(`table ${config.name} has no key to copy it in order of`);
    // Tables with one row per project (settings) are keyed by project_id alone: keep it as the key.
    const rest = key.filter((k) => k !== 'project_id');
    out.push({ name: config.name, columns, key: rest.length ? rest : ['project_id'] });
  }
  // spans first: the full-text entries are rebuilt against the spans' new rowids.
  return out.sort((a, b) => (a.name === 'spans' ? -1 : b.name === 'spans' ? 1 : a.name.localeCompare(b.name)));
}

/** Every project-scoped table, spans first (derived from the drizzle schema, so a new table moves too). */
export const MOVED_TABLES: readonly MovedTable[] = movedTables();

/** Rows read per copy or verify query. */
const CHUNK_ROWS = 1_000;
/** D1 caps a string value at 2 MB: rows go in as JSON parameters well under it. */
const MAX_PARAM_CHARS = 600_000;
/** Rows deleted per statement when clearing a shard of the project. */
const DELETE_CHUNK = 2_000;
/** R2 batches whose FTS entries are rebuilt per statement group. */
const SEARCH_CHUNK = 10;

type Step = 'mark' | 'drain' | 'clear' | 'copy' | 'search' | 'verify' | 'switch' | 'settle' | 'cleanup' | 'done';

interface Cursor {
  table?: number;
  after?: unknown[] | null;
  wait_until?: number;
  batch_after?: string | null;
  digest?: { from: string; to: string };
}

/** A move as the API shows it. */
export interface ShardMove {
  id: string;
  project_id: string;
  from: string;
  to: string;
  state: 'running' | 'done' | 'failed';
  step: Step;
  /** Rows per table: copied (during copy), then as verified on both shards. */
  counts: Record<string, { copied?: number; verified?: number; checksum?: string }>;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

interface MoveRow {
  id: string;
  project: string;
  from: string;
  to: string;
  state: ShardMove['state'];
  step: Step;
  cursor: string | null;
  counts: string | null;
  started: number;
  finished: number | null;
  error: string | null;
}

function out(row: MoveRow): ShardMove {
  return {
    id: row.id,
    project_id: row.project,
    from: row.from,
    to: row.to,
    state: row.state,
    step: row.step,
    counts: row.counts ? JSON.parse(row.counts) : {},
    started_at: new Date(row.started).toISOString(),
    finished_at: row.finished ? new Date(row.finished).toISOString() : null,
    error: row.error,
  };
}

async function loadMove(env: Env, id: string): Promise<MoveRow> {
  const row = await controlDb(env).prepare('SELECT * FROM shard_moves WHERE id = ?').bind(id).first<MoveRow>();
  if (!row) throw new ApiError(404, 'not_found', `move ${id}: no such move`, 'id');
  return row;
}

async function saveMove(env: Env, row: MoveRow): Promise<void> {
  await controlDb(env)
    .prepare('UPDATE shard_moves SET state = ?, step = ?, cursor = ?, counts = ?, finished = ?, error = ? WHERE id = ?')
    .bind(row.state, row.step, row.cursor, row.counts, row.finished, row.error, row.id)
    .run();
}

function bound(env: Env, shard: string, field: string): D1Database {
  const db = shardNames(env).includes(shard) ? shardBinding(env, shard) : undefined;
  if (!db) throw new ApiError(400, 'invalid_request', `${field}: '${shard}' is not a shard of this deployment (SHARDS: ${shardNames(env).join(', ')})`, field);
  return db;
}

/**
 * Starts moving `projectId` to shard `to`, or returns the move already running for it (so
 * running the command again after an interruption resumes it).
 */
export async function startMove(env: Env, projectId: string, to: string, now = Date.now()): Promise<ShardMove> {
  const db = controlDb(env);
  const project = await db.prepare('SELECT id, shard FROM projects WHERE id = ?').bind(projectId).first<{ id: string; shard: string }>();
  if (!project) throw new ApiError(404, 'not_found', 'project_id: no such project', 'project_id');
  const running = await db.prepare("SELECT * FROM shard_moves WHERE project = ? AND state = 'running' ORDER BY started DESC LIMIT 1").bind(projectId).first<MoveRow>();
  if (running) {
    if (running.to !== to) throw new ApiError(409, 'conflict', `to: project ${projectId} is already being moved to ${running.to}; finish that move first (npm run shards -- move ${projectId} ${running.to})`, 'to');
    return out(running);
  }
  bound(env, to, 'to');
  bound(env, project.shard, 'from');
  if (project.shard === to) throw new ApiError(409, 'conflict', `to: project ${projectId} already lives on ${to}`, 'to');
  const row: MoveRow = { id: crypto.randomUUID(), project: projectId, from: project.shard, to, state: 'running', step: 'mark', cursor: null, counts: '{}', started: now, finished: null, error: null };
  await db
    .prepare('INSERT INTO shard_moves (id, project, "from", "to", state, step, cursor, counts, started) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(row.id, row.project, row.from, row.to, row.state, row.step, row.cursor, row.counts, row.started)
    .run();
  return out(row);
}

/** The project's shard and its latest moves. */
export async function moveStatus(env: Env, projectId: string) {
  const db = controlDb(env);
  const project = await db.prepare('SELECT id, shard, shard_state FROM projects WHERE id = ?').bind(projectId).first<{ id: string; shard: string; shard_state: string }>();
  if (!project) throw new ApiError(404, 'not_found', 'project_id: no such project', 'project_id');
  const { results } = await db.prepare('SELECT * FROM shard_moves WHERE project = ? ORDER BY started DESC LIMIT 10').bind(projectId).all<MoveRow>();
  return { project_id: project.id, shard: project.shard, shard_state: project.shard_state, moves: results.map(out) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `WHERE project_id = ?1 AND (k1, k2) > (?2, ?3)`: keyset pagination in key order. */
function pageSql(t: MovedTable, after: unknown[] | null | undefined): { sql: string; binds: unknown[] } {
  const cols = t.columns.map((c) => `"${c}"`).join(', ');
  const order = t.key.map((k) => `"${k}"`).join(', ');
  const cond = after ? ` AND (${order}) > (${after.map((_, i) => `?${i + 2}`).join(', ')})` : '';
  return { sql: `SELECT ${cols} FROM "${t.name}" WHERE project_id = ?1${cond} ORDER BY ${order} LIMIT ${CHUNK_ROWS}`, binds: after ?? [] };
}

async function readPage(db: D1Database, t: MovedTable, projectId: string, after: unknown[] | null | undefined): Promise<Record<string, unknown>[]> {
  const { sql, binds } = pageSql(t, after);
  return (await db.prepare(sql).bind(projectId, ...binds).all<Record<string, unknown>>()).results;
}

/** Writes rows into `db` with one JSON parameter per chunk (D1: 100 bound parameters per statement). */
function insertStatements(db: D1Database, t: MovedTable, rows: Record<string, unknown>[]): D1PreparedStatement[] {
  const sql = `INSERT OR REPLACE INTO "${t.name}" (${t.columns.map((c) => `"${c}"`).join(', ')}) SELECT ${t.columns.map((_, i) => `j.value ->> ${i}`).join(', ')} FROM json_each(?1) j WHERE true`;
  const statements: D1PreparedStatement[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (parts.length) statements.push(db.prepare(sql).bind(`[${parts.join(',')}]`));
    parts = [];
    size = 0;
  };
  for (const row of rows) {
    const json = JSON.stringify(t.columns.map((c) => row[c] ?? null));
    if (size + json.length > MAX_PARAM_CHARS) flush();
    parts.push(json);
    size += json.length + 1;
  }
  flush();
  return statements;
}

/**
 * Deletes one chunk of the project's rows of table `t` from `db` (FTS entries before their
 * spans, in the same transaction). Returns how many rows went.
 */
async function deleteChunk(db: D1Database, t: MovedTable, projectId: string): Promise<number> {
  if (t.name === 'spans') {
    const { results } = await db.prepare(`SELECT rowid AS r FROM spans WHERE project_id = ?1 LIMIT ${DELETE_CHUNK}`).bind(projectId).all<{ r: number }>();
    if (!results.length) return 0;
    const ids = JSON.stringify(results.map((x) => x.r));
    await db.batch([
      db.prepare('DELETE FROM spans_fts WHERE rowid IN (SELECT value * 2 FROM json_each(?1) UNION ALL SELECT value * 2 + 1 FROM json_each(?1))').bind(ids),
      db.prepare('DELETE FROM spans WHERE rowid IN (SELECT value FROM json_each(?1))').bind(ids),
    ]);
    return results.length;
  }
  const res = await db.prepare(`DELETE FROM "${t.name}" WHERE rowid IN (SELECT rowid FROM "${t.name}" WHERE project_id = ?1 LIMIT ${DELETE_CHUNK})`).bind(projectId).run();
  return res.meta.changes ?? 0;
}

/** FTS entries of the project's spans on `db` (two rowids per span: input side and output side). */
async function searchEntries(db: D1Database, projectId: string): Promise<number> {
  const row = await db
    .prepare('SELECT count(*) AS n FROM spans_fts WHERE rowid IN (SELECT rowid * 2 FROM spans WHERE project_id = ?1 UNION ALL SELECT rowid * 2 + 1 FROM spans WHERE project_id = ?1)')
    .bind(projectId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Runs the move for up to `budgetMs` (then returns, to be called again), or until it is done
 * or failed. Every unit of work is small (one chunk, one wait), so a step fits a Worker
 * invocation; the cursor is saved after each unit.
 */
export async function moveStep(env: Env, moveId: string, budgetMs = 10_000): Promise<ShardMove> {
  const row = await loadMove(env, moveId);
  const started = Date.now();
  // At least one unit per call, then as many as fit in the budget.
  for (let first = true; row.state === 'running' && (first || Date.now() - started < budgetMs); first = false) {
    try {
      await advance(env, row);
    } catch (err) {
      if (err instanceof MoveFailed) {
        row.state = 'failed';
        row.error = err.message;
        row.finished = Date.now();
        // The old shard was never changed: the project carries on there.
        await controlDb(env).prepare("UPDATE projects SET shard_state = 'active' WHERE id = ? AND shard = ?").bind(row.project, row.from).run();
        forgetShardCache(row.project);
      } else {
        throw err; // transient (a D1 or R2 hiccup): the same unit is tried again on the next call
      }
    }
    await saveMove(env, row);
  }
  return out(row);
}

class MoveFailed extends Error {}

/** Does one unit of work of the move and updates `row` (saved by the caller). */
async function advance(env: Env, row: MoveRow): Promise<void> {
  const cursor: Cursor = row.cursor ? JSON.parse(row.cursor) : {};
  const counts: ShardMove['counts'] = row.counts ? JSON.parse(row.counts) : {};
  const from = bound(env, row.from, 'from');
  const to = bound(env, row.to, 'to');
  const control = controlDb(env);
  const ttl = shardMapTtlMs(env);
  const set = (step: Step, next: Cursor) => {
    row.step = step;
    row.cursor = JSON.stringify(next);
    row.counts = JSON.stringify(counts);
  };
  const table = MOVED_TABLES[cursor.table ?? 0];

  switch (row.step) {
    case 'mark': {
      await control.prepare("UPDATE projects SET shard_state = 'moving' WHERE id = ? AND shard = ?").bind(row.project, row.from).run();
      forgetShardCache(row.project);
      return set('drain', { wait_until: Date.now() + 2 * ttl });
    }
    case 'drain':
    case 'settle': {
      const wait = (cursor.wait_until ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
      if (row.step === 'drain') return set('clear', { table: 0 });
      await control.prepare("UPDATE projects SET shard_state = 'active' WHERE id = ? AND shard = ?").bind(row.project, row.to).run();
      forgetShardCache(row.project);
      return set('cleanup', { table: 0 });
    }
    case 'clear':
    case 'cleanup': {
      const db = row.step === 'clear' ? to : from;
      if (!table) {
        if (row.step === 'clear') return set('copy', { table: 0, after: null });
        row.state = 'done';
        row.finished = Date.now();
        return set('done', {});
      }
      const n = await deleteChunk(db, table, row.project);
      return set(row.step, { table: (cursor.table ?? 0) + (n < DELETE_CHUNK ? 1 : 0) });
    }
    case 'copy': {
      if (!table) return set('search', { batch_after: null });
      const rows = await readPage(from, table, row.project, cursor.after);
      const statements = insertStatements(to, table, rows);
      if (statements.length) await to.batch(statements);
      counts[table.name] = { ...counts[table.name], copied: (counts[table.name]?.copied ?? 0) + rows.length };
      const last = rows.at(-1);
      if (rows.length < CHUNK_ROWS || !last) return set('copy', { table: (cursor.table ?? 0) + 1, after: null });
      return set('copy', { table: cursor.table ?? 0, after: table.key.map((k) => last[k]) });
    }
    case 'search': {
      // The batches the old shard had indexed (trace_batches, copied already), in key = time order.
      const { results } = await to
        .prepare(`SELECT DISTINCT batch_key FROM trace_batches WHERE project_id = ?1 AND batch_key > ?2 ORDER BY batch_key LIMIT ${SEARCH_CHUNK}`)
        .bind(row.project, cursor.batch_after ?? '')
        .all<{ batch_key: string }>();
      if (!results.length) return set('verify', { table: 0, after: null, digest: { from: '', to: '' } });
      const batches = [];
      for (const { batch_key } of results) {
        const object = await env.BLOBS.get(batch_key);
        if (object) batches.push(prepareBatch(row.project, batch_key, parseBatch(new Uint8Array(await object.arrayBuffer()))));
      }
      const statements = searchEntryStatements(to, batches);
      if (statements.length) await to.batch(statements);
      return set('search', { batch_after: results.at(-1)!.batch_key });
    }
    case 'verify': {
      if (!table) {
        const [a, b] = await Promise.all([searchEntries(from, row.project), searchEntries(to, row.project)]);
        counts.spans_fts = { verified: b };
        if (a !== b) throw new MoveFailed(`verify: spans_fts has ${a} entries on ${row.from} but ${b} on ${row.to}`);
        return set('switch', {});
      }
      const [a, b] = await Promise.all([readPage(from, table, row.project, cursor.after), readPage(to, table, row.project, cursor.after)]);
      const ja = JSON.stringify(a);
      const jb = JSON.stringify(b);
      if (ja !== jb) throw new MoveFailed(`verify: ${table.name} differs between ${row.from} and ${row.to} after key ${JSON.stringify(cursor.after ?? null)}`);
      const digest = { from: await sha256((cursor.digest?.from ?? '') + ja), to: await sha256((cursor.digest?.to ?? '') + jb) };
      const verified = (cursor.after ? (counts[table.name]?.verified ?? 0) : 0) + b.length;
      counts[table.name] = { ...counts[table.name], verified, checksum: digest.to.slice(0, 16) };
      const last = a.at(-1);
      if (a.length < CHUNK_ROWS || !last) {
        if (digest.from !== digest.to) throw new MoveFailed(`verify: ${table.name} checksums differ`);
        return set('verify', { table: (cursor.table ?? 0) + 1, after: null, digest: { from: '', to: '' } });
      }
      return set('verify', { table: cursor.table ?? 0, after: table.key.map((k) => last[k]), digest });
    }
    case 'switch': {
      // The one row update that moves the project: before it every read went to the old shard.
      await control.prepare('UPDATE projects SET shard = ? WHERE id = ? AND shard = ?').bind(row.to, row.project, row.from).run();
      forgetShardCache(row.project);
      return set('settle', { wait_until: Date.now() + 2 * ttl });
    }
    case 'done':
      return;
  }
}
