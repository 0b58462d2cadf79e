/**
 * The indexer: turns one R2 batch of normalized spans into D1 rows (spans, FTS entries,
 * trace roll-ups). Everything for a batch goes in one D1 `batch()`, which D1 runs as a
 * single transaction, so a failure leaves nothing half-written and a redelivered message
 * simply runs again: spans upsert by (project, trace, span id), FTS entries replace by
 * rowid, and roll-ups are recomputed from the spans, never incremented.
 */
import type { NormalizedSpan } from '../../schema/wire/span.ts';
import type { IngestMessage } from '../../schema/queues.ts';
import { dbFor } from '../platform/db.ts';
import { formatRef, isBatchOf, parseBatch, type BatchLine } from './batch-format.ts';
import { previewOf, searchTextOf } from './text.ts';
import { markTraces, recomputeStatements, rollupToken } from './rollups.ts';

/**
 * Span columns carried per row in the JSON parameter, in order, and how a later post
 * merges into an earlier one. `coalesce`: a value sent later wins, an absent one keeps
 * the old. Order independence matters because queue batches can be indexed out of order.
 */
const SPAN_COLUMNS = [
  ['trace_id', 'key'],
  ['span_id', 'key'],
  ['parent_id', 'coalesce'],
  ['name', 'coalesce'],
  ['kind', 'coalesce'],
  // An error is sticky: a later "ok" must not hide that the span failed.
  ['status', "CASE WHEN excluded.status = 'error' OR spans.status = 'error' THEN 'error' ELSE COALESCE(excluded.status, spans.status) END"],
  ['error', 'coalesce'],
  ['start_time', 'coalesce'],
  ['end_time', 'coalesce'],
  ['model', 'coalesce'],
  ['input_tokens', 'coalesce'],
  ['output_tokens', 'coalesce'],
  ['total_tokens', 'coalesce'],
  ['cost_usd', 'coalesce'],
  ['tags', 'CASE WHEN excluded.tags IS NULL THEN spans.tags WHEN spans.tags IS NULL THEN excluded.tags ELSE (SELECT json_group_array(value) FROM (SELECT value FROM json_each(spans.tags) UNION SELECT value FROM json_each(excluded.tags))) END'],
  ['metadata', 'CASE WHEN excluded.metadata IS NULL THEN spans.metadata WHEN spans.metadata IS NULL THEN excluded.metadata ELSE json_patch(spans.metadata, excluded.metadata) END'],
  ['environment', 'coalesce'],
  ['release', 'coalesce'],
  ['session_id', 'coalesce'],
  ['user_id', 'coalesce'],
  ['input_preview', 'coalesce'],
  ['output_preview', 'coalesce'],
  ['input_ref', 'coalesce'],
  ['output_ref', 'coalesce'],
] as const;
const COL = Object.fromEntries(SPAN_COLUMNS.map(([name], i) => [name, i])) as Record<(typeof SPAN_COLUMNS)[number][0], number>;

// D1: 100 bound parameters per statement, so rows go in as one JSON parameter and
// `json_each` fans them out (measured ~2.5x faster than one statement per row).
const UPSERT_SPANS = `
INSERT INTO spans (project_id, ${SPAN_COLUMNS.map(([c]) => c).join(', ')}, duration_ms, updated_at)
SELECT ?1, ${SPAN_COLUMNS.map((_, i) => `j.value ->> ${i}`).join(', ')},
       (j.value ->> ${COL.end_time}) - (j.value ->> ${COL.start_time}), ?3
  FROM jsonb_each(?2) j WHERE true
ON CONFLICT (project_id, trace_id, span_id) DO UPDATE SET
  ${SPAN_COLUMNS.filter(([, m]) => m !== 'key')
    .map(([c, m]) => `${c} = ${m === 'coalesce' ? `COALESCE(excluded.${c}, spans.${c})` : m}`)
    .join(',\n  ')},
  duration_ms = COALESCE(excluded.end_time, spans.end_time) - COALESCE(excluded.start_time, spans.start_time),
  updated_at = excluded.updated_at`;

/**
 * A span first seen without a kind is an `other` span until a later post names its kind.
 * The rows are found by rowid from the batch's own keys (scoped to the project there);
 * a `project_id = ?` here would let SQLite walk every span of the project instead.
 */
const DEFAULT_KIND = `
UPDATE spans SET kind = 'other'
 WHERE rowid IN (SELECT s.rowid FROM jsonb_each(?2) j CROSS JOIN spans s ON s.project_id = ?1 AND s.trace_id = j.value ->> 0 AND s.span_id = j.value ->> 1)
   AND kind IS NULL`;

