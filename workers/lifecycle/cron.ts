/** The every-minute cron's lifecycle step (retention passes, then deletion jobs); its own file so retention and deletion do not import each other. */
import { projectDatabases } from '../platform/db.ts';
import { stepJob, TICK_BUDGET_MS, type JobRow } from './deletion.ts';
import { queueRetentionPasses } from './retention.ts';

/**
 * The cron's lifecycle pass: queues due retention passes, then steps unfinished jobs, oldest
 * first, until the tick's budget is spent. A failing step records its error and is retried
 * on the next tick (its chunk is still stored).
 */
export async function runLifecycle(env: Env, now = Date.now(), budgetMs = TICK_BUDGET_MS): Promise<void> {
  const start = Date.now();
  for (const db of projectDatabases(env)) {
    await queueRetentionPasses(env, db, now);
    const { results: jobs } = await db.prepare(`SELECT * FROM deletion_jobs WHERE status IN ('queued', 'running') ORDER BY created_at LIMIT 20`).all<JobRow>();
    for (const job of jobs) {
      try {
        while (Date.now() - start < budgetMs && (await stepJob(env, job, now)));
      } catch (err) {
        console.error(`deletion job ${job.id} step failed; retried next tick`, err);
        await db.prepare('UPDATE deletion_jobs SET error = ?2, updated_at = ?3 WHERE id = ?1').bind(job.id, String(err).slice(0, 500), now).run();
      }
      if (Date.now() - start >= budgetMs) return;
    }
  }
}
