/**
 * Rules meet traces: completed traces (from the indexer's message) and backfill pages are
 * matched against each rule's filter, sampled per trace, recorded in `eval_matches`, and
 * fanned out as one `evaluate` job per (trace, evaluator) on the evals queue; a rule with a
 * dataset action also sends its sampled matches to the datasets queue.
 *
 * Redelivery: matches insert idempotently; jobs are sent for sampled matches whose
 * `queued_at` is still empty and marked only after the send succeeded, so a crash in
 * between re-sends rather than loses (a duplicate job rewrites the same score).
 */
import type { BackfillMessage, EvalMessage, EvaluateMessage, TracesCompletedMessage } from '../../schema/queues.ts';
import type { RunOut } from '../../schema/wire/runs.ts';
import { dbFor } from '../platform/db.ts';
import { sendInBatches } from '../platform/queues.ts';
import { ApiError } from '../platform/errors.ts';
import { isSampled, matchTraces, ruleWhere } from '../store/matching.ts';
import { activeRules, getRule, loadRule, type Rule } from './rules.ts';
import { runOut, type RunRow } from './run-log.ts';
import { scoreCompletedExperimentRuns } from './experiment-jobs.ts';
import { sendToDataset } from './dataset-action.ts';

/** Traces per backfill page (one queue message each). */
export const BACKFILL_PAGE = 500;

/** Sends evaluation jobs or backfill pages on the evals queue. */
export function sendEvalMessages(env: Env, messages: EvaluateMessage[] | BackfillMessage[]): Promise<void> {
  return sendInBatches<EvalMessage>(env.EVAL_QUEUE, messages);
}

/** Statements recording matches of a rule's run, each with its sampling decision. */
export function matchStatements(env: Env, projectId: string, rule: Rule, runId: string, matches: { traceId: string; sampled: boolean }[], now: number): D1PreparedStatement[] {
  const rows = matches.map((m) => [m.traceId, m.sampled ? 1 : 0]);
  const insert = dbFor(env, projectId).prepare(
    `INSERT INTO eval_matches (project_id, rule_id, run_id, trace_id, sampled, queued_at, created_at)
     SELECT ?1, ?2, ?3, j.value ->> 0, j.value ->> 1, NULL, ?4 FROM json_each(?5) j WHERE true
     ON CONFLICT (project_id, rule_id, run_id, trace_id) DO NOTHING`,
  );
  // D1: 100 bound parameters per statement, so rows go in as one JSON parameter (ids <= 128 chars, 2,000 per chunk).
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += 2000) out.push(insert.bind(projectId, rule.id, runId, now, JSON.stringify(rows.slice(i, i + 2000))));
  return out;
}

/**
 * Sends the jobs of sampled, not yet queued matches of a run (only among `traceIds` when
 * given), records them as `queued` in the run log, then marks the matches queued.
 */
export async function dispatchUnqueued(env: Env, projectId: string, rule: Rule, runId: string, traceIds?: string[]): Promise<number> {
  const db = dbFor(env, projectId);
  let sent = 0;
  for (;;) {
    const { results } = await db
      .prepare(
        `SELECT trace_id FROM eval_matches WHERE project_id = ? AND rule_id = ? AND run_id = ? AND sampled = 1 AND queued_at IS NULL
         ${traceIds ? 'AND trace_id IN (SELECT value FROM json_each(?))' : ''} LIMIT 500`,
      )
      .bind(projectId, rule.id, runId, ...(traceIds ? [JSON.stringify(traceIds)] : []))
      .all<{ trace_id: string }>();
    if (!results.length) return sent;
    const ids = results.map((r) => r.trace_id);
    const now = Date.now();
    await db
      .prepare(
        `INSERT INTO eval_results (project_id, rule_id, run_id, trace_id, span_id, evaluator_id, status, attempts, created_at, updated_at)
         SELECT ?1, ?2, ?3, t.value, '', e.value, 'queued', 0, ?4, ?4 FROM json_each(?5) t, json_each(?6) e WHERE true
         ON CONFLICT (project_id, rule_id, run_id, trace_id, span_id, evaluator_id) DO NOTHING`,
      )
      .bind(projectId, rule.id, runId, now, JSON.stringify(ids), JSON.stringify(rule.evaluatorIds))
      .run();
    const jobs: EvaluateMessage[] = [];
    for (const traceId of ids) {
      for (const evaluatorId of rule.evaluatorIds) jobs.push({ v: 1, type: 'evaluate', project_id: projectId, rule_id: rule.id, run_id: runId, trace_id: traceId, evaluator_id: evaluatorId });
    }
    await sendEvalMessages(env, jobs);
    await db
      .prepare('UPDATE eval_matches SET queued_at = ? WHERE project_id = ? AND rule_id = ? AND run_id = ? AND trace_id IN (SELECT value FROM json_each(?))')
      .bind(now, projectId, rule.id, runId, JSON.stringify(ids))
      .run();
    sent += jobs.length;
    if (results.length < 500) return sent;
  }
}

