/**
 * Retention per project: a period (14, 30, 90, 400 days or forever) counted from a trace's
 * start time, and optionally a longer one for traces a human looked at (human feedback or a
 * queue review). The every-minute cron queues a retention pass (a deletion job of kind
 * `retention`, so it shares the chunked, resumable deletion path) for each project with due
 * traces and no pass in progress.
 */
import { dbFor, routeOf, shardFill } from '../platform/db.ts';
import { insertJob, retentionDueSql } from './deletion.ts';
import type { RetentionIn, RetentionOut } from '../../schema/wire/lifecycle.ts';

const DAY_MS = 86_400_000;
/** `reviewed_days` stored for "forever" (`days` stores forever as NULL; NULL reviewed_days means "no exception"). */
const FOREVER = 0;

interface SettingsRow {
  project_id: string;
  days: number | null;
  reviewed_days: number | null;
  updated_at: number;
}

export async function getRetention(env: Env, projectId: string): Promise<RetentionOut> {
  const db = dbFor(env, projectId);
  const [row, size, shard] = await Promise.all([
    db.prepare('SELECT * FROM retention_settings WHERE project_id = ?').bind(projectId).first<SettingsRow>(),
    // Payload bytes: the line length at the end of each span's ref ("<key>#<offset>,<length>"; keys hold no comma).
    // A full scan of the project's spans: fine for a settings page, not for a hot path.
    db
      .prepare(
        `SELECT (SELECT count(*) FROM traces WHERE project_id = ?1) AS traces, count(*) AS spans,
           coalesce(sum(CAST(substr(input_ref, instr(input_ref, ',') + 1) AS INTEGER)), 0) AS payload_bytes
         FROM spans WHERE project_id = ?1`,
      )
      .bind(projectId)
      .first<{ traces: number; spans: number; payload_bytes: number }>(),
    shardOf(env, projectId),
  ]);
  return {
    days: row?.days ?? 'forever',
    reviewed_days: row?.reviewed_days == null ? null : row.reviewed_days === FOREVER ? 'forever' : row.reviewed_days,
    stored: { traces: size?.traces ?? 0, spans: size?.spans ?? 0, payload_bytes: size?.payload_bytes ?? 0 },
    shard,
    updated_at: row ? new Date(row.updated_at).toISOString() : null,
  };
}

/** Where the project's index lives: its D1 shard, whether a move is under way, and how full the shard is (cached for the shard-map TTL). */
async function shardOf(env: Env, projectId: string): Promise<RetentionOut['shard']> {
  const route = await routeOf(env, projectId);
  const fill = await shardFill(env, route.shard);
  return { name: route.shard, moving: route.state === 'moving', bytes: fill.bytes, capacity_bytes: fill.capacity };
}

export async function putRetention(env: Env, projectId: string, body: RetentionIn, now = Date.now()): Promise<RetentionOut> {
  const days = body.days === 'forever' ? null : body.days;
  const reviewed = body.reviewed_days == null ? null : body.reviewed_days === 'forever' ? FOREVER : body.reviewed_days;
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO retention_settings (project_id, days, reviewed_days, updated_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (project_id) DO UPDATE SET days = excluded.days, reviewed_days = excluded.reviewed_days, updated_at = excluded.updated_at`,
    )
    .bind(projectId, days, reviewed, now)
    .run();
  return getRetention(env, projectId);
}

/** The cut-offs a pass started at `now` deletes before (null reviewed_cutoff: reviewed traces are not kept longer). */
export function cutoffs(days: number, reviewedDays: number | null, now: number): { cutoff: number; reviewed_cutoff: number | null } {
  if (reviewedDays == null || reviewedDays <= days && reviewedDays !== FOREVER) return { cutoff: now - days * DAY_MS, reviewed_cutoff: null };
  // "Forever" for reviewed traces: a cut-off before any start time.
  return { cutoff: now - days * DAY_MS, reviewed_cutoff: reviewedDays === FOREVER ? Number.MIN_SAFE_INTEGER : now - reviewedDays * DAY_MS };
}

/**
 * Queues a retention pass for every project of `db` that has a period, no pass in progress,
 * and at least one due trace (one indexed probe per project per minute).
 */
export async function queueRetentionPasses(env: Env, db: D1Database, now: number): Promise<void> {
  const { results } = await db
    .prepare(
      `SELECT r.project_id, r.days, r.reviewed_days FROM retention_settings r WHERE r.days IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM deletion_jobs j WHERE j.project_id = r.project_id AND j.kind = 'retention' AND j.status IN ('queued', 'running'))`,
    )
    .all<SettingsRow>();
  for (const r of results) {
    const c = cutoffs(r.days!, r.reviewed_days, now);
    // The pass's own due condition as the probe, so traces kept for their reviews do not queue an empty pass every minute.
    const probe = db.prepare(retentionDueSql(c.reviewed_cutoff));
    const due = await (c.reviewed_cutoff == null ? probe.bind(r.project_id, c.cutoff) : probe.bind(r.project_id, c.cutoff, c.reviewed_cutoff)).first();
    if (due) await insertJob(env, r.project_id, 'retention', JSON.stringify(c), now);
  }
}
