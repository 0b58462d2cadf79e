/**
 * Raw SQLite for the benchmarks, through better-sqlite3. Plain JavaScript on purpose: it
 * must also run under the Node that `npm install` compiled better-sqlite3 for (the system
 * Node 20, which cannot strip TypeScript), in a child process when the Node 22 that runs
 * `npm run bench` cannot load the native module (see bench/lib/sqlite.ts).
 *
 * Used as a module (`handle(request)`) or as a process speaking line-delimited JSON on
 * stdin/stdout: each line `{id, op, ...}` is answered by `{id, ok, result}` or
 * `{id, ok: false, error}`.
 */
import { createRequire } from 'node:module';
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** @type {any} */
let Database = null;
/** @type {Map<string, any>} */
const open = new Map();

function sqlite() {
  Database ??= require('better-sqlite3');
  return Database;
}

/** Loads better-sqlite3 and opens an in-memory database; throws if the native module does not load. */
export function probe() {
  const db = new (sqlite())(':memory:');
  const { v } = db.prepare('SELECT sqlite_version() AS v').get();
  db.close();
  return { sqlite: v, node: process.version };
}

function connection(path, readonly) {
  const key = `${readonly ? 'ro' : 'rw'}:${path}`;
  let db = open.get(key);
  if (!db) {
    db = new (sqlite())(path, { readonly, fileMustExist: true });
    open.set(key, db);
  }
  return db;
}

/**
 * The trace roll-up of ONE trace, as a native application would write it: the same
 * formulas as the indexer's set-based statement (workers/store/indexer.ts), bound per trace.
 */
const ROLLUP_ONE = `
INSERT INTO traces (project_id, trace_id, root_span_id, name, start_time, end_time, duration_ms, span_count,
                    input_tokens, output_tokens, total_tokens, cost_usd, has_error, root_ended,
                    environment, release, session_id, user_id, tags, metadata, input_preview, output_preview, updated_at)
SELECT ?1, ?2, r.span_id, r.name, COALESCE(a.st, a.first_seen), a.et, COALESCE(r.end_time - r.start_time, a.et - a.st), a.n,
       a.it, a.ot, a.tt, a.cost, COALESCE(a.has_error, 0), r.end_time IS NOT NULL,
       COALESCE(r.environment, a.env), COALESCE(r.release, a.rel), COALESCE(r.session_id, a.sess), COALESCE(r.user_id, a.usr),
       (SELECT json_group_array(DISTINCT je.value) FROM spans s3, json_each(s3.tags) je WHERE s3.project_id = ?1 AND s3.trace_id = ?2),
       r.metadata, r.input_preview, r.output_preview, ?3
  FROM (SELECT min(start_time) AS st, max(end_time) AS et, min(updated_at) AS first_seen, count(*) AS n,
               COALESCE(sum(CASE WHEN kind IN ('llm', 'embedding') THEN input_tokens END), sum(input_tokens)) AS it,
               COALESCE(sum(CASE WHEN kind IN ('llm', 'embedding') THEN output_tokens END), sum(output_tokens)) AS ot,
               COALESCE(sum(CASE WHEN kind IN ('llm', 'embedding') THEN total_tokens END), sum(total_tokens)) AS tt,
               COALESCE(sum(CASE WHEN kind IN ('llm', 'embedding') THEN cost_usd END), sum(cost_usd)) AS cost,
               max(status = 'error') AS has_error, max(environment) AS env, max(release) AS rel,
               max(session_id) AS sess, max(user_id) AS usr
          FROM spans WHERE project_id = ?1 AND trace_id = ?2) a
  LEFT JOIN spans r ON r.rowid = (SELECT rowid FROM spans WHERE project_id = ?1 AND trace_id = ?2 AND parent_id IS NULL ORDER BY +start_time LIMIT 1)
 WHERE true
ON CONFLICT (project_id, trace_id) DO UPDATE SET
  root_span_id = excluded.root_span_id, name = excluded.name, start_time = excluded.start_time,
  end_time = excluded.end_time, duration_ms = excluded.duration_ms, span_count = excluded.span_count,
  input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens,
  cost_usd = excluded.cost_usd, has_error = excluded.has_error, root_ended = excluded.root_ended,
  environment = excluded.environment, release = excluded.release, session_id = excluded.session_id,
  user_id = excluded.user_id, tags = excluded.tags, metadata = excluded.metadata,
  input_preview = excluded.input_preview, output_preview = excluded.output_preview, updated_at = excluded.updated_at`;

/**
 * Inserts prepared batches into a fresh database file with the product schema, timing only
 * the inserts. Each batch is one transaction of per-row prepared statements (the fastest
 * way a native program writes SQLite):
 * - `spans`: one INSERT per span row (the table's two indexes maintained);
 * - `full`: that, plus one FTS5 INSERT per FTS entry (rowid from the span's
 *   lastInsertRowid, no lookup) and one roll-up statement per touched trace.
 */
function rawInsert({ file, migrations, batchesFile, variant, columns, pragmas }) {
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  const db = new (sqlite())(file);
  for (const p of pragmas) db.pragma(p);
  for (const sql of migrations) db.exec(sql);
  const batches = readFileSync(batchesFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const insertSpan = db.prepare(
    `INSERT INTO spans (project_id, ${columns.join(', ')}, duration_ms, updated_at) VALUES (?, ${columns.map(() => '?').join(', ')}, ?, ?)`,
  );
  const insertFts = db.prepare('INSERT INTO spans_fts (rowid, body) VALUES (?, ?)');
  const rollup = db.prepare(ROLLUP_ONE);
  const start = columns.indexOf('start_time');
  const end = columns.indexOf('end_time');
  const full = variant === 'full';
  const write = db.transaction((batch, now) => {
    const rowids = new Map();
    for (const row of batch.rows) {
      const duration = row[start] != null && row[end] != null ? row[end] - row[start] : null;
      const info = insertSpan.run(batch.project_id, ...row, duration, now);
      if (full) rowids.set(`${row[0]}\u0000${row[1]}`, info.lastInsertRowid);
    }
    if (!full) return;
    for (const [traceId, spanId, side, body] of batch.fts) insertFts.run(rowids.get(`${traceId}\u0000${spanId}`) * 2 + side, body);
    // better-sqlite3 binds numbered parameters (?1, ?2) by object key.
    for (const traceId of batch.trace_ids) rollup.run({ 1: batch.project_id, 2: traceId, 3: now });
  });
  let spans = 0;
  const t0 = performance.now();
  for (const batch of batches) {
    write(batch, Date.now());
    spans += batch.rows.length;
  }
  const ms = performance.now() - t0;
  const counts = db.prepare('SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM traces) AS traces').get();
  db.close();
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  return { spans, ms, counts };
}

/** Answers one request (see the file comment). */
export function handle(request) {
  switch (request.op) {
    case 'probe':
      return probe();
    case 'query':
      return connection(request.path, request.readonly !== false).prepare(request.sql).all(...(request.params ?? []));
    case 'close': {
      for (const [key, db] of open) if (key.endsWith(`:${request.path}`)) db.close(), open.delete(key);
      return null;
    }
    case 'raw-insert':
      return rawInsert(request);
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

// Run as a process: serve requests from stdin until it closes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let id = null;
    try {
      const request = JSON.parse(line);
      id = request.id;
      const result = handle(request);
      process.stdout.write(`${JSON.stringify({ id, ok: true, result }, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ id, ok: false, error: String(err?.stack ?? err) })}\n`);
    }
  });
  lines.on('close', () => {
    for (const db of open.values()) db.close();
  });
}
