/**
 * Rule run logs: per run, how many traces were matched and sampled, and how many jobs are
 * queued, scored, failed or skipped; and the jobs themselves with their errors.
 */
import type { RunOut, RunResultOut } from '../../schema/wire/runs.ts';
import { dbFor } from '../platform/db.ts';
import { newestFirstPage } from '../store/cursor.ts';
import { ApiError } from '../platform/errors.ts';

/** An eval_runs row. */
export interface RunRow {
  rule_id: string;
  id: string;
  kind: 'online' | 'backfill';
  from_time: number | null;
  to_time: number | null;
  max_traces: number | null;
  status: string;
  cursor: string | null;
  scanned: number;
  error: string | null;
  created_at: number;
  updated_at: number;
}

type Counts = RunOut['counts'];

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

/** A run as the API shows it. A scanned backfill with nothing queued is `done`. */
export function runOut(r: RunRow, counts: Counts): RunOut {
  let status = r.status;
  if (r.kind === 'backfill' && status === 'scanned') status = counts.queued > 0 ? 'running' : 'done';
  return {
    id: r.id,
    rule_id: r.rule_id,
    kind: r.kind,
    from: iso(r.from_time),
    to: iso(r.to_time),
    status,
    scanned: r.scanned,
    counts,
    error: r.error,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

/** Counters for runs of a rule (one query for matches, one for results). */
async function countsFor(env: Env, projectId: string, ruleId: string, runIds: string[]): Promise<Map<string, Counts>> {
  const db = dbFor(env, projectId);
  const ids = JSON.stringify(runIds);
  const [matches, results] = await db.batch([
    db
      .prepare('SELECT run_id, count(*) AS matched, sum(sampled) AS sampled FROM eval_matches WHERE project_id = ? AND rule_id = ? AND run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id')
      .bind(projectId, ruleId, ids),
    db
      .prepare("SELECT run_id, status, count(*) AS n FROM eval_results WHERE project_id = ? AND rule_id = ? AND run_id IN (SELECT value FROM json_each(?)) AND status <> 'expanded' GROUP BY run_id, status")
      .bind(projectId, ruleId, ids),
  ]);
  const out = new Map<string, Counts>(runIds.map((id) => [id, { matched: 0, sampled: 0, queued: 0, scored: 0, failed: 0, skipped: 0 }]));
  for (const m of matches.results as { run_id: string; matched: number; sampled: number | null }[]) {
    const c = out.get(m.run_id)!;
    c.matched = m.matched;
    c.sampled = m.sampled ?? 0;
  }
  for (const r of results.results as { run_id: string; status: keyof Counts; n: number }[]) {
    const c = out.get(r.run_id)!;
    if (r.status in c) c[r.status] = r.n;
  }
  return out;
}

/** The runs of a rule, online first, then backfills newest first. */
export async function listRuns(env: Env, projectId: string, ruleId: string): Promise<RunOut[]> {
  const { results } = await dbFor(env, projectId)
    .prepare("SELECT * FROM eval_runs WHERE project_id = ? AND rule_id = ? ORDER BY kind = 'online' DESC, created_at DESC LIMIT 100")
    .bind(projectId, ruleId)
    .all<RunRow>();
  if (!results.length) throw new ApiError(404, 'not_found', `rule '${ruleId}' not found in this project`, 'id');
  const counts = await countsFor(env, projectId, ruleId, results.map((r) => r.id));
  return results.map((r) => runOut(r, counts.get(r.id)!));
}

/** One run with its counters. */
export async function getRun(env: Env, projectId: string, ruleId: string, runId: string): Promise<RunOut> {
  const row = await dbFor(env, projectId).prepare('SELECT * FROM eval_runs WHERE project_id = ? AND rule_id = ? AND id = ?').bind(projectId, ruleId, runId).first<RunRow>();
  if (!row) throw new ApiError(404, 'not_found', `run '${runId}' of rule '${ruleId}' not found in this project`, 'run_id');
  return runOut(row, (await countsFor(env, projectId, ruleId, [runId])).get(runId)!);
}

interface ResultRow {
  trace_id: string;
  span_id: string;
  evaluator_id: string;
  evaluator_version: number | null;
  status: RunResultOut['status'];
  score: number | null;
  value: string | null;
  error_code: string | null;
  error: string | null;
  attempts: number;
  feedback_id: string | null;
  judge_trace_id: string | null;
  duration_ms: number | null;
  cost_usd: number | null;
  updated_at: number;
  row_id: number;
}

/** The jobs of a run, most recently changed first, optionally of one status. */
export async function listResults(env: Env, projectId: string, ruleId: string, runId: string, opts: { status?: string; limit: number; cursor?: string }): Promise<{ results: RunResultOut[]; next_cursor: string | null }> {
  await getRun(env, projectId, ruleId, runId);
  const conds = ['project_id = ?', 'rule_id = ?', 'run_id = ?'];
  const binds: (string | number)[] = [projectId, ruleId, runId];
  if (opts.status) conds.push('status = ?'), binds.push(opts.status);
  const { rows: page, next_cursor } = await newestFirstPage<ResultRow>(dbFor(env, projectId), 'eval_results', 'updated_at', { conds, binds }, opts);
  return {
    results: page.map((r) => ({
      trace_id: r.trace_id,
      span_id: r.span_id || null,
      evaluator_id: r.evaluator_id,
      evaluator_version: r.evaluator_version,
      status: r.status,
      score: r.score,
      value: r.value == null ? null : JSON.parse(r.value),
      error_code: r.error_code,
      error: r.error,
      attempts: r.attempts,
      feedback_id: r.feedback_id,
      judge_trace_id: r.judge_trace_id,
      duration_ms: r.duration_ms,
      cost_usd: r.cost_usd,
      updated_at: new Date(r.updated_at).toISOString(),
    })),
    next_cursor,
  };
}
