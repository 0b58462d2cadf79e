/**
 * Tracked patterns: a pattern of a report, followed until fixed. Its rate comes from
 * (a) every later finished report of the project over the same filter and failure definition
 * in which it is ranked (same feature key),
 * and (b) when it has an equivalent filter, the traces themselves, per release, under the
 * report's failure definition, so new traces count before the next report. It is `fixed`
 * once its latest two measurements (reports, or else releases) are below the threshold.
 */
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { stableId } from '../platform/ids.ts';
import { compileQuery } from '../store/filter.ts';
import { DEFAULT_FAILURE_SQL, getReportRow, r2Key } from './reports.ts';
import { readReport } from './service.ts';
import type { InsightsReport } from './engine/report.ts';
import type { TrackedOut } from '../../schema/wire/insights.ts';

interface Row {
  project_id: string;
  id: string;
  report_id: string;
  pattern_key: string;
  label: string;
  filter: string | null;
  failure_filter: string | null;
  threshold: number;
  created_at: number;
}

/**
 * Tracks pattern `patternId` (p1, ...) of a finished report. Idempotent: the id is derived
 * from the report and the pattern's key, so tracking it again (a double click, a retried
 * request) lands on the same row; a threshold given again replaces the old one.
 */
export async function trackPattern(env: Env, projectId: string, reportId: string, patternId: string, threshold?: number): Promise<{ tracked: TrackedOut; created: boolean }> {
  const row = await getReportRow(env, projectId, reportId);
  const report = await readReport(env, projectId, row);
  if (!report) throw new ApiError(409, 'not_ready', `report '${reportId}' is ${row.status}: its patterns exist once it is done`, 'report_id');
  const p = report.patterns.find((x) => x.id === patternId);
  if (!p) throw new ApiError(400, 'invalid_request', `pattern: report '${reportId}' has no pattern '${patternId}'`, 'pattern');
  const id = await stableId('it_', `${reportId}\n${p.key}`);
  const db = dbFor(env, projectId);
  const inserted = await db
    .prepare('INSERT INTO insight_tracked (project_id, id, report_id, pattern_key, label, filter, failure_filter, threshold, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, id) DO NOTHING')
    .bind(projectId, id, reportId, p.key, p.label, p.filter, row.failure_filter, threshold ?? report.baseRate ?? 0, Date.now())
    .run();
  const created = inserted.meta.changes > 0;
  if (!created && threshold !== undefined) await db.prepare('UPDATE insight_tracked SET threshold = ? WHERE project_id = ? AND id = ?').bind(threshold, projectId, id).run();
  return { tracked: await getTracked(env, projectId, id), created };
}

/** Stops tracking (the reports it was measured in are untouched). */
export async function untrackPattern(env: Env, projectId: string, id: string): Promise<void> {
  const res = await dbFor(env, projectId).prepare('DELETE FROM insight_tracked WHERE project_id = ? AND id = ?').bind(projectId, id).run();
  if (!res.meta.changes) throw new ApiError(404, 'not_found', `tracked pattern '${id}' not found in this project`, 'id');
}

async function history(env: Env, projectId: string, t: Row): Promise<TrackedOut['reports']> {
  const { results } = await dbFor(env, projectId)
    // Only reports over the same traces and the same failure definition: rates are comparable.
    .prepare(
      `SELECT r.id, r.created_at FROM insight_reports r JOIN insight_reports o ON o.project_id = r.project_id AND o.id = ?
        WHERE r.project_id = ? AND r.status = 'done' AND r.created_at >= o.created_at AND r.filter = o.filter AND r.failure_filter IS o.failure_filter
        ORDER BY r.created_at, r.id LIMIT 50`,
    )
    .bind(t.report_id, projectId)
    .all<{ id: string; created_at: number }>();
  const out: TrackedOut['reports'] = [];
  for (const r of results) {
    const obj = await env.BLOBS.get(r2Key.report(projectId, r.id));
    if (!obj) continue;
    const p = ((await obj.json()) as InsightsReport).patterns.find((x) => x.key === t.pattern_key);
    if (p) out.push({ report_id: r.id, created_at: r.created_at, support: p.support, failures: p.failures, rate: p.rate });
  }
  return out;
}

async function perRelease(env: Env, projectId: string, t: Row): Promise<TrackedOut['releases']> {
  if (!t.filter) return [];
  const now = Date.now();
  const f = compileQuery(t.filter, 'traces', projectId, now, 'filter');
  const fail = t.failure_filter ? compileQuery(t.failure_filter, 'traces', projectId, now, 'failure_filter') : { where: DEFAULT_FAILURE_SQL, params: [projectId] };
  const { results } = await dbFor(env, projectId)
    .prepare(`SELECT t.release AS release, count(*) AS traces, sum(CASE WHEN (${fail.where}) THEN 1 ELSE 0 END) AS failures FROM traces t WHERE t.project_id = ? AND (${f.where}) GROUP BY t.release ORDER BY min(t.start_time) LIMIT 50`)
    .bind(...fail.params, projectId, ...f.params)
    .all<{ release: string | null; traces: number; failures: number }>();
  return results.map((r) => ({ ...r, rate: r.traces ? Number((r.failures / r.traces).toFixed(4)) : 0 }));
}

function out(t: Row, reports: TrackedOut['reports'], releases: TrackedOut['releases']): TrackedOut {
  const series = reports.length >= 2 ? reports.map((r) => r.rate) : releases.map((r) => r.rate);
  const last = series.slice(-2);
  const fixed = last.length === 2 && last.every((r) => r < t.threshold);
  return { id: t.id, report_id: t.report_id, pattern_key: t.pattern_key, label: t.label, filter: t.filter, threshold: t.threshold, status: fixed ? 'fixed' : 'open', reports, releases, created_at: t.created_at };
}

export async function getTracked(env: Env, projectId: string, id: string): Promise<TrackedOut> {
  const t = await dbFor(env, projectId).prepare('SELECT * FROM insight_tracked WHERE project_id = ? AND id = ?').bind(projectId, id).first<Row>();
  if (!t) throw new ApiError(404, 'not_found', `tracked pattern '${id}' not found in this project`, 'id');
  return out(t, await history(env, projectId, t), await perRelease(env, projectId, t));
}

export async function listTracked(env: Env, projectId: string): Promise<TrackedOut[]> {
  const { results } = await dbFor(env, projectId).prepare('SELECT * FROM insight_tracked WHERE project_id = ? ORDER BY created_at DESC LIMIT 100').bind(projectId).all<Row>();
  return Promise.all(results.map(async (t) => out(t, await history(env, projectId, t), await perRelease(env, projectId, t))));
}