/**
 * FTS entries: each span owns two rowids, 2*rowid (input side: name + input) and
 * 2*rowid+1 (output side: output + error), so a later post carrying only the output
 * replaces only the output entry and the input stays searchable.
 */
const UPSERT_FTS = `
INSERT OR REPLACE INTO spans_fts (rowid, body)
SELECT s.rowid * 2 + (j.value ->> 2), j.value ->> 3
  FROM jsonb_each(?2) j CROSS JOIN spans s ON s.project_id = ?1 AND s.trace_id = j.value ->> 0 AND s.span_id = j.value ->> 1
 WHERE true`;

/** Records that batch ?3 holds lines of the traces in ?2 (schema/db/traces.ts traceBatches). */
const LOCATE_TRACES = `
INSERT INTO trace_batches (project_id, trace_id, batch_key)
SELECT ?1, value, ?3 FROM json_each(?2) WHERE true
ON CONFLICT DO NOTHING`;

/**
 * Trace roll-ups, recomputed from all spans of each touched trace. Tokens and cost sum
 * the llm/embedding spans when there are any (parents often repeat their children's
 * usage), otherwise every span.
 */
const UPSERT_TRACES = `
WITH ids(trace_id) AS (SELECT DISTINCT value FROM json_each(?2)),
agg AS (
  SELECT s.trace_id,
         min(s.start_time) AS st, max(s.end_time) AS et, min(s.updated_at) AS first_seen, count(*) AS n,
         COALESCE(sum(CASE WHEN s.kind IN ('llm', 'embedding') THEN s.input_tokens END), sum(s.input_tokens)) AS it,
         COALESCE(sum(CASE WHEN s.kind IN ('llm', 'embedding') THEN s.output_tokens END), sum(s.output_tokens)) AS ot,
         COALESCE(sum(CASE WHEN s.kind IN ('llm', 'embedding') THEN s.total_tokens END), sum(s.total_tokens)) AS tt,
         COALESCE(sum(CASE WHEN s.kind IN ('llm', 'embedding') THEN s.cost_usd END), sum(s.cost_usd)) AS cost,
         max(s.status = 'error') AS has_error,
         max(s.environment) AS env, max(s.release) AS rel, max(s.session_id) AS sess, max(s.user_id) AS usr
    FROM ids CROSS JOIN spans s ON s.project_id = ?1 AND s.trace_id = ids.trace_id
   GROUP BY s.trace_id
)
INSERT INTO traces (project_id, trace_id, root_span_id, name, start_time, end_time, duration_ms, span_count,
                    input_tokens, output_tokens, total_tokens, cost_usd, has_error, root_ended,
                    environment, release, session_id, user_id, tags, metadata, input_preview, output_preview, updated_at)
SELECT ?1, agg.trace_id, r.span_id, r.name,
       COALESCE(agg.st, agg.first_seen), agg.et,
       COALESCE(r.end_time - r.start_time, agg.et - agg.st), agg.n,
       agg.it, agg.ot, agg.tt, agg.cost, COALESCE(agg.has_error, 0), r.end_time IS NOT NULL,
       COALESCE(r.environment, agg.env), COALESCE(r.release, agg.rel), COALESCE(r.session_id, agg.sess), COALESCE(r.user_id, agg.usr),
       (SELECT json_group_array(DISTINCT je.value) FROM spans s3, json_each(s3.tags) je WHERE s3.project_id = ?1 AND s3.trace_id = agg.trace_id),
       r.metadata, r.input_preview, r.output_preview, ?3
  FROM agg
  LEFT JOIN spans r ON r.rowid = (
    SELECT r2.rowid FROM spans r2
     WHERE r2.project_id = ?1 AND r2.trace_id = agg.trace_id AND r2.parent_id IS NULL
     ORDER BY +r2.start_time LIMIT 1)
 WHERE true
ON CONFLICT (project_id, trace_id) DO UPDATE SET
  root_span_id = excluded.root_span_id, name = excluded.name, start_time = excluded.start_time,
  end_time = excluded.end_time, duration_ms = excluded.duration_ms, span_count = excluded.span_count,
  input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens,
  cost_usd = excluded.cost_usd, has_error = excluded.has_error, root_ended = excluded.root_ended,
  environment = excluded.environment, release = excluded.release, session_id = excluded.session_id,
  user_id = excluded.user_id, tags = excluded.tags, metadata = excluded.metadata,
  input_preview = excluded.input_preview, output_preview = excluded.output_preview, updated_at = excluded.updated_at`;

// D1 caps a string value at 2 MB; chunks stay well under it even for multi-byte text.
const MAX_PARAM_CHARS = 600_000;

/** A span row as the JSON parameter carries it (positional, see SPAN_COLUMNS). */
type SpanRow = (string | number | null)[];