/**
 * Handles a traces_completed message: the traces still unchanged since the indexer sent it
 * (so the quiet period passed without late spans) are matched against every active rule.
 */
export async function matchCompletedTraces(env: Env, msg: TracesCompletedMessage, now = Date.now()): Promise<{ complete: number; matched: number }> {
  const projectId = msg.project_id;
  const db = dbFor(env, projectId);
  const expected = new Map(msg.traces);
  const { results } = await db
    .prepare('SELECT trace_id, updated_at FROM traces WHERE project_id = ? AND root_ended = 1 AND trace_id IN (SELECT value FROM json_each(?))')
    .bind(projectId, JSON.stringify(msg.traces.map(([id]) => id)))
    .all<{ trace_id: string; updated_at: number }>();
  // A later batch touched the trace: its own message (sent with a fresh delay) will match it.
  const complete = results.filter((r) => r.updated_at <= (expected.get(r.trace_id) ?? -1)).map((r) => r.trace_id);
  if (!complete.length) return { complete: 0, matched: 0 };
  // Experiment runs are scored by their experiment's evaluators, rules or not.
  await scoreCompletedExperimentRuns(env, projectId, complete);
  const rules = await activeRules(env, projectId);
  if (!rules.length) return { complete: complete.length, matched: 0 };
  let matched = 0;
  for (const rule of rules) {
    const hits = await matchTraces(db, projectId, rule, complete, now);
    if (!hits.length) continue;
    matched += hits.length;
    await db.batch(matchStatements(env, projectId, rule, 'online', hits, now));
    await dispatchUnqueued(env, projectId, rule, 'online', hits.map((h) => h.traceId));
    // Sent on every delivery (not only the first): the add is idempotent per trace, so a crash after matching re-sends rather than loses.
    await sendToDataset(env, projectId, rule, hits.filter((h) => h.sampled).map((h) => h.traceId));
  }
  return { complete: complete.length, matched };
}

/** Run ids of backfills that score again what the same evaluator version already scored. */
export const RESCORE_RUN_PREFIX = 'bfr_';

