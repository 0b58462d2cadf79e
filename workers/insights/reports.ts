/**
 * Insights reports in D1 and R2: the report row (status, progress), its memberships, the
 * R2 keys of the job's state, and which traces a report reads. Every statement is scoped
 * by project_id.
 */
import { dbFor } from '../platform/db.ts';
import { insightReportKey } from '../store/batch-format.ts';
import { ApiError } from '../platform/errors.ts';
import { compileQuery } from '../store/filter.ts';
import { parseTime } from '../../schema/filter/values.ts';
import type { ReportRow, ReportRun } from '../../schema/wire/insights.ts';

/** Most traces one report reads; beyond it a sample of this many (saying so). */
export const MAX_REPORT_TRACES = 100_000;

/**
 * The default failure definition: some feedback or score below 0.5 (thumbs-down 0,
 * `outcome=0`, an evaluator score under half) or an error status. As SQL over `traces t`,
 * bound with the project id.
 */
export const DEFAULT_FAILURE_SQL = `(t.has_error = 1 OR EXISTS (SELECT 1 FROM feedback f WHERE f.project_id = ? AND f.trace_id = t.trace_id AND f.score IS NOT NULL AND f.score < 0.5))`;
export const DEFAULT_FAILURE_TEXT = 'some feedback or score below 0.5 (thumbs-down, outcome=0, a low evaluator score) or error status';

/** Where a report's objects live in R2. Everything but report.json is the job's state, removed once done. */
export const r2Key = {
  prefix: (projectId: string, reportId: string) => `insights/${projectId}/${reportId}/`,
  ids: (p: string, r: string, i: number) => `insights/${p}/${r}/ids/${i}.json`,
  summaries: (p: string, r: string, i: number) => `insights/${p}/${r}/summaries/${i}.json`,
  sample: (p: string, r: string, i: number) => `insights/${p}/${r}/sample/${i}.json`,
  model: (p: string, r: string) => `insights/${p}/${r}/model.json`,
  report: insightReportKey,
};

