/**
 * Reading traces: the list (filter + keyset pagination), one trace's whole tree with full
 * payloads from R2, and span-level search. Every statement is scoped by project_id.
 */
import { dbFor } from '../platform/db.ts';
import { compileNode, compileQuery, parseQuery } from './filter.ts';
import { ftsPhrase, traceLevelTexts } from '../../schema/filter/index.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { loadLines, loadLineTexts } from './payloads.ts';
import { rawPayloads } from './batch-format.ts';
import { feedbackOut, spanOut, traceOut, type FeedbackRow, type SpanRow, type TraceRow } from './rows.ts';
import type { TraceList, TraceTree, SpanList } from '../../schema/wire/trace.ts';
import type { SpanOut } from '../../schema/wire/span.ts';
import { ApiError } from '../platform/errors.ts';

/** Columns a trace list can be sorted by (all indexed by the keyset on (value, trace_id)). */
export const TRACE_SORTS = {
  start_time: 't.start_time',
  latency: 'COALESCE(t.duration_ms, -1)',
  tokens: 'COALESCE(t.total_tokens, -1)',
  cost: 'COALESCE(t.cost_usd, -1)',
  spans: 't.span_count',
} as const;
export type TraceSort = keyof typeof TRACE_SORTS;

/** Options for listing traces. Times are epoch ms. */
export interface TraceListOptions {
  q?: string;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
  sort?: TraceSort;
  order?: 'asc' | 'desc';
  now?: number;
}

/** The feedback summary of a trace (the row aliased `page`) as one JSON object: key -> {avg, count}. */
export const FEEDBACK_SUMMARY = `(SELECT json_group_object(key, json_object('avg', a, 'count', n))
    FROM (SELECT f.key, avg(f.score) AS a, count(*) AS n FROM feedback f
           WHERE f.project_id = ? AND f.trace_id = page.trace_id GROUP BY f.key)) AS feedback_summary`;

/**
 * Span matches from which a full-text term is "frequent" and searched trace by trace
 * (see CompileOptions.frequentTexts). Measured with 1,000,000 spans (bench/README.md): a
 * term in ~64,000 spans took 135 ms looked up FTS-first and 9 ms trace by trace, while a
 * term in no span took 9 ms FTS-first and 600 ms trace by trace (every trace scanned).
 * Counting stops at this bound, so the check costs a few milliseconds at most.
 */
export const FREQUENT_TEXT_MATCHES = 10_000;

/**
 * Which of `texts` match at least FREQUENT_TEXT_MATCHES FTS entries. The FTS index is
 * shared by the projects of a database, so this only steers the plan: results are the
 * same either way and stay scoped to the project.
 */