/** Starts a backfill of a rule over [from, to): a run row, then the first page message. */
export async function startBackfill(env: Env, projectId: string, ruleId: string, range: { from: number; to: number; maxTraces: number; rescore?: boolean }): Promise<RunOut> {
  const rule = await getRule(env, projectId, ruleId);
  if (rule.target === 'thread') throw new ApiError(400, 'invalid_request', 'rule: a thread rule evaluates conversations as they go idle and takes no backfill', 'id');
  if (range.to <= range.from) throw new ApiError(400, 'invalid_request', 'to: must be after from', 'to');
  // A re-scoring run is marked in its (opaque) id, so every job of it carries the choice
  // without a new eval_runs column or message field.
  const id = `${range.rescore ? RESCORE_RUN_PREFIX : 'bf_'}${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const now = Date.now();
  const row = await dbFor(env, projectId)
    .prepare(
      `INSERT INTO eval_runs (project_id, rule_id, id, kind, from_time, to_time, max_traces, status, cursor, scanned, created_at, updated_at)
       VALUES (?, ?, ?, 'backfill', ?, ?, ?, 'scanning', NULL, 0, ?, ?) RETURNING *`,
    )
    .bind(projectId, rule.id, id, range.from, range.to, range.maxTraces, now, now)
    .first<RunRow>();
  await sendEvalMessages(env, [{ v: 1, type: 'backfill', project_id: projectId, rule_id: rule.id, run_id: id }]);
  return runOut(row!, { matched: 0, sampled: 0, queued: 0, scored: 0, failed: 0, skipped: 0 });
}

/**
 * Handles one backfill page: matches the next page of traces in the range (keyset by
 * start time, trace id), advances the cursor in the same D1 transaction (guarded by the
 * old `scanned`, so a duplicate message does not scan twice), sends the jobs, and queues
 * the next page until the range or max_traces is exhausted.
 */
export async function scanBackfillPage(env: Env, msg: BackfillMessage, now = Date.now()): Promise<void> {
  const { project_id: projectId, rule_id: ruleId, run_id: runId } = msg;
  const db = dbFor(env, projectId);
  const run = await db.prepare('SELECT * FROM eval_runs WHERE project_id = ? AND rule_id = ? AND id = ?').bind(projectId, ruleId, runId).first<RunRow>();
  if (!run || run.status !== 'scanning') return;
  const fail = (why: string) =>
    db.prepare("UPDATE eval_runs SET status = 'failed', error = ?, updated_at = ? WHERE project_id = ? AND rule_id = ? AND id = ?").bind(why, now, projectId, ruleId, runId).run();
  const rule = await loadRule(env, projectId, ruleId);
  if (!rule) return void (await fail('the rule was deleted'));
  const compiled = ruleWhere(rule, projectId, now);
  if (!compiled) return void (await fail('the rule filter no longer compiles'));
  // A page recorded before a crash may still hold unsent jobs.
  await dispatchUnqueued(env, projectId, rule, runId);
  const limit = Math.min(BACKFILL_PAGE, (run.max_traces ?? Infinity) - run.scanned);
  const conds = ['t.project_id = ?', 't.start_time >= ?', 't.start_time < ?', `(${compiled.where})`];
  const binds: (string | number)[] = [projectId, run.from_time!, run.to_time!, ...compiled.params];
  if (run.cursor) {
    const [start, traceId] = JSON.parse(run.cursor) as [number, string];
    conds.push('(t.start_time > ? OR (t.start_time = ? AND t.trace_id > ?))');
    binds.push(start, start, traceId);
  }
  const { results: page } =
    limit > 0
      ? await db.prepare(`SELECT t.trace_id, t.start_time FROM traces t WHERE ${conds.join(' AND ')} ORDER BY t.start_time, t.trace_id LIMIT ?`).bind(...binds, limit).all<{ trace_id: string; start_time: number }>()
      : { results: [] as { trace_id: string; start_time: number }[] };
  const last = page[page.length - 1];
  const finished = page.length < limit || run.scanned + page.length >= (run.max_traces ?? Infinity);
  const sampled = await Promise.all(page.map(async (p) => ({ traceId: p.trace_id, sampled: await isSampled(rule.id, p.trace_id, rule.samplingRate) })));
  const statements = matchStatements(env, projectId, rule, runId, sampled, now);
  statements.push(
    db
      .prepare('UPDATE eval_runs SET cursor = ?, scanned = scanned + ?, status = ?, updated_at = ? WHERE project_id = ? AND rule_id = ? AND id = ? AND scanned = ? AND status = ?')
      .bind(last ? JSON.stringify([last.start_time, last.trace_id]) : run.cursor, page.length, finished ? 'scanned' : 'scanning', now, projectId, ruleId, runId, run.scanned, 'scanning'),
  );
  const written = await db.batch(statements);
  if (!written[written.length - 1].meta.changes) return; // a duplicate message already scanned this page
  if (page.length) await dispatchUnqueued(env, projectId, rule, runId, page.map((p) => p.trace_id));
  await sendToDataset(env, projectId, rule, sampled.filter((p) => p.sampled).map((p) => p.traceId));
  if (!finished) await sendEvalMessages(env, [msg]);
}
