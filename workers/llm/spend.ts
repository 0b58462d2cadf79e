/**
 * The daily judge budget per project: a cap on judge calls and on their cost (USD, from
 * the provider's per-model prices), per UTC day. A call is reserved before it is made
 * with one conditional upsert, so concurrent consumers cannot all slip under the cap at
 * once (D1 runs statements one at a time); the cost is added once the usage is known, so
 * a day can overshoot by at most the calls in flight.
 */
import { dbFor } from '../platform/db.ts';

/** The caps in force for a project. */
export interface SpendCaps {
  dailySpendCapUsd: number;
  dailyJudgeCallCap: number;
}

/** Today's key (UTC). */
export function spendDay(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

const num = (v: string | undefined, fallback: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback);

/** The project's caps: its own settings, else the instance defaults from [vars]. */
export async function spendCaps(env: Env, projectId: string): Promise<SpendCaps> {
  const row = await dbFor(env, projectId)
    .prepare('SELECT daily_spend_cap_usd, daily_judge_call_cap FROM eval_settings WHERE project_id = ?')
    .bind(projectId)
    .first<{ daily_spend_cap_usd: number | null; daily_judge_call_cap: number | null }>();
  const vars = env as unknown as Record<string, string | undefined>;
  return {
    dailySpendCapUsd: row?.daily_spend_cap_usd ?? num(vars.EVAL_DAILY_SPEND_CAP_USD, 10),
    dailyJudgeCallCap: row?.daily_judge_call_cap ?? num(vars.EVAL_DAILY_JUDGE_CALLS, 10_000),
  };
}

/** Reserves one judge call today; false when the project is at its cap. */
export async function reserveJudgeCall(env: Env, projectId: string, caps: SpendCaps, now = Date.now()): Promise<boolean> {
  const row = await dbFor(env, projectId)
    .prepare(
      `INSERT INTO eval_spend (project_id, day, calls, cost_usd) SELECT ?1, ?2, 1, 0 WHERE ?3 >= 1 AND ?4 > 0
       ON CONFLICT (project_id, day) DO UPDATE SET calls = calls + 1 WHERE calls < ?3 AND cost_usd < ?4
       RETURNING calls`,
    )
    .bind(projectId, spendDay(now), caps.dailyJudgeCallCap, caps.dailySpendCapUsd)
    .first<{ calls: number }>();
  return row !== null;
}

/** The statement that adds a call's cost to today's spend. */
export function addJudgeCost(env: Env, projectId: string, usd: number, now = Date.now()): D1PreparedStatement {
  return dbFor(env, projectId).prepare('UPDATE eval_spend SET cost_usd = cost_usd + ? WHERE project_id = ? AND day = ?').bind(usd, projectId, spendDay(now));
}

/** Today's calls and cost. */
export async function spendToday(env: Env, projectId: string, now = Date.now()): Promise<{ day: string; calls: number; cost_usd: number }> {
  const day = spendDay(now);
  const row = await dbFor(env, projectId).prepare('SELECT calls, cost_usd FROM eval_spend WHERE project_id = ? AND day = ?').bind(projectId, day).first<{ calls: number; cost_usd: number }>();
  return { day, calls: row?.calls ?? 0, cost_usd: row?.cost_usd ?? 0 };
}

/** Sets (or, with null, clears back to the default) a project's caps. */
export async function updateSpendCaps(env: Env, projectId: string, patch: { daily_spend_cap_usd?: number | null; daily_judge_call_cap?: number | null }): Promise<void> {
  const db = dbFor(env, projectId);
  const current = await db.prepare('SELECT daily_spend_cap_usd, daily_judge_call_cap FROM eval_settings WHERE project_id = ?').bind(projectId).first<{ daily_spend_cap_usd: number | null; daily_judge_call_cap: number | null }>();
  const usd = patch.daily_spend_cap_usd === undefined ? (current?.daily_spend_cap_usd ?? null) : patch.daily_spend_cap_usd;
  const calls = patch.daily_judge_call_cap === undefined ? (current?.daily_judge_call_cap ?? null) : patch.daily_judge_call_cap;
  await db
    .prepare(
      `INSERT INTO eval_settings (project_id, daily_spend_cap_usd, daily_judge_call_cap, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (project_id) DO UPDATE SET daily_spend_cap_usd = excluded.daily_spend_cap_usd, daily_judge_call_cap = excluded.daily_judge_call_cap, updated_at = excluded.updated_at`,
    )
    .bind(projectId, usd, calls, Date.now())
    .run();
}
