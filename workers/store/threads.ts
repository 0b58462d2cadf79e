/**
 * Threads: the traces of a project that share a `session_id`, read as one conversation
 * (each trace a turn). Nothing is stored for a thread: its figures are aggregated on read
 * from `traces` through the index `traces_project_session` (project_id, session_id,
 * start_time), so a thread's turns are one index range and late or updated traces are
 * counted the moment they are indexed. Every statement is scoped by project_id.
 */
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { compileNode, parseQuery } from './filter.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { FEEDBACK_SUMMARY, frequentTexts } from './trace-query.ts';
import { feedbackOut, type FeedbackRow, type TraceRow } from './rows.ts';
import { loadLines } from './payloads.ts';
import { traceLevelTexts } from '../../schema/filter/index.ts';
import { formatTimestamp } from '../../schema/wire/time.ts';
import type { ConversationTurn } from '../../schema/render/conversation.ts';
import { MAX_THREAD_TURNS, type ThreadDetail, type ThreadList, type ThreadOut, type ThreadTurn } from '../../schema/wire/threads.ts';

/** Options for listing threads. Times are epoch ms and bound the traces that must match, not the thread. */
export interface ThreadListOptions {
  q?: string;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
  now?: number;
}

interface ThreadRow {
  thread_id: string;
  trace_count: number;
  first_start: number | null;
  last_start: number | null;
  /** COALESCE(last_start, 0): the keyset's sort value (a thread without start times sorts last). */
  sort_value: number;
  last_end: number | null;
  total_tokens: number | null;
  cost_usd: number | null;
  error_count: number;
  user_id: string | null;
  name: string | null;
  first_input_preview: string | null;
  last_output_preview: string | null;
  feedback_summary: string | null;
}

/**
 * Figures of the threads named by the CTE `m(session_id)`, newest activity first. `?`
 * placeholders are in text order: `mBinds` come first, then the project id four times
 * for the per-thread sub-selects, then what `tail` adds. Each sub-select reads one
 * thread's index range (project_id, session_id, start_time), never the project.
 */
function threadSql(mSql: string, tail: string): string {
  const one = (col: string, dir: 'ASC' | 'DESC', extra = '') =>
    // `+start_time`: sorting one thread's traces is cheap; without the `+` SQLite walks
    // traces_project_start (every trace of the project, in time order) looking for them.
    `(SELECT x.${col} FROM traces x WHERE x.project_id = ?1 AND x.session_id = th.thread_id ${extra} ORDER BY +x.start_time ${dir}, x.trace_id ${dir} LIMIT 1)`;
  return `WITH m AS (${mSql}),
    th AS (
      SELECT t.session_id AS thread_id, count(*) AS trace_count, min(t.start_time) AS first_start, max(t.start_time) AS last_start,
             COALESCE(max(t.start_time), 0) AS sort_value, max(COALESCE(t.end_time, t.start_time)) AS last_end,
             sum(t.total_tokens) AS total_tokens, sum(t.cost_usd) AS cost_usd, sum(t.has_error) AS error_count
        FROM m CROSS JOIN traces t ON t.project_id = ?1 AND t.session_id = m.session_id
       GROUP BY t.session_id),
    page AS (SELECT * FROM th ${tail})
    SELECT th.*,
      ${one('name', 'ASC')} AS name,
      ${one('input_preview', 'ASC')} AS first_input_preview,
      ${one('output_preview', 'DESC')} AS last_output_preview,
      ${one('user_id', 'ASC', 'AND x.user_id IS NOT NULL')} AS user_id,
      (SELECT json_group_object(key, json_object('avg', a, 'count', n)) FROM (
         SELECT f.key, avg(f.score) AS a, count(*) AS n FROM traces x CROSS JOIN feedback f ON f.project_id = ?1 AND f.trace_id = x.trace_id
          WHERE x.project_id = ?1 AND x.session_id = th.thread_id GROUP BY f.key)) AS feedback_summary
    FROM page th ORDER BY th.sort_value DESC, th.thread_id DESC`;
}

