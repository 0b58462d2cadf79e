/**
 * Scheduled Insights reports: a project setting (daily, weekly or off; filter, failure
 * filter, window of days) and the Cron Trigger's pass over due schedules. The cron fires
 * hourly (wrangler.toml [triggers]); a schedule is due once `every` has passed since its
 * last run, so a missed hour only delays a report, and claiming the run with a
 * conditional UPDATE means two overlapping cron invocations start it once.
 */
import { z } from 'zod';
import { dbFor, projectDatabases } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { startReport } from './service.ts';
import { checkRequest } from './reports.ts';

export const ScheduleIn = z.strictObject({
  every: z.enum(['daily', 'weekly', 'off']).meta({ description: 'How often a report runs on its own' }),
  filter: z.string().max(4000).default(''),
  failure_filter: z.string().max(4000).nullish(),
  window_days: z.number().int().min(1).max(90).default(30).meta({ description: 'Each scheduled report reads the traces of the last N days' }),
});
export const ScheduleOut = z.object({ every: z.enum(['daily', 'weekly', 'off']), filter: z.string(), failure_filter: z.string().nullable(), window_days: z.number().int(), last_run_at: z.number().nullable() });
export type ScheduleOut = z.infer<typeof ScheduleOut>;

const PERIOD_MS = { daily: 86_400_000, weekly: 7 * 86_400_000 } as const;

interface Row {
  project_id: string;
  every: 'daily' | 'weekly' | 'off';
  filter: string;
  failure_filter: string | null;
  window_days: number;
  last_run_at: number | null;
}

const out = (r: Row): ScheduleOut => ({ every: r.every, filter: r.filter, failure_filter: r.failure_filter, window_days: r.window_days, last_run_at: r.last_run_at });

export async function getSchedule(env: Env, projectId: string): Promise<ScheduleOut> {
  const r = await dbFor(env, projectId).prepare('SELECT * FROM insight_schedules WHERE project_id = ?').bind(projectId).first<Row>();
  return r ? out(r) : { every: 'off', filter: '', failure_filter: null, window_days: 30, last_run_at: null };
}

export async function putSchedule(env: Env, projectId: string, body: z.output<typeof ScheduleIn>, now = Date.now()): Promise<ScheduleOut> {
  // The filters are checked as a report would check them: a schedule that could never run is a 400 now, not a silent failure at night.
  checkRequest(projectId, { filter: body.filter, since: `${body.window_days}d`, failure_filter: body.failure_filter ?? undefined }, now);
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO insight_schedules (project_id, every, filter, failure_filter, window_days, last_run_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?)
       ON CONFLICT (project_id) DO UPDATE SET every = excluded.every, filter = excluded.filter, failure_filter = excluded.failure_filter, window_days = excluded.window_days, updated_at = excluded.updated_at`,
    )
    .bind(projectId, body.every, body.filter.trim(), body.failure_filter?.trim() || null, body.window_days, now)
    .run();
  return getSchedule(env, projectId);
}

/** The cron's pass: starts every due schedule's report. Returns the report ids started. */
export async function runDueSchedules(env: Env, now = Date.now()): Promise<string[]> {
  // Schedules live with their project, on its shard: every shard is asked. A project being
  // moved may show up on two shards; the claim goes through dbFor (its one current shard)
  // and is refused while it moves, so it starts once, after the move.
  const results: Row[] = [];
  for (const db of projectDatabases(env)) {
    const page = await db
      .prepare(`SELECT * FROM insight_schedules WHERE every != 'off' AND (last_run_at IS NULL OR last_run_at <= ? - (CASE every WHEN 'daily' THEN ? ELSE ? END)) LIMIT 100`)
      .bind(now, PERIOD_MS.daily, PERIOD_MS.weekly)
      .all<Row>();
    results.push(...page.results);
  }
  const started: string[] = [];
  for (const s of results) {
    const claim = await dbFor(env, s.project_id)
      .prepare('UPDATE insight_schedules SET last_run_at = ? WHERE project_id = ? AND last_run_at IS ?')
      .bind(now, s.project_id, s.last_run_at)
      .run()
      .catch((err: unknown) => {
        console.warn(`insights schedule of project ${s.project_id} not claimed now`, err instanceof ApiError ? err.message : err);
        return null;
      });
    if (!claim?.meta.changes) continue;
    try {
      const row = await startReport(env, s.project_id, { filter: s.filter, since: `${s.window_days}d`, failure_filter: s.failure_filter ?? undefined }, 'schedule', now);
      started.push(row.id);
    } catch (err) {
      // One project's broken schedule must not stop the others'.
      console.error(`insights schedule of project ${s.project_id} failed to start`, err instanceof ApiError ? err.message : err);
    }
  }
  return started;
}