interface Row {
  project_id: string;
  id: string;
  status: ReportRow['status'];
  filter: string;
  failure_filter: string | null;
  since: number | null;
  until: number | null;
  progress: string;
  source: 'api' | 'schedule';
  traces: number | null;
  failures: number | null;
  method: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

function rowOut(r: Row): ReportRow {
  return {
    id: r.id,
    status: r.status,
    filter: r.filter,
    failure_filter: r.failure_filter,
    since: r.since,
    until: r.until,
    progress: JSON.parse(r.progress),
    source: r.source,
    traces: r.traces,
    failures: r.failures,
    method: r.method,
    error: r.error,
    created_at: r.created_at,
    finished_at: r.finished_at,
  };
}

/** A time bound as epoch ms, or 400 naming the field. */
function timeBound(text: string | undefined, now: number, path: string): number | null {
  if (!text) return null;
  const at = parseTime(text, now);
  if (at === undefined) throw new ApiError(400, 'invalid_request', `${path}: '${text}' is neither a duration (30d, 12h) nor a date (2026-01-01)`, path);
  return at;
}

/** What a report reads, checked (filters compile, times parse), before anything is written. */
export interface ReportRequest {
  filter: string;
  failureFilter: string | null;
  since: number | null;
  until: number | null;
}

export function checkRequest(projectId: string, body: ReportRun, now = Date.now()): ReportRequest {
  const req = { filter: (body.filter ?? '').trim(), failureFilter: body.failure_filter?.trim() || null, since: timeBound(body.since ?? '30d', now, 'since'), until: timeBound(body.until, now, 'until') };
  const a = compileQuery(req.filter, 'traces', projectId, now, 'filter');
  const b = req.failureFilter ? compileQuery(req.failureFilter, 'traces', projectId, now, 'failure_filter') : { params: [projectId] };
  // D1: 100 bound parameters per statement; the selection binds both filters at once.
  if (a.params.length + b.params.length > 90) throw new ApiError(400, 'invalid_request', 'filter and failure_filter together are too large for one query; use fewer conditions', 'failure_filter');
  return req;
}

/** Creates the report row (queued). */
export async function insertReport(env: Env, projectId: string, id: string, req: ReportRequest, source: 'api' | 'schedule', now = Date.now()): Promise<ReportRow> {
  const row: Row = {
    project_id: projectId, id, status: 'queued', filter: req.filter, failure_filter: req.failureFilter, since: req.since, until: req.until,
    progress: JSON.stringify({ step: 'queued', done: 0, total: 0 }), source, traces: null, failures: null, method: null, error: null, created_at: now, updated_at: now, finished_at: null,
  };
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO insight_reports (project_id, id, status, filter, failure_filter, since, until, progress, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(projectId, id, row.status, row.filter, row.failure_filter, row.since, row.until, row.progress, source, now, now)
    .run();
  return rowOut(row);
}

/** A report's row, or 404 (also for another project's report). */
export async function getReportRow(env: Env, projectId: string, id: string): Promise<ReportRow> {
  const r = await dbFor(env, projectId).prepare('SELECT * FROM insight_reports WHERE project_id = ? AND id = ?').bind(projectId, id).first<Row>();
  if (!r) throw new ApiError(404, 'not_found', `insights report '${id}' not found in this project`, 'id');
  return rowOut(r);
}

/** The project's reports, newest first. */
export async function listReportRows(env: Env, projectId: string, limit = 50): Promise<ReportRow[]> {
  const { results } = await dbFor(env, projectId).prepare('SELECT * FROM insight_reports WHERE project_id = ? ORDER BY created_at DESC, id DESC LIMIT ?').bind(projectId, limit).all<Row>();
  return results.map(rowOut);
}

/** Records progress (never moves a finished report back). */
export async function setProgress(env: Env, projectId: string, id: string, step: string, done: number, total: number): Promise<void> {
  await dbFor(env, projectId)
    .prepare(`UPDATE insight_reports SET status = 'running', progress = ?, updated_at = ? WHERE project_id = ? AND id = ? AND status IN ('queued', 'running')`)
    .bind(JSON.stringify({ step, done, total }), Date.now(), projectId, id)
    .run();
}

/** Flips the report to done: called only once report.json and every membership row exist. */
export async function markDone(env: Env, projectId: string, id: string, out: { traces: number; failures: number; method: string }): Promise<void> {
  const now = Date.now();
  await dbFor(env, projectId)
    .prepare(`UPDATE insight_reports SET status = 'done', progress = ?, traces = ?, failures = ?, method = ?, updated_at = ?, finished_at = ? WHERE project_id = ? AND id = ? AND status != 'done'`)
    .bind(JSON.stringify({ step: 'done', done: 1, total: 1 }), out.traces, out.failures, out.method, now, now, projectId, id)
    .run();
}

export async function markFailed(env: Env, projectId: string, id: string, error: string): Promise<void> {
  const now = Date.now();
  await dbFor(env, projectId)
    .prepare(`UPDATE insight_reports SET status = 'failed', error = ?, updated_at = ?, finished_at = ? WHERE project_id = ? AND id = ? AND status != 'done'`)
    .bind(error.slice(0, 1000), now, now, projectId, id)
    .run();
}

/**
 * Membership rows (cluster, trace) of a report. D1: 100 bound parameters per statement, so
 * the pairs go in as one JSON parameter per 2,000 (~100 KB, under D1's 2 MB value limit);
 * INSERT OR IGNORE makes a retried step land on the same rows.
 */
export async function writeMembers(env: Env, projectId: string, reportId: string, pairs: [string, string][]): Promise<void> {
  if (!pairs.length) return;
  const db = dbFor(env, projectId);
  const stmt = db.prepare(
    `INSERT OR IGNORE INTO insight_members (project_id, report_id, cluster, trace_id) SELECT ?1, ?2, j.value ->> '$[0]', j.value ->> '$[1]' FROM json_each(?3) j`,
  );
  const batches = [];
  for (let i = 0; i < pairs.length; i += 2000) batches.push(stmt.bind(projectId, reportId, JSON.stringify(pairs.slice(i, i + 2000))));
  await db.batch(batches);
}

/** Trace ids of one cluster or pattern of a report (sorted). */
export async function clusterTraces(env: Env, projectId: string, reportId: string, cluster: string, limit = 10_000): Promise<string[]> {
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT trace_id FROM insight_members WHERE project_id = ? AND report_id = ? AND cluster = ? ORDER BY trace_id LIMIT ?')
    .bind(projectId, reportId, cluster, limit)
    .all<{ trace_id: string }>();
  return results.map((r) => r.trace_id);
}

/**
 * Which traces a report reads, page by page: the filter and time range, each with whether
 * it fails. Over MAX_REPORT_TRACES the order is by the ids' last characters (random in
 * OTel ids and in UUIDs v4 and v7 alike, unlike their leading time bits), so taking the
 * first 100,000 is a sample spread over the whole range.
 */
export async function selectTraces(env: Env, projectId: string, req: ReportRequest, now: number, after: [string, string] | null, limit: number): Promise<{ id: string; failed: boolean; tail: string }[]> {
  const f = compileQuery(req.filter, 'traces', projectId, now, 'filter');
  const fail = req.failureFilter ? compileQuery(req.failureFilter, 'traces', projectId, now, 'failure_filter') : { where: DEFAULT_FAILURE_SQL, params: [projectId] };
  const conds = ['t.project_id = ?', `(${f.where})`];
  const binds: unknown[] = [...fail.params, projectId, ...f.params];
  if (req.since != null) conds.push('t.start_time >= ?'), binds.push(req.since);
  if (req.until != null) conds.push('t.start_time < ?'), binds.push(req.until);
  if (after) conds.push(`(substr(t.trace_id, -8) > ? OR (substr(t.trace_id, -8) = ? AND t.trace_id > ?))`), binds.push(after[0], after[0], after[1]);
  binds.push(limit);
  const { results } = await dbFor(env, projectId)
    .prepare(`SELECT t.trace_id, substr(t.trace_id, -8) AS tail, CASE WHEN (${fail.where}) THEN 1 ELSE 0 END AS failed FROM traces t WHERE ${conds.join(' AND ')} ORDER BY tail, t.trace_id LIMIT ?`)
    .bind(...binds)
    .all<{ trace_id: string; tail: string; failed: number }>();
  return results.map((r) => ({ id: r.trace_id, failed: r.failed === 1, tail: r.tail }));
}

/** How many traces match (for the sampling note). */
export async function countTraces(env: Env, projectId: string, req: ReportRequest, now: number): Promise<number> {
  const f = compileQuery(req.filter, 'traces', projectId, now, 'filter');
  const conds = ['t.project_id = ?', `(${f.where})`];
  const binds: unknown[] = [projectId, ...f.params];
  if (req.since != null) conds.push('t.start_time >= ?'), binds.push(req.since);
  if (req.until != null) conds.push('t.start_time < ?'), binds.push(req.until);
  const r = await dbFor(env, projectId).prepare(`SELECT count(*) AS n FROM traces t WHERE ${conds.join(' AND ')}`).bind(...binds).first<{ n: number }>();
  return r?.n ?? 0;
}
