/**
 * Thread rules: a rule with target `thread` evaluates a whole conversation (the traces
 * sharing a session_id) once it has been idle for `idle_minutes`. The every-minute cron
 * (sweepIdleThreads) finds, per active thread rule, threads whose last turn started and
 * ended before now - idle_minutes, and records each as a match of the rule's `thread` run
 * keyed by the thread's LAST trace: `eval_matches` (project, rule, run, trace) is the
 * ledger, so a thread fires once per last turn however often the sweep runs, and a new
 * turn (a new last trace) makes it eligible again once that turn has been idle too. The
 * matches then go out as ordinary evaluate jobs (dispatchUnqueued), so the evals sweeper's
 * re-sending of lost work covers them; jobs.ts loads the conversation for them.
 *
 * The score is written on the thread's last trace (the turn after which it went idle,
 * i.e. the state it was judged in) with `metadata.thread_id`; see docs/threads.md.
 */
import { dbFor, projectDatabases } from '../platform/db.ts';
import { compileQuery } from '../store/filter.ts';
import { isSampled } from '../store/matching.ts';
import { stableId } from '../platform/ids.ts';
import { activeThreadRules, THREAD_RUN_ID, type Rule } from './rules.ts';
import { dispatchUnqueued, matchStatements } from './matching.ts';

/** Threads recorded per rule per sweep; the rest are found by the next sweep (a minute later). */
export const IDLE_SWEEP_LIMIT = 500;
/**
 * How far behind its cursor each sweep looks again. A trace can be indexed after its start
 * time has been passed (a client that buffers spans, a lost queue message re-sent by the
 * ingest sweeper minutes later); the ledger makes looking twice free of double work.
 */
export const RESCAN_MS = 60 * 60_000;
/** Most turns of a thread a thread evaluator loads (the latest; payloads are held in memory, Workers: 128 MB). */
export const MAX_CONVERSATION_TURNS = 200;

/** The feedback id of a thread evaluator's score: one per (evaluator version, thread, last turn). */
export function threadFeedbackId(evaluatorId: string, version: number, threadId: string, lastTraceId: string): Promise<string> {
  return stableId('evt_', [evaluatorId, version, threadId, lastTraceId].join('\u0000'));
}

/** What one sweep did. */
export interface ThreadSweep {
  rules: number;
  threads: number;
}

/** Records and dispatches the idle threads of every active thread rule; `now` is injectable for tests. */
export async function sweepIdleThreads(env: Env, now = Date.now()): Promise<ThreadSweep> {
  const out: ThreadSweep = { rules: 0, threads: 0 };
  for (const db of projectDatabases(env)) {
    for (const rule of await activeThreadRules(db)) {
      out.rules++;
      // One rule failing (a filter that no longer compiles) must not keep the others from running.
      try {
        out.threads += await sweepRule(env, rule, now);
      } catch (err) {
        console.error(`idle-thread sweep of rule ${rule.id} (project ${rule.projectId}) failed`, err);
      }
    }
  }
  if (out.threads) console.log(`thread rules: ${out.threads} idle thread(s) queued for evaluation`);
  return out;
}

/**
 * One rule's idle threads since its cursor. A thread qualifies when its last trace
 * (latest start, then trace id) started in the window and started and ended before the
 * idle cutoff, some trace of it matches the rule's filter, and the ledger has no row for
 * that last trace. The window starts at the rule's creation minus the idle time (threads
 * that go idle while the rule exists) or RESCAN_MS behind the cursor, whichever is later.
 */
async function sweepRule(env: Env, rule: Rule & { projectId: string }, now: number): Promise<number> {
  const projectId = rule.projectId;
  const db = dbFor(env, projectId);
  const idleMs = (rule.idleMinutes ?? 30) * 60_000;
  const cutoff = now - idleMs;
  const run = await db.prepare('SELECT cursor FROM eval_runs WHERE project_id = ? AND rule_id = ? AND id = ?').bind(projectId, rule.id, THREAD_RUN_ID).first<{ cursor: string | null }>();
  const scannedTo = run?.cursor ? (JSON.parse(run.cursor) as { scanned_to: number }).scanned_to : null;
  const from = Math.max(rule.createdAt - idleMs, scannedTo == null ? -Infinity : scannedTo - RESCAN_MS);
  if (from >= cutoff) return 0;
  const filter = rule.filter ? compileQuery(rule.filter, 'traces', projectId, now, 'filter') : null;
  const { results } = await db
    .prepare(
      `SELECT l.session_id, l.trace_id, l.start_time FROM traces l
        WHERE l.project_id = ? AND l.start_time >= ? AND l.start_time < ? AND l.session_id IS NOT NULL
          AND COALESCE(l.end_time, l.start_time) < ?
          AND NOT EXISTS (SELECT 1 FROM traces n WHERE n.project_id = l.project_id AND n.session_id = l.session_id
                           AND (n.start_time > l.start_time OR (n.start_time = l.start_time AND n.trace_id > l.trace_id)))
          AND NOT EXISTS (SELECT 1 FROM eval_matches m WHERE m.project_id = l.project_id AND m.rule_id = ? AND m.run_id = ? AND m.trace_id = l.trace_id)
          ${filter ? `AND EXISTS (SELECT 1 FROM traces t WHERE t.project_id = ? AND t.session_id = l.session_id AND (${filter.where}))` : ''}
        ORDER BY l.start_time, l.trace_id LIMIT ?`,
    )
    .bind(projectId, Number.isFinite(from) ? from : 0, cutoff, cutoff, rule.id, THREAD_RUN_ID, ...(filter ? [projectId, ...filter.params] : []), IDLE_SWEEP_LIMIT)
    .all<{ session_id: string; trace_id: string; start_time: number }>();
  // A full page may leave threads behind at its last start time: the next sweep resumes there.
  const scanned = results.length < IDLE_SWEEP_LIMIT ? cutoff : results[results.length - 1].start_time;
  const matches = await Promise.all(results.map(async (r) => ({ traceId: r.trace_id, sampled: await isSampled(rule.id, r.session_id, rule.samplingRate) })));
  const statements = matchStatements(env, projectId, rule, THREAD_RUN_ID, matches, now);
  statements.push(
    db
      .prepare('UPDATE eval_runs SET cursor = ?, scanned = scanned + ?, updated_at = ? WHERE project_id = ? AND rule_id = ? AND id = ?')
      .bind(JSON.stringify({ scanned_to: Math.max(scanned, scannedTo ?? -Infinity) }), results.length, now, projectId, rule.id, THREAD_RUN_ID),
  );
  await db.batch(statements);
  // Recorded first, sent second: if this send is lost, the evals sweeper re-sends unqueued matches.
  if (results.length) await dispatchUnqueued(env, projectId, rule, THREAD_RUN_ID, results.map((r) => r.trace_id));
  return results.length;
}
