/**
 * The every-minute cron's roll-up pass: rolls up hours left stale without a writer to
 * recompute them (the 0023 migration's backfill of existing traces, a rebuild's wipe),
 * newest hours first. Until then the stats routes compute those hours on read, so the pass
 * only makes dashboards faster, never more correct.
 */
import { projectDatabases } from '../platform/db.ts';
import { claimBackfill, recomputeStatements, rollupToken } from '../store/rollups.ts';

/** Hours per project per transaction: one hour reads its traces once per split dimension. */
const HOURS_PER_STEP = 24;
const BUDGET_MS = 10_000;

/** Rolls up stale hours of every project until the budget is spent; returns how many hours it rolled up. */
export async function runRollupPass(env: Env, budgetMs = BUDGET_MS): Promise<number> {
  const start = Date.now();
  let hours = 0;
  for (const db of projectDatabases(env)) {
    const { results } = await db.prepare('SELECT DISTINCT project_id FROM stats_dirty WHERE token IS NULL LIMIT 50').all<{ project_id: string }>();
    for (const { project_id: projectId } of results) {
      while (Date.now() - start < budgetMs) {
        const token = rollupToken();
        const [claimed] = await db.batch([claimBackfill(db, projectId, token, HOURS_PER_STEP), ...recomputeStatements(db, projectId, token)]);
        const n = claimed.meta.changes ?? 0;
        hours += n;
        if (n < HOURS_PER_STEP) break;
      }
      if (Date.now() - start >= budgetMs) return hours;
    }
  }
  return hours;
}
