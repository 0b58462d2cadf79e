/**
 * The evaluation sweeper (run by the every-minute cron beside the ingest sweeper): work
 * whose queue message was lost is sent again. Three places hold it, all in D1:
 * - a match whose jobs were never sent (`eval_matches.queued_at` empty five minutes on: the
 *   process died between recording the match and sending its jobs);
 * - a job still `queued` in the run log fifteen minutes on (its message was lost; a job
 *   being retried is rewritten at each attempt, and the queue's backoff tops out at five
 *   minutes, so a live one is never this old);
 * - a backfill still `scanning` five minutes after its last page (its next-page message
 *   was lost; a page records its cursor and count, so a duplicate page is not scanned twice).
 * Re-sent jobs rewrite the same score (its id is derived from evaluator, version, trace and
 * span), so a job that did run once but lost its acknowledgement is not counted twice.
 */
import type { BackfillMessage, EvaluateMessage } from '../../schema/queues.ts';
import { projectDatabases } from '../platform/db.ts';
import { dispatchUnqueued, sendEvalMessages } from './matching.ts';
import { getRule } from './rules.ts';

export const UNQUEUED_AFTER_MS = 5 * 60_000;
export const STALLED_JOB_AFTER_MS = 15 * 60_000;
export const STALLED_SCAN_AFTER_MS = 5 * 60_000;
const LIMIT = 500;

export interface EvalSweep {
  matches: number;
  jobs: number;
  backfills: number;
}

/** Sends again what lost messages left behind; `now` is injectable for tests. */
export async function sweepEvalWork(env: Env, now = Date.now()): Promise<EvalSweep> {
  const out: EvalSweep = { matches: 0, jobs: 0, backfills: 0 };
  for (const db of projectDatabases(env)) {
    const { results: unqueued } = await db
      .prepare('SELECT project_id, rule_id, run_id, trace_id FROM eval_matches WHERE queued_at IS NULL AND sampled = 1 AND created_at <= ? LIMIT ?')
      .bind(now - UNQUEUED_AFTER_MS, LIMIT)
      .all<{ project_id: string; rule_id: string; run_id: string; trace_id: string }>();
    const byRun = new Map<string, typeof unqueued>();
    for (const m of unqueued) byRun.set(`${m.project_id}\n${m.rule_id}\n${m.run_id}`, [...(byRun.get(`${m.project_id}\n${m.rule_id}\n${m.run_id}`) ?? []), m]);
    for (const rows of byRun.values()) {
      const { project_id, rule_id, run_id } = rows[0];
      const traces = rows.map((r) => r.trace_id);
      const rule = await getRule(env, project_id, rule_id).catch(() => null);
      if (rule) await dispatchUnqueued(env, project_id, rule, run_id, traces);
      // A deleted rule's matches will never run: mark them so they are not picked again.
      else await db.prepare('UPDATE eval_matches SET queued_at = ? WHERE project_id = ? AND rule_id = ? AND run_id = ? AND trace_id IN (SELECT value FROM json_each(?))').bind(now, project_id, rule_id, run_id, JSON.stringify(traces)).run();
      out.matches += traces.length;
    }

    const { results: stalled } = await db
      .prepare("SELECT project_id, rule_id, run_id, trace_id, span_id, evaluator_id FROM eval_results WHERE status = 'queued' AND updated_at <= ? LIMIT ?")
      .bind(now - STALLED_JOB_AFTER_MS, LIMIT)
      .all<{ project_id: string; rule_id: string; run_id: string; trace_id: string; span_id: string; evaluator_id: string }>();
    if (stalled.length) {
      await db
        .prepare(
          `UPDATE eval_results SET updated_at = ?1 WHERE status = 'queued' AND EXISTS (SELECT 1 FROM json_each(?2) j WHERE j.value ->> 0 = eval_results.project_id AND j.value ->> 1 = eval_results.rule_id
             AND j.value ->> 2 = eval_results.run_id AND j.value ->> 3 = eval_results.trace_id AND j.value ->> 4 = eval_results.span_id AND j.value ->> 5 = eval_results.evaluator_id)`,
        )
        .bind(now, JSON.stringify(stalled.map((r) => [r.project_id, r.rule_id, r.run_id, r.trace_id, r.span_id, r.evaluator_id])))
        .run();
      const jobs: EvaluateMessage[] = stalled.map((r) => ({ v: 1, type: 'evaluate', project_id: r.project_id, rule_id: r.rule_id, run_id: r.run_id, trace_id: r.trace_id, evaluator_id: r.evaluator_id, ...(r.span_id ? { span_id: r.span_id } : {}) }));
      await sendEvalMessages(env, jobs);
      out.jobs += jobs.length;
    }

    const { results: scans } = await db
      .prepare("SELECT project_id, rule_id, id FROM eval_runs WHERE status = 'scanning' AND updated_at <= ? LIMIT ?")
      .bind(now - STALLED_SCAN_AFTER_MS, LIMIT)
      .all<{ project_id: string; rule_id: string; id: string }>();
    if (scans.length) {
      await db.prepare("UPDATE eval_runs SET updated_at = ?1 WHERE status = 'scanning' AND updated_at <= ?2").bind(now, now - STALLED_SCAN_AFTER_MS).run();
      await sendEvalMessages(env, scans.map((r): BackfillMessage => ({ v: 1, type: 'backfill', project_id: r.project_id, rule_id: r.rule_id, run_id: r.id })));
      out.backfills += scans.length;
    }
  }
  if (out.matches || out.jobs || out.backfills) console.log(`evals sweeper: re-sent ${out.matches} match(es), ${out.jobs} job(s), ${out.backfills} backfill page(s)`);
  return out;
}
