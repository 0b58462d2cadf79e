/**
 * POST /v1/stats/batch: a dashboard page's charts in one request (issue 13). Each chart is
 * answered by its single endpoint's function (stats.ts); what the batch shares is the
 * request floor measured in docs/dashboards.md: one auth, one shard lookup, and one D1
 * batch holding every chart's statements (one round trip to the database, which runs
 * statements one at a time anyway, instead of one per chart).
 */
import { ApiError } from '../platform/errors.ts';
import { dbFor } from '../platform/db.ts';
import type { StatsBatch, StatsBatchChart } from '../../schema/wire/stats.ts';
import { statsModels, statsReleases, statsTimeseries } from './stats.ts';

interface Pending {
  statements: D1PreparedStatement[];
  resolve(results: D1Result[]): void;
  reject(err: unknown): void;
}

/**
 * A database whose `batch` calls made in one synchronous stretch (the charts started
 * together) run as one D1 batch. A chart's later round (e.g. an on-read fallback after its
 * roll-ups) forms the next batch with whatever else is waiting then.
 */
export function sharedBatches(db: D1Database): D1Database {
  let queue: Pending[] = [];
  const flush = async () => {
    const waiting = queue;
    queue = [];
    try {
      const results = await db.batch(waiting.flatMap((p) => p.statements));
      let at = 0;
      for (const p of waiting) p.resolve(results.slice(at, (at += p.statements.length)));
    } catch (err) {
      // One D1 batch is one transaction: a failed statement fails every chart in it.
      for (const p of waiting) p.reject(err);
    }
  };
  return {
    prepare: (sql: string) => db.prepare(sql),
    batch: (statements: D1PreparedStatement[]) =>
      new Promise<D1Result[]>((resolve, reject) => {
        if (!queue.length) queueMicrotask(() => void flush());
        queue.push({ statements, resolve, reject });
      }),
  } as unknown as D1Database;
}

/** A single endpoint's 400 (`since: ...`, path `since`) as the batch's (`charts[2].since: ...`). */
function inChart(err: unknown, i: number): unknown {
  if (!(err instanceof ApiError) || err.status !== 400) return err;
  const at = `charts[${i}]`;
  const path = err.path ? `${at}.${err.path}` : at;
  const message = err.path && err.message.startsWith(`${err.path}:`) ? `${at}.${err.message}` : `${path}: ${err.message}`;
  return new ApiError(err.status, err.code, message, path, err.extra, err.headers);
}

/** Every chart of the batch, in the order asked; the first bad chart (lowest index) answers the 400. */
export async function statsBatch(env: Env, projectId: string, charts: StatsBatchChart[], now = Date.now()): Promise<StatsBatch> {
  const db = sharedBatches(dbFor(env, projectId));
  // Started in one synchronous loop, so their first statements share one D1 batch.
  const answers = await Promise.allSettled(
    charts.map(async (chart): Promise<StatsBatch['charts'][number]> => {
      const { id } = chart;
      if (chart.kind === 'timeseries') return { id, kind: chart.kind, ...(await statsTimeseries(env, projectId, chart, now, db)) };
      if (chart.kind === 'models') return { id, kind: chart.kind, ...(await statsModels(env, projectId, chart, now, db)) };
      return { id, kind: chart.kind, ...(await statsReleases(env, projectId, chart, now, db)) };
    }),
  );
  const failed = answers.findIndex((a) => a.status === 'rejected');
  if (failed >= 0) throw inChart((answers[failed] as PromiseRejectedResult).reason, failed);
  return { charts: answers.map((a) => (a as PromiseFulfilledResult<StatsBatch['charts'][number]>).value) };
}
