/**
 * Retention: what a pass costs over a 1,000,000-span store. The store is the queries
 * suite's workload (ten-span traces spread evenly over 60 days, 500-span R2 batches in
 * arrival order) loaded through the bench indexer Worker; then Loupe gets a 30-day policy
 * (PUT /v1/retention) and its scheduled handler is called back to back until the pass is
 * done, as the every-minute cron would drive it (20 s of work per tick). Figures: the
 * pass's wall time and spans removed per second, what the cron's cadence makes of it, the R2
 * objects it deleted and re-packed, and a check that exactly the due traces went.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startLoupe } from '../../scripts/local.ts';
import { startBenchWorker } from '../lib/bench-worker.ts';
import { BATCHES_PER_INDEX, loadBenchStore, SPANS_PER_BATCH, SPANS_PER_TRACE } from '../lib/store-load.ts';
import type { BenchSuite, Figure } from '../lib/suite.ts';

const DAY = 86_400_000;
const KEEP_DAYS = 30;
/** The lifecycle step's budget per scheduled invocation (workers/lifecycle/deletion.ts TICK_BUDGET_MS). */
const TICK_S = 20;

export const suite: BenchSuite = {
  name: 'retention',
  order: 37,
  description: 'A 30-day retention pass over a 1,000,000-span, 60-day store: wall time, spans/s, R2 objects deleted and re-packed, exactly the due traces removed',
  async run(ctx) {
    const totalSpans = Math.round(1_000_000 / ctx.scale);
    const traces = Math.floor(totalSpans / SPANS_PER_TRACE);
    const persistTo = `${ctx.tmpDir}/state`;
    const vars = { SETUP_SECRET: randomBytes(16).toString('hex') };
    const port = ctx.portBase;
    const now = Date.now();
    const opts = { seed: now % 1e9, now, days: 60, spansPerTrace: SPANS_PER_TRACE, traces };
    const batchCount = Math.ceil(traces / (SPANS_PER_BATCH / SPANS_PER_TRACE));
    const cutoff = now - KEEP_DAYS * DAY;
    const count = async (worker: Awaited<ReturnType<typeof startBenchWorker>>, projectId: string) => {
      const [[row]] = (await worker.sql([
        {
          sql: 'SELECT (SELECT count(*) FROM traces WHERE project_id = ?1) AS traces, (SELECT count(*) FROM spans WHERE project_id = ?1) AS spans, (SELECT count(*) FROM traces WHERE project_id = ?1 AND start_time < ?2) AS due, (SELECT count(*) FROM trace_batches WHERE project_id = ?1) AS located',
          params: [projectId, cutoff],
        },
      ])) as { traces: number; spans: number; due: number; located: number }[][];
      return row;
    };

    const first = await startLoupe({ port, persistTo, demo: false, vars });
    const { projectId } = first;
    await first.stop();

    let worker = await startBenchWorker(persistTo, port ? port + 1 : 0);
    let before: Awaited<ReturnType<typeof count>>;
    try {
      const started = performance.now();
      await loadBenchStore(worker, projectId, opts, {
        batchCount,
        tag: 'base',
        onGroup: (done) => {
          if (done % 200 < BATCHES_PER_INDEX) ctx.log(`loaded ${(done * SPANS_PER_BATCH).toLocaleString('en-US')} spans (${Math.round((performance.now() - started) / 1000)} s)`);
        },
      });
      before = await count(worker, projectId);
      ctx.log(`stored ${before.spans.toLocaleString('en-US')} spans in ${before.traces.toLocaleString('en-US')} traces; ${before.due.toLocaleString('en-US')} traces are older than ${KEEP_DAYS} days`);
    } finally {
      await worker.stop();
    }

    const loupe = await startLoupe({ port, persistTo, demo: false, vars });
    let passS = 0;
    let ticks = 0;
    try {
      const headers = { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' };
      const put = await fetch(`${loupe.url}/v1/retention`, { method: 'PUT', headers, body: JSON.stringify({ days: KEEP_DAYS }) });
      if (put.status !== 200) throw new Error(`PUT /v1/retention answered ${put.status}: ${await put.text()}`);
      const t0 = performance.now();
      for (;;) {
        const res = await fetch(`${loupe.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);
        await res.arrayBuffer();
        ticks++;
        const stored = (await (await fetch(`${loupe.url}/v1/retention`, { headers })).json()) as { stored: { traces: number } };
        if (stored.stored.traces <= before.traces - before.due) break;
        if (ticks % 5 === 0) ctx.log(`tick ${ticks}: ${stored.stored.traces.toLocaleString('en-US')} traces left (${Math.round((performance.now() - t0) / 1000)} s)`);
        if (performance.now() - t0 > 3_600_000) throw new Error('the retention pass did not finish within an hour');
      }
      passS = (performance.now() - t0) / 1000;
    } finally {
      await loupe.stop();
    }

    worker = await startBenchWorker(persistTo, port ? port + 1 : 0);
    const figures: Figure[] = [];
    const details: Record<string, unknown> = {};
    try {
      const after = await count(worker, projectId);
      const [jobs] = (await worker.sql([
        { sql: "SELECT status, deleted_traces, rewritten_objects FROM deletion_jobs WHERE project_id = ?1 AND kind = 'retention' ORDER BY created_at DESC LIMIT 1", params: [projectId] },
      ])) as { status: string; deleted_traces: number; rewritten_objects: number }[][];
      const job = jobs[0];
      const removedSpans = before.spans - after.spans;
      const rate = Math.round(removedSpans / passS);
      ctx.log(`pass: ${Math.round(passS)} s over ${ticks} scheduled ticks; removed ${removedSpans.toLocaleString('en-US')} spans (${rate} spans/s), ${job?.rewritten_objects ?? 0} R2 objects re-packed; ${after.due} due traces left, ${after.traces.toLocaleString('en-US')} kept`);
      figures.push({ name: `retention pass over ${before.spans.toLocaleString('en-US')} spans (wall, ticks back to back)`, value: Math.round(passS), unit: 's', note: `${before.due.toLocaleString('en-US')} of ${before.traces.toLocaleString('en-US')} traces due; ${ticks} ticks` });
      figures.push({ name: 'retention: spans removed per second (D1 rows, full text and R2)', value: rate, unit: 'spans/s' });
      figures.push({ name: 'retention: the same pass at the cron cadence (20 s of work per minute)', value: Math.round((passS * 60) / TICK_S / 60), unit: 'min', note: 'deployed, each minute\'s invocation works 20 s' });
      figures.push({ name: 'retention: R2 batches re-packed (shared by due and kept traces)', value: job?.rewritten_objects ?? 0, unit: 'objects' });
      figures.push({ name: 'retention: due traces left after the pass', value: after.due, unit: 'traces', target: { op: '<=', value: 0 } });
      figures.push({ name: 'retention: kept traces lost', value: before.traces - before.due - after.traces, unit: 'traces', target: { op: '<=', value: 0 } });
      Object.assign(details, { before, after, job, passS, ticks });
    } finally {
      await worker.stop();
      if (!ctx.keep) rmSync(persistTo, { recursive: true, force: true });
    }
    return { figures, details };
  },
};
