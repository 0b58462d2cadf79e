/**
 * Dashboards: p50/p95 of a 30-day dashboard's six charts (GET /v1/stats/...) with
 * 1,000,000 spans stored, and what the roll-ups (workers/store/rollups.ts) cost ingest.
 *
 * The store is the queries suite's (bench/suites/queries.ts): 99,800 ten-span traces over
 * 60 days and feedback on every trace, loaded through the bench indexer Worker with the
 * product's row builder and D1 writer. Then Loupe serves the charts one request at a time
 * (each chart's figures), all six at once (six requests, what a browser opening the page
 * waited for) and all six in one POST /v1/stats/batch (what the web page sends now).
 * The feedback rows go in by SQL, so after them every hour is marked stale and rolled up
 * the way the cron pass does it (timed: what the 0023 backfill costs a store this size).
 * Last, the write cost: the same indexer loads fresh 500-span batches (recent traces, as
 * live ingest sends them) with roll-ups and without, in paired rounds whose order
 * alternates (on/off, then off/on), one load at a time; the slowdown is the median of the
 * rounds' ratios.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startLoupe } from '../../scripts/local.ts';
import { startBenchWorker } from '../lib/bench-worker.ts';
import { BATCHES_PER_INDEX, loadBenchStore, SPANS_PER_BATCH, SPANS_PER_TRACE } from '../lib/store-load.ts';
import { benchFeedback } from '../lib/workload.ts';
import { percentile, type BenchSuite, type Figure } from '../lib/suite.ts';

const RUNS = 30;
const WARMUP = 3;
/** Write-cost rounds: each loads WRITE_BATCHES fresh batches with roll-ups and WRITE_BATCHES without. */
const WRITE_ROUNDS = 8;
const WRITE_BATCHES = 20;

/** The six charts of the 30-day dashboard. */
export const DASHBOARD_CHARTS: { name: string; path: string }[] = [
  { name: 'timeseries, no split (day)', path: '/v1/stats/timeseries?since=30d&bucket=day&split=none' },
  { name: 'timeseries by model (day)', path: '/v1/stats/timeseries?since=30d&bucket=day&split=model' },
  { name: 'timeseries by release (day)', path: '/v1/stats/timeseries?since=30d&bucket=day&split=release' },
  { name: 'timeseries production (hour)', path: `/v1/stats/timeseries?since=30d&bucket=hour&split=none&filter=${encodeURIComponent('env=production')}` },
  { name: 'models table', path: '/v1/stats/models?since=30d' },
  { name: 'releases compare', path: `/v1/stats/releases?since=30d&a=${encodeURIComponent('airline-agent@1.6.0')}&b=${encodeURIComponent('airline-agent@1.7.0')}` },
];