export async function frequentTexts(db: D1Database, texts: string[]): Promise<Set<string>> {
  if (!texts.length) return new Set();
  const count = db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM spans_fts WHERE spans_fts MATCH ? LIMIT ${FREQUENT_TEXT_MATCHES})`);
  const results = await db.batch<{ n: number }>(texts.map((t) => count.bind(ftsPhrase(t))));
  return new Set(texts.filter((_, i) => (results[i].results[0]?.n ?? 0) >= FREQUENT_TEXT_MATCHES));
}

/** The SQL and parameters of a trace-list page (exported for query-plan inspection). */
export function traceListQuery(projectId: string, opts: TraceListOptions, frequent?: ReadonlySet<string>): { sql: string; binds: unknown[]; sortExpr: string } {
  const now = opts.now ?? Date.now();
  const { where, params } = compileNode(parseQuery(opts.q), 'traces', projectId, now, 'q', frequent);
  const sortExpr = TRACE_SORTS[opts.sort ?? 'start_time'];
  const desc = (opts.order ?? 'desc') === 'desc';
  const cmp = desc ? '<' : '>';
  const conds = ['t.project_id = ?', `(${where})`];
  const binds: unknown[] = [projectId, ...params];
  if (opts.from != null) conds.push('t.start_time >= ?'), binds.push(opts.from);
  if (opts.to != null) conds.push('t.start_time < ?'), binds.push(opts.to);
  if (opts.cursor) {
    const [value, id] = decodeCursor(opts.cursor, 2);
    conds.push(`(${sortExpr} ${cmp} ? OR (${sortExpr} = ? AND t.trace_id ${cmp} ?))`);
    binds.push(value, value, id);
  }
  const dir = desc ? 'DESC' : 'ASC';
  const sql = `WITH page AS (
      SELECT t.*, ${sortExpr} AS sort_value FROM traces t WHERE ${conds.join(' AND ')}
       ORDER BY ${sortExpr} ${dir}, t.trace_id ${dir} LIMIT ?)
    SELECT page.*, ${FEEDBACK_SUMMARY} FROM page ORDER BY page.sort_value ${dir}, page.trace_id ${dir}`;
  binds.push(opts.limit + 1, projectId);
  return { sql, binds, sortExpr };
}

/** GET /v1/traces: newest first by default, filtered by the shared language. */
export async function listTraces(env: Env, projectId: string, opts: TraceListOptions): Promise<TraceList> {
  const db = dbFor(env, projectId);
  const frequent = await frequentTexts(db, traceLevelTexts(parseQuery(opts.q)));
  const { sql, binds } = traceListQuery(projectId, opts, frequent);
  const { results } = await db.prepare(sql).bind(...binds).all<TraceRow & { sort_value: number }>();
  const more = results.length > opts.limit;
  const page = more ? results.slice(0, opts.limit) : results;
  const last = page[page.length - 1];
  return { traces: page.map(traceOut), next_cursor: more && last ? encodeCursor([last.sort_value, last.trace_id]) : null };
}

/** Span columns a trace tree shows (previews are left out: the tree carries full payloads). */
const TREE_SPAN_COLUMNS = `trace_id, span_id, parent_id, name, kind, status, error, start_time, end_time, duration_ms, model,
  input_tokens, output_tokens, total_tokens, cost_usd, tags, metadata, environment, release, session_id, user_id,
  NULL AS input_preview, NULL AS output_preview, input_ref, output_ref`;

/** The D1 rows of one trace: the trace, its spans (with previews if asked) and its feedback (404 if absent). */
async function traceRows(env: Env, projectId: string, traceId: string, previews = false): Promise<{ trace: TraceRow; rows: SpanRow[]; feedback: FeedbackRow[] }> {
  const db = dbFor(env, projectId);
  const [traceRes, spanRes, feedbackRes] = await db.batch([
    db.prepare(`SELECT page.*, ${FEEDBACK_SUMMARY} FROM traces page WHERE page.project_id = ? AND page.trace_id = ?`).bind(projectId, projectId, traceId),
    // `+start_time`: sorting a trace's spans is cheap; without the `+` SQLite reads them in
    // spans_project_start order, walking every span of the project (seconds at 1M spans).
    db.prepare(`SELECT ${previews ? '*' : TREE_SPAN_COLUMNS} FROM spans WHERE project_id = ? AND trace_id = ? ORDER BY +start_time, rowid`).bind(projectId, traceId),
    db.prepare('SELECT * FROM feedback WHERE project_id = ? AND trace_id = ? ORDER BY created_at').bind(projectId, traceId),
  ]);
  const trace = traceRes.results[0] as TraceRow | undefined;
  if (!trace) throw new ApiError(404, 'not_found', `trace '${traceId}' not found in this project`, 'id');
  return { trace, rows: spanRes.results as unknown as SpanRow[], feedback: feedbackRes.results as unknown as FeedbackRow[] };
}

function payloadRefs(rows: SpanRow[]): string[] {
  const refs: string[] = [];
  for (const r of rows) {
    if (r.input_ref) refs.push(r.input_ref);
    if (r.output_ref) refs.push(r.output_ref);
  }
  return refs;
}

/**
 * GET /v1/traces/:id: the trace, every span with full input/output, and all feedback.
 * With `payloads: false` spans carry their D1 previews instead and nothing is read from
 * R2: the shape for very large traces, whose payloads would not fit one response (Workers
 * have 128 MB of memory), which clients then load one span at a time (getSpan).
 */
export async function getTrace(env: Env, projectId: string, traceId: string, opts: { payloads?: boolean } = {}): Promise<TraceTree> {
  const { trace, rows, feedback } = await traceRows(env, projectId, traceId, opts.payloads === false);
  if (opts.payloads === false) {
    return { trace: traceOut(trace), spans: treeOrder(rows.map((r) => spanOut(r))), feedback: feedback.map(feedbackOut) };
  }
  const [tree] = await buildTrees(env, [trace], rows, feedback);
  return tree;
}

/**
 * GET /v1/traces/:id as the JSON text of getTrace's result, byte for byte, built without
 * parsing the payloads: each span's input and output are copied from its R2 batch line as
 * stored. Payloads are most of a tree's bytes (a 1,000-span chat trace is ~9 MB), and
 * parsing them only to serialize them again was half the time the endpoint spent.
 */
export async function getTraceJson(env: Env, projectId: string, traceId: string): Promise<string> {
  const { trace, rows, feedback } = await traceRows(env, projectId, traceId);
  const lines = await loadLineTexts(env.BLOBS, payloadRefs(rows));
  const payloads = new Map<SpanOut, string>();
  const spans = rows.map((r) => {
    const span = spanOut(r, {});
    const inputLine = r.input_ref ? lines.get(r.input_ref) : undefined;
    const outputLine = r.output_ref ? lines.get(r.output_ref) : undefined;
    const fromInput = inputLine ? rawPayloads(inputLine) : undefined;
    const fromOutput = outputLine ? (outputLine === inputLine ? fromInput : rawPayloads(outputLine)) : undefined;
    let extra = '';
    if (fromInput?.input !== undefined) extra += `,"input":${fromInput.input}`;
    if (fromOutput?.output !== undefined) extra += `,"output":${fromOutput.output}`;
    if (extra) payloads.set(span, extra);
    return span;
  });
  const spanJson = treeOrder(spans).map((s) => {
    const json = JSON.stringify(s);
    const extra = payloads.get(s);
    return extra ? `${json.slice(0, -1)}${extra}}` : json;
  });
  return `{"trace":${JSON.stringify(traceOut(trace))},"spans":[${spanJson.join(',')}],"feedback":${JSON.stringify(feedback.map(feedbackOut))}}`;
}

/**
 * Several traces at once, for consumers that evaluate many traces per batch: three
 * queries for all of them (D1: the ids go in as one JSON parameter) and merged R2 range
 * reads. Traces not in the project are absent from the map. Callers bound how many they
 * ask for, since every payload is held in memory (Workers: 128 MB).
 */
export async function getTraces(env: Env, projectId: string, traceIds: string[]): Promise<Map<string, TraceTree>> {
  if (!traceIds.length) return new Map();
  const db = dbFor(env, projectId);
  const ids = JSON.stringify([...new Set(traceIds)]);
  const [traceRes, spanRes, feedbackRes] = await db.batch([
    db.prepare(`SELECT page.*, ${FEEDBACK_SUMMARY} FROM traces page WHERE page.project_id = ? AND page.trace_id IN (SELECT value FROM json_each(?))`).bind(projectId, projectId, ids),
    db.prepare('SELECT s.* FROM json_each(?2) j CROSS JOIN spans s ON s.project_id = ?1 AND s.trace_id = j.value ORDER BY s.trace_id, s.start_time, s.rowid').bind(projectId, ids),
    db.prepare('SELECT f.* FROM json_each(?2) j CROSS JOIN feedback f ON f.project_id = ?1 AND f.trace_id = j.value ORDER BY f.created_at').bind(projectId, ids),
  ]);
  const trees = await buildTrees(env, traceRes.results as unknown as TraceRow[], spanRes.results as unknown as SpanRow[], feedbackRes.results as unknown as FeedbackRow[]);
  return new Map(trees.map((t) => [t.trace.id, t]));
}

/** Trace trees from their rows, with payloads loaded from R2 in one pass. */
async function buildTrees(env: Env, traces: TraceRow[], spanRows: SpanRow[], feedbackRows: FeedbackRow[]): Promise<TraceTree[]> {
  const lines = await loadLines(env.BLOBS, payloadRefs(spanRows));
  const spansOf = new Map<string, SpanOut[]>();
  for (const r of spanRows) {
    const span = spanOut(r, {
      input: r.input_ref ? lines.get(r.input_ref)?.input : undefined,
      output: r.output_ref ? lines.get(r.output_ref)?.output : undefined,
    });
    const list = spansOf.get(r.trace_id) ?? [];
    list.push(span);
    spansOf.set(r.trace_id, list);
  }
  const feedbackOf = new Map<string, FeedbackRow[]>();
  for (const f of feedbackRows) {
    const list = feedbackOf.get(f.trace_id) ?? [];
    list.push(f);
    feedbackOf.set(f.trace_id, list);
  }
  return traces.map((t) => ({ trace: traceOut(t), spans: treeOrder(spansOf.get(t.trace_id) ?? []), feedback: (feedbackOf.get(t.trace_id) ?? []).map(feedbackOut) }));
}

/** One span of a trace with its full input and output (from R2), or null. */
export async function getSpan(env: Env, projectId: string, traceId: string, spanId: string): Promise<SpanOut | null> {
  const row = await dbFor(env, projectId).prepare('SELECT * FROM spans WHERE project_id = ? AND trace_id = ? AND span_id = ?').bind(projectId, traceId, spanId).first<SpanRow>();
  if (!row) return null;
  const refs = [row.input_ref, row.output_ref].filter((r): r is string => !!r);
  const lines = refs.length ? await loadLines(env.BLOBS, refs) : new Map();
  return spanOut(row, { input: row.input_ref ? lines.get(row.input_ref)?.input : undefined, output: row.output_ref ? lines.get(row.output_ref)?.output : undefined });
}

/**
 * Orders spans depth-first (children by start time) and breaks parent loops that span
 * several posts (a batch's own loops are rejected at ingest): the span that closes a loop
 * is shown as a root, so clients can always render a finite tree.
 */
export function treeOrder(spans: SpanOut[]): SpanOut[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  for (const s of spans) {
    const seen = new Set<string>([s.id]);
    let p = s.parent_id ? byId.get(s.parent_id) : undefined;
    while (p) {
      if (seen.has(p.id)) {
        s.parent_id = null;
        break;
      }
      seen.add(p.id);
      p = p.parent_id ? byId.get(p.parent_id) : undefined;
    }
  }
  const children = new Map<string | null, SpanOut[]>();
  for (const s of spans) {
    const parent = s.parent_id && byId.has(s.parent_id) ? s.parent_id : null;
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(s);
  }
  const out: SpanOut[] = [];
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length) {
    const s = stack.pop()!;
    out.push(s);
    const kids = children.get(s.id);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

/** Options for span search. */
export interface SpanListOptions {
  q?: string;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
  now?: number;
}

/** GET /v1/spans: span-level search, newest first, with previews (full payloads via the trace). */
export async function listSpans(env: Env, projectId: string, opts: SpanListOptions): Promise<SpanList> {
  const { where, params } = compileQuery(opts.q, 'spans', projectId, opts.now ?? Date.now());
  const conds = ['s.project_id = ?', `(${where})`];
  const binds: unknown[] = [projectId, ...params];
  if (opts.from != null) conds.push('s.start_time >= ?'), binds.push(opts.from);
  if (opts.to != null) conds.push('s.start_time < ?'), binds.push(opts.to);
  if (opts.cursor) {
    // DESC puts spans without a start time last; the cursor then walks them by rowid.
    const [start, rowid] = decodeCursor(opts.cursor, 2);
    if (start === null) conds.push('(s.start_time IS NULL AND s.rowid < ?)'), binds.push(rowid);
    else conds.push('(s.start_time < ? OR (s.start_time = ? AND s.rowid < ?) OR s.start_time IS NULL)'), binds.push(start, start, rowid);
  }
  binds.push(opts.limit + 1);
  const { results } = await dbFor(env, projectId)
    .prepare(`SELECT s.*, s.rowid AS row_id FROM spans s WHERE ${conds.join(' AND ')} ORDER BY s.start_time DESC, s.rowid DESC LIMIT ?`)
    .bind(...binds)
    .all<SpanRow & { row_id: number }>();
  const more = results.length > opts.limit;
  const page = more ? results.slice(0, opts.limit) : results;
  const last = page[page.length - 1];
  return { spans: page.map((r) => spanOut(r)), next_cursor: more && last ? encodeCursor([last.start_time, last.row_id]) : null };
}