/** Builds the D1 row and FTS entries for one span line. */
export function spanRow(span: NormalizedSpan, ref: string): { row: SpanRow; fts: (string | number)[][] } {
  const hasInput = span.input !== undefined;
  const hasOutput = span.output !== undefined;
  const u = span.usage;
  const row: SpanRow = [
    span.trace_id,
    span.id,
    span.parent_id ?? null,
    span.name ?? null,
    span.kind ?? null,
    span.status ?? null,
    span.error ?? null,
    span.start_time ?? null,
    span.end_time ?? null,
    span.model ?? null,
    u?.input_tokens ?? null,
    u?.output_tokens ?? null,
    u?.total_tokens ?? null,
    u?.cost_usd ?? null,
    span.tags?.length ? JSON.stringify(span.tags) : null,
    span.metadata && Object.keys(span.metadata).length ? JSON.stringify(span.metadata) : null,
    span.environment ?? null,
    span.release ?? null,
    span.session_id ?? null,
    span.user_id ?? null,
    hasInput ? previewOf(span.input) : null,
    hasOutput ? previewOf(span.output) : null,
    hasInput ? ref : null,
    hasOutput ? ref : null,
  ];
  const fts: (string | number)[][] = [];
  const inputText = [span.name ?? '', searchTextOf(span.input)].join(' ').trim();
  const outputText = [searchTextOf(span.output), span.error ?? ''].join(' ').trim();
  if (hasInput || span.name) fts.push([span.trace_id, span.id, 0, inputText]);
  if (hasOutput || span.error) fts.push([span.trace_id, span.id, 1, outputText]);
  return { row, fts };
}

/** Splits rows into JSON arrays each under the D1 value-size cap. */
function chunkJson(rows: unknown[][]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (size + json.length > MAX_PARAM_CHARS && parts.length) {
      chunks.push(`[${parts.join(',')}]`);
      parts = [];
      size = 0;
    }
    parts.push(json);
    size += json.length + 1;
  }
  if (parts.length) chunks.push(`[${parts.join(',')}]`);
  return chunks;
}

/** The order of the values in a span row (the JSON parameter's positional columns). */
export const SPAN_COLUMN_NAMES: readonly string[] = SPAN_COLUMNS.map(([name]) => name);

/** One R2 batch turned into D1 rows, ready to write. */
export interface PreparedBatch {
  projectId: string;
  /** Span rows, positional in SPAN_COLUMN_NAMES order. */
  rows: SpanRow[];
  /** FTS entries: [trace_id, span_id, side (0 input, 1 output), text]. */
  fts: (string | number)[][];
  traceIds: string[];
  /** The R2 batch the rows came from (recorded per trace in trace_batches). */
  key: string;
  /** Some span came without a kind (it gets `other` until a later post names one). */
  kindless: boolean;
}

/** What indexing one batch did. */
export interface IndexResult {
  spans: number;
  traceIds: string[];
  /** Touched traces whose root span has ended, with the `updated_at` this batch gave them. */
  completed: [string, number][];
}

/**
 * Reads one R2 batch and builds its rows. A batch whose R2 object is gone comes back
 * empty (nothing left to index).
 */
export async function readBatch(env: Env, message: IngestMessage): Promise<PreparedBatch> {
  const { project_id: projectId, key } = message;
  // Defence in depth: a message may only index objects under its own project's prefix.
  if (!isBatchOf(projectId, key)) throw new Error(`batch key ${key} is outside project ${projectId}`);
  const object = await env.BLOBS.get(key);
  if (!object) {
    console.warn(`ingest batch ${key} not found in R2; skipping`);
    return { projectId, rows: [], fts: [], traceIds: [], key, kindless: false };
  }
  return prepareBatch(projectId, key, parseBatch(new Uint8Array(await object.arrayBuffer())));
}

/** Builds the rows of parsed batch lines stored under R2 `key`. */
export function prepareBatch(projectId: string, key: string, lines: BatchLine[]): PreparedBatch {
  const rows: SpanRow[] = [];
  const fts: (string | number)[][] = [];
  const traceIds = new Set<string>();
  let kindless = false;
  for (const line of lines) {
    const built = spanRow(line.span, formatRef(key, line.offset, line.length));
    rows.push(built.row);
    for (const entry of built.fts) fts.push(entry);
    traceIds.add(line.span.trace_id);
    if (!line.span.kind) kindless = true;
  }
  return { projectId, rows, fts, traceIds: [...traceIds], key, kindless };
}

/**
 * Indexes one R2 batch. Throws on any failure (the queue retries the message); a batch
 * whose R2 object is gone is reported as empty.
 */