function threadOut(r: ThreadRow): ThreadOut {
  return {
    thread_id: r.thread_id,
    trace_count: r.trace_count,
    first_start: formatTimestamp(r.first_start),
    last_start: formatTimestamp(r.last_start),
    duration_ms: r.first_start != null && r.last_end != null ? Math.max(0, r.last_end - r.first_start) : null,
    total_tokens: r.total_tokens,
    cost_usd: r.cost_usd,
    error_count: r.error_count ?? 0,
    user_id: r.user_id,
    name: r.name,
    first_input_preview: r.first_input_preview,
    last_output_preview: r.last_output_preview,
    feedback: r.feedback_summary ? JSON.parse(r.feedback_summary) : {},
  };
}

/**
 * Renumbers the `?` placeholders of a compiled filter to `?N` from `start`: the thread
 * query names the project `?1` (used many times, one bound value: D1 allows 100 per
 * statement), so every other placeholder must be numbered too.
 */
function numbered(sql: string, start: number): string {
  let n = start;
  return sql.replace(/\?(?!\d)/g, () => `?${n++}`);
}

/** The SQL and parameters of a thread-list page (exported for query-plan inspection). */
export function threadListQuery(projectId: string, opts: ThreadListOptions, frequent?: ReadonlySet<string>): { sql: string; binds: unknown[] } {
  const now = opts.now ?? Date.now();
  const { where, params } = compileNode(parseQuery(opts.q), 'traces', projectId, now, 'q', frequent);
  const binds: unknown[] = [projectId, ...params];
  const conds = ['t.project_id = ?1', 't.session_id IS NOT NULL', `(${numbered(where, 2)})`];
  const next = () => `?${binds.length}`;
  if (opts.from != null) binds.push(opts.from), conds.push(`t.start_time >= ${next()}`);
  if (opts.to != null) binds.push(opts.to), conds.push(`t.start_time < ${next()}`);
  let tail = '';
  if (opts.cursor) {
    const [value, id] = decodeCursor(opts.cursor, 2);
    binds.push(value);
    const v = next();
    binds.push(id);
    tail = `WHERE sort_value < ${v} OR (sort_value = ${v} AND thread_id < ${next()})`;
  }
  binds.push(opts.limit + 1);
  tail += ` ORDER BY sort_value DESC, thread_id DESC LIMIT ${next()}`;
  return { sql: threadSql(`SELECT DISTINCT t.session_id FROM traces t WHERE ${conds.join(' AND ')}`, tail), binds };
}

/**
 * GET /v1/threads: conversations with at least one trace matching the filter and range,
 * newest activity (latest trace start) first; figures cover every trace of the thread.
 */
export async function listThreads(env: Env, projectId: string, opts: ThreadListOptions): Promise<ThreadList> {
  const db = dbFor(env, projectId);
  const frequent = await frequentTexts(db, traceLevelTexts(parseQuery(opts.q)));
  const { sql, binds } = threadListQuery(projectId, opts, frequent);
  const { results } = await db.prepare(sql).bind(...binds).all<ThreadRow>();
  const more = results.length > opts.limit;
  const page = more ? results.slice(0, opts.limit) : results;
  const last = page[page.length - 1];
  return { threads: page.map(threadOut), next_cursor: more && last ? encodeCursor([last.sort_value, last.thread_id]) : null };
}

/** One thread's figures, or null when no trace of the project carries the id. */
export async function threadSummary(env: Env, projectId: string, threadId: string): Promise<ThreadOut | null> {
  const row = await dbFor(env, projectId).prepare(threadSql('SELECT ?2 AS session_id', '')).bind(projectId, threadId).first<ThreadRow>();
  return row ? threadOut(row) : null;
}