export const suite: BenchSuite = {
  name: 'dashboards',
  order: 35,
  description: 'A 30-day dashboard of six charts (GET /v1/stats/...) p50/p95 with 1,000,000 spans stored, and the ingest cost of its roll-ups',
  async run(ctx) {
    const totalSpans = Math.round(1_000_000 / ctx.scale);
    const traces = Math.floor((totalSpans - 2000) / SPANS_PER_TRACE);
    const persistTo = `${ctx.tmpDir}/state`;
    // Every project on DB, as before shards: the figures stay comparable with earlier runs.
    const vars = { SETUP_SECRET: randomBytes(16).toString('hex'), SHARDS_FOR_NEW_PROJECTS: 'DB' };
    const port = ctx.portBase;
    const now = Date.now();
    const seed = now % 1e9;
    const opts = { seed, now, days: 60, spansPerTrace: SPANS_PER_TRACE, traces };
    const batchCount = Math.ceil(traces / (SPANS_PER_BATCH / SPANS_PER_TRACE));

    const first = await startLoupe({ port, persistTo, demo: false, vars });
    const { projectId } = first;
    await first.stop();

    let worker = await startBenchWorker(persistTo, port ? port + 1 : 0);
    const details: Record<string, unknown> = {};
    const figures0: Figure[] = [];
    let loadSeconds = 0;
    try {
      const started = performance.now();
      await loadBenchStore(worker, projectId, opts, { batchCount, tag: 'base', onGroup: (done) => {
        if (done % 200 < BATCHES_PER_INDEX) ctx.log(`loaded ${(done * SPANS_PER_BATCH).toLocaleString('en-US')} spans (${Math.round((performance.now() - started) / 1000)} s)`);
      } });
      const feedback: (string | number)[][] = [];
      for (let t = 0; t < traces; t++) for (const f of benchFeedback(opts, t)) feedback.push([f.id, f.trace_id, f.key, f.score]);
      for (let i = 0; i < feedback.length; i += 5000) {
        await worker.sql([
          {
            // Tau-bench's outcome as an evaluator score, thumbs as end-user feedback: both kinds of average.
            sql: `INSERT INTO feedback (id, project_id, trace_id, key, score, source, created_at, updated_at)
                  SELECT j.value ->> 0, ?1, j.value ->> 1, j.value ->> 2, j.value ->> 3, CASE WHEN j.value ->> 2 = 'thumbs' THEN 'user' ELSE 'evaluator' END, ?2, ?2 FROM json_each(?3) j WHERE true`,
            params: [projectId, now, JSON.stringify(feedback.slice(i, i + 5000))],
          },
        ]);
      }
      // Feedback went in by SQL, past the writers: every hour is stale, and is rolled up as the cron pass would.
      await worker.sql([{ sql: 'INSERT INTO stats_dirty (project_id, hour, token) SELECT DISTINCT project_id, start_time - (start_time % 3600000), NULL FROM traces WHERE project_id = ?1 ON CONFLICT DO UPDATE SET token = NULL', params: [projectId] }]);
      const backfill = await worker.rollups(projectId);
      ctx.log(`rolled up ${backfill.hours} hours in ${Math.round(backfill.ms)} ms`);
      details.backfill = backfill;
      figures0.push({ name: 'roll-up backfill of the whole store', value: Math.round(backfill.ms), unit: 'ms', note: `${backfill.hours} hours (what migration 0023's backfill costs a database of this size, done by the cron pass)` });
      const [[counts]] = (await worker.sql([{ sql: "SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM spans WHERE model IS NOT NULL) AS llm, (SELECT count(*) FROM traces) AS traces, (SELECT count(*) FROM feedback) AS feedback" }])) as { spans: number; llm: number; traces: number; feedback: number }[][];
      loadSeconds = Math.round((performance.now() - started) / 1000);
      ctx.log(`stored ${counts.spans.toLocaleString('en-US')} spans (${counts.llm.toLocaleString('en-US')} with a model), ${counts.traces.toLocaleString('en-US')} traces, ${counts.feedback.toLocaleString('en-US')} feedback rows in ${loadSeconds} s`);
      Object.assign(details, counts, { loadSeconds });
    } finally {
      await worker.stop();
    }

    const figures: Figure[] = [...figures0];
    const loupe = await startLoupe({ port, persistTo, demo: false, vars });
    try {
      const headers = { authorization: `Bearer ${loupe.apiKey}` };
      const get = async (path: string) => {
        const t0 = performance.now();
        const res = await fetch(`${loupe.url}${path}`, { headers });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
        return { ms: performance.now() - t0, body: JSON.parse(text), bytes: text.length };
      };
      for (const chart of DASHBOARD_CHARTS) {
        const times: number[] = [];
        let shape = '';
        for (let i = 0; i < WARMUP + RUNS; i++) {
          const r = await get(chart.path);
          if (i >= WARMUP) times.push(r.ms);
          if (i === 0) shape = `${r.body.computed}, ` + (r.body.series ? `${r.body.series.length} series, ${r.body.series.reduce((a: number, s: any) => a + s.points.length, 0)} points` : r.body.models ? `${r.body.models.length} models` : `${r.body.a.trace_count} vs ${r.body.b.trace_count} traces`);
        }
        const p50 = round1(percentile(times, 50));
        const p95 = round1(percentile(times, 95));
        ctx.log(`${chart.name}: p50 ${p50} ms, p95 ${p95} ms (${shape})`);
        figures.push({ name: `chart p95: ${chart.name}`, value: p95, unit: 'ms', target: { op: '<=', value: 150 }, note: `p50 ${p50} ms; ${shape}` });
        details[`chart:${chart.name}`] = { path: chart.path, p50, p95, shape };
      }
      // The page as a browser opens it: all six at once; the dashboard is ready when the last answers.
      const walls: number[] = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t0 = performance.now();
        await Promise.all(DASHBOARD_CHARTS.map((c) => get(c.path)));
        if (i >= WARMUP) walls.push(performance.now() - t0);
      }
      const wall = { p50: round1(percentile(walls, 50)), p95: round1(percentile(walls, 95)) };
      ctx.log(`whole dashboard (six charts at once): p50 ${wall.p50} ms, p95 ${wall.p95} ms`);
      figures.push({ name: 'dashboard p95: six charts at once', value: wall.p95, unit: 'ms', target: { op: '<=', value: 150 }, note: `p50 ${wall.p50} ms` });
      details.dashboard = wall;
      // The same six as the web page asks for them: one POST /v1/stats/batch (one auth, one D1 batch).
      const batchBody = JSON.stringify({ charts: DASHBOARD_CHARTS.map(batchChart) });
      const batchWalls: number[] = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t0 = performance.now();
        const res = await fetch(`${loupe.url}/v1/stats/batch`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: batchBody });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`POST /v1/stats/batch answered ${res.status}: ${text.slice(0, 300)}`);
        if (i >= WARMUP) batchWalls.push(performance.now() - t0);
        if (i === 0) ctx.log(`batch answer: ${JSON.parse(text).charts.map((c: { id: string; computed: string }) => `${c.id} ${c.computed}`).join(', ')} (${text.length.toLocaleString('en-US')} bytes)`);
      }
      const batched = { p50: round1(percentile(batchWalls, 50)), p95: round1(percentile(batchWalls, 95)) };
      ctx.log(`whole dashboard (six charts in one batch request): p50 ${batched.p50} ms, p95 ${batched.p95} ms`);
      figures.push({ name: 'dashboard p95: six charts in one batch request', value: batched.p95, unit: 'ms', target: { op: '<=', value: 150 }, note: `p50 ${batched.p50} ms; POST /v1/stats/batch` });
      details.dashboardBatch = batched;
    } finally {
      await loupe.stop();
    }

    // The write cost of roll-ups: fresh traces indexed with them and without, paired rounds, alternating order.
    worker = await startBenchWorker(persistTo, port ? port + 1 : 0);
    try {
      const fresh = { ...opts, seed: seed + 1, traces: traces + WRITE_ROUNDS * 2 * WRITE_BATCHES * (SPANS_PER_BATCH / SPANS_PER_TRACE) };
      let next = batchCount;
      const spans = WRITE_BATCHES * SPANS_PER_BATCH;
      const rounds: { on: number; off: number; onWriteMs: number; offWriteMs: number }[] = [];
      for (let round = 0; round < WRITE_ROUNDS; round++) {
        const r = { on: 0, off: 0, onWriteMs: 0, offWriteMs: 0 };
        for (const rollups of round % 2 === 0 ? [true, false] : [false, true]) {
          const t0 = performance.now();
          const { writeMs } = await loadBenchStore(worker, projectId, fresh, { firstBatch: next, batchCount: WRITE_BATCHES, tag: 'write', rollups, concurrency: 1 });
          const s = (performance.now() - t0) / 1000;
          next += WRITE_BATCHES;
          if (rollups) [r.on, r.onWriteMs] = [spans / s, writeMs];
          else [r.off, r.offWriteMs] = [spans / s, writeMs];
        }
        rounds.push(r);
        ctx.log(`write round ${round + 1}: ${Math.round(r.on)} spans/s with roll-ups, ${Math.round(r.off)} without (D1 write ${Math.round(r.onWriteMs)} vs ${Math.round(r.offWriteMs)} ms)`);
      }
      const slowdown = round1(percentile(rounds.map((r) => (r.off / r.on - 1) * 100), 50));
      const writeSlowdown = round1(percentile(rounds.map((r) => (r.onWriteMs / r.offWriteMs - 1) * 100), 50));
      const onRate = Math.round(percentile(rounds.map((r) => r.on), 50));
      const offRate = Math.round(percentile(rounds.map((r) => r.off), 50));
      ctx.log(`ingest with roll-ups: ${onRate} spans/s, without: ${offRate} spans/s; median paired slowdown ${slowdown}% (D1 write alone: ${writeSlowdown}%)`);
      figures.push({ name: 'ingest slowdown from roll-ups', value: slowdown, unit: '%', target: { op: '<=', value: 10 }, note: `median of ${WRITE_ROUNDS} paired rounds (order alternating) of ${spans} spans each way, load + index one request at a time: ${onRate} vs ${offRate} spans/s` });
      figures.push({ name: 'D1 write slowdown from roll-ups', value: writeSlowdown, unit: '%', note: 'the same rounds, the indexer transaction alone (median paired ratio)' });
      details.write = { rounds, slowdown, writeSlowdown, onRate, offRate };
    } finally {
      await worker.stop();
      if (!ctx.keep) rmSync(persistTo, { recursive: true, force: true });
    }
    return { figures, details };
  },
};

/** A chart's GET path as one chart of POST /v1/stats/batch. */
function batchChart(chart: { name: string; path: string }) {
  const url = new URL(chart.path, 'http://loupe.local');
  return { id: chart.name, kind: url.pathname.split('/').pop(), ...Object.fromEntries(url.searchParams) };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