export async function indexBatch(env: Env, message: IngestMessage, now = Date.now()): Promise<IndexResult> {
  const batch = await readBatch(env, message);
  return writeBatches(dbFor(env, batch.projectId), [batch], now);
}

/** How writeBatches writes. */
export interface WriteOptions {
  /**
   * Recompute the dashboard roll-ups of the touched hours in the same transaction (default
   * true). Only the dashboards bench turns it off, to measure what roll-ups cost ingest.
   */
  rollups?: boolean;
}

/**
 * The full-text statements of already-indexed batches, on their own: a shard move rebuilds
 * the FTS entries this way, because the FTS table is contentless (its text cannot be read
 * back and copied) and its rowids follow the spans' rowids, which differ on the new shard.
 */
export function searchEntryStatements(db: D1Database, batches: PreparedBatch[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  const ftsStatement = db.prepare(UPSERT_FTS);
  for (const b of batches) for (const chunk of chunkJson(b.fts)) statements.push(ftsStatement.bind(b.projectId, chunk));
  return statements;
}

/**
 * Writes prepared batches of ONE project in a single D1 transaction (one `batch()` call).
 * Rows keep their order, so a span posted at start in one batch and at end in a later one
 * merges exactly as if the batches were written one after the other.
 */
export async function writeBatches(db: D1Database, batches: PreparedBatch[], now: number, opts: WriteOptions = {}): Promise<IndexResult> {
  const nonEmpty = batches.filter((b) => b.rows.length);
  if (!nonEmpty.length) return { spans: 0, traceIds: [], completed: [] };
  const projectId = nonEmpty[0].projectId;
  if (nonEmpty.some((b) => b.projectId !== projectId)) throw new Error('writeBatches takes batches of one project');
  const rows = nonEmpty.length === 1 ? nonEmpty[0].rows : nonEmpty.flatMap((b) => b.rows);
  const fts = nonEmpty.length === 1 ? nonEmpty[0].fts : nonEmpty.flatMap((b) => b.fts);
  const traceIds = nonEmpty.length === 1 ? nonEmpty[0].traceIds : [...new Set(nonEmpty.flatMap((b) => b.traceIds))];
  const kindless = nonEmpty.some((b) => b.kindless);
  const statements: D1PreparedStatement[] = [];
  const idChunks: string[] = [];
  // Ids are <= 128 chars, so 2,000 per chunk stays far below the value-size cap.
  for (let i = 0; i < traceIds.length; i += 2000) idChunks.push(JSON.stringify(traceIds.slice(i, i + 2000)));
  const token = opts.rollups === false ? null : rollupToken();
  // The touched traces' hours as they were: a late span can move a trace into an earlier hour.
  if (token) for (const ids of idChunks) statements.push(markTraces(db, projectId, token, ids));
  const upsert = db.prepare(UPSERT_SPANS);
  const rowChunks = chunkJson(rows);
  for (const chunk of rowChunks) statements.push(upsert.bind(projectId, chunk, now));
  if (kindless) {
    const fix = db.prepare(DEFAULT_KIND);
    for (const chunk of rowChunks) statements.push(fix.bind(projectId, chunk));
  }
  const ftsStatement = db.prepare(UPSERT_FTS);
  for (const chunk of chunkJson(fts)) statements.push(ftsStatement.bind(projectId, chunk));
  // Which batches hold lines of which traces: deletion re-packs them all (see traceBatches).
  const located = db.prepare(LOCATE_TRACES);
  for (const b of nonEmpty) for (let i = 0; i < b.traceIds.length; i += 2000) statements.push(located.bind(projectId, JSON.stringify(b.traceIds.slice(i, i + 2000)), b.key));
  const rollup = db.prepare(UPSERT_TRACES);
  for (const ids of idChunks) statements.push(rollup.bind(projectId, ids, now));
  // Dashboard roll-ups of the old and new hours, from the rows just written (workers/store/rollups.ts).
  if (token) {
    for (const ids of idChunks) statements.push(markTraces(db, projectId, token, ids));
    statements.push(...recomputeStatements(db, projectId, token));
  }
  // Read in the same transaction: which touched traces now have an ended root (candidates for rules).
  const ended = db.prepare('SELECT trace_id, updated_at FROM traces WHERE project_id = ?1 AND root_ended = 1 AND trace_id IN (SELECT value FROM json_each(?2))');
  const endedFrom = statements.length;
  for (const ids of idChunks) statements.push(ended.bind(projectId, ids));
  const results = await db.batch(statements);
  const completed = results.slice(endedFrom).flatMap((r) => (r.results as { trace_id: string; updated_at: number }[]).map((t) => [t.trace_id, t.updated_at] as [string, number]));
  return { spans: rows.length, traceIds, completed };
}