/** GET /v1/threads/{id}: the figures, the turns in time order (at most MAX_THREAD_TURNS) and the thread-level feedback; 404 if unknown. */
export async function getThread(env: Env, projectId: string, threadId: string): Promise<ThreadDetail> {
  const db = dbFor(env, projectId);
  const [summary, turns, threadFeedback] = await db.batch([
    db.prepare(threadSql('SELECT ?2 AS session_id', '')).bind(projectId, threadId),
    db
      .prepare(`SELECT page.*, ${FEEDBACK_SUMMARY} FROM traces page WHERE page.project_id = ? AND page.session_id = ? ORDER BY +page.start_time, page.trace_id LIMIT ?`)
      .bind(projectId, projectId, threadId, MAX_THREAD_TURNS),
    // Thread evaluators write their score on one turn and name the thread in metadata.
    db
      .prepare(
        `SELECT f.* FROM traces x CROSS JOIN feedback f ON f.project_id = x.project_id AND f.trace_id = x.trace_id
          WHERE x.project_id = ? AND x.session_id = ? AND f.metadata ->> '$.thread_id' = ? ORDER BY f.created_at DESC LIMIT 200`,
      )
      .bind(projectId, threadId, threadId),
  ]);
  const row = summary.results[0] as ThreadRow | undefined;
  if (!row) throw new ApiError(404, 'not_found', `thread '${threadId}' not found in this project`, 'id');
  return {
    ...threadOut(row),
    turns: (turns.results as unknown as TraceRow[]).map(turnOut),
    thread_feedback: (threadFeedback.results as unknown as FeedbackRow[]).map(feedbackOut),
  };
}

function turnOut(r: TraceRow): ThreadTurn {
  return {
    trace_id: r.trace_id,
    start_time: formatTimestamp(r.start_time),
    name: r.name,
    input_preview: r.input_preview,
    output_preview: r.output_preview,
    status: r.has_error ? 'error' : r.root_ended ? 'ok' : 'unset',
    has_error: !!r.has_error,
    duration_ms: r.duration_ms,
    total_tokens: r.total_tokens,
    cost_usd: r.cost_usd,
    feedback: r.feedback_summary ? JSON.parse(r.feedback_summary) : {},
  };
}

/**
 * The latest `maxTurns` turns of a thread with their root spans' full inputs and outputs
 * (in time order), and how many turns it has:
 * what a thread evaluator's judge reads. Only the root span of each trace is loaded (one
 * R2 range read per payload, merged by batch), and at most the last `maxTurns` turns,
 * since every payload is held in memory (Workers: 128 MB) and a judge's budget is small.
 */
export async function threadConversation(env: Env, projectId: string, threadId: string, maxTurns: number): Promise<{ turns: ConversationTurn[]; totalTurns: number }> {
  const db = dbFor(env, projectId);
  const [count, { results }] = await db.batch([
    db.prepare('SELECT count(*) AS n FROM traces WHERE project_id = ? AND session_id = ?').bind(projectId, threadId),
    db
    .prepare(
      `SELECT * FROM (
         SELECT t.trace_id, t.start_time, t.name, s.input_ref, s.output_ref, s.input_preview, s.output_preview FROM traces t
           LEFT JOIN spans s ON s.project_id = t.project_id AND s.trace_id = t.trace_id AND s.span_id = t.root_span_id
          WHERE t.project_id = ? AND t.session_id = ? ORDER BY +t.start_time DESC, t.trace_id DESC LIMIT ?)
        ORDER BY start_time, trace_id`,
    )
    .bind(projectId, threadId, maxTurns),
  ]) as [D1Result<{ n: number }>, D1Result<{ trace_id: string; start_time: number | null; name: string | null; input_ref: string | null; output_ref: string | null; input_preview: string | null; output_preview: string | null }>];
  const refs = results.flatMap((r) => [r.input_ref, r.output_ref]).filter((r): r is string => !!r);
  const lines = refs.length ? await loadLines(env.BLOBS, refs) : new Map();
  const turns = results.map((r) => ({
    trace_id: r.trace_id,
    start_time: r.start_time,
    name: r.name,
    input: r.input_ref ? lines.get(r.input_ref)?.input : (r.input_preview ?? undefined),
    output: r.output_ref ? lines.get(r.output_ref)?.output : (r.output_preview ?? undefined),
  }));
  return { turns, totalTurns: count.results[0]?.n ?? turns.length };
}
