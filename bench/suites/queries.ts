/**
 * Queries: p50/p95 of GET /v1/traces with representative filters and of GET
 * /v1/traces/:id for a 1,000-span trace, with 1,000,000 spans stored.
 *
 * The dataset goes in through the real code, fast: a local Loupe is started once to apply
 * the migrations and create the project and key, then stopped; the bench-only indexer
 * Worker (same persist directory, so the same local D1 and R2) stores each 500-span NDJSON
 * batch in R2 and indexes it with the product's row builder and D1 writer, five batches per
 * D1 transaction (the generated spans are already in normalized form, so validation is
 * skipped; the 1,000-span trace goes through validation, R2 and `readBatch` like any
 * ingested batch); feedback rows go in with bulk SQL. Then Loupe is started
 * again on that state and queried over HTTP, one request at a time. Each filter's SQL is
 * also run and EXPLAINed read-only on the local D1 file, to show where time goes.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startLoupe } from '../../scripts/local.ts';
import { startBenchWorker } from '../lib/bench-worker.ts';
import { BATCHES_PER_INDEX, loadBenchStore, SPANS_PER_BATCH, SPANS_PER_TRACE } from '../lib/store-load.ts';
import { localD1File } from '../lib/local-d1.ts';
import { benchFeedback, benchLongTrace, type BenchSpan } from '../lib/workload.ts';
import { percentile, type BenchSuite, type Figure } from '../lib/suite.ts';
import type { IngestMessage } from '../../schema/queues.ts';

const LONG_TRACE_SPANS = 1000;
const LIST_LIMIT = 50;
const RUNS = 40;
const WARMUP = 3;

/** The list filters measured (the first is the unfiltered newest page, for reference). */
export const TRACE_FILTERS: { name: string; q: string }[] = [
  { name: 'no filter', q: '' },
  { name: 'env + time window', q: 'env=production since:30d' },
  { name: 'feedback', q: 'feedback.thumbs=0' },
  { name: 'full text + latency', q: '"refund" latency>5s' },
  { name: 'has(span)', q: 'has(kind=tool status=error)' },
];

export const suite: BenchSuite = {
  name: 'queries',
  order: 30,
  description: 'GET /v1/traces (filters) and GET /v1/traces/:id (1,000 spans) p50/p95 with 1,000,000 spans stored',
  async run(ctx) {
    const totalSpans = Math.round(1_000_000 / ctx.scale);
    // Two 1,000-span traces (chat-sized and tool-sized payloads); the rest in 10-span traces.
    const traces = Math.floor((totalSpans - 2 * LONG_TRACE_SPANS) / SPANS_PER_TRACE);
    const persistTo = `${ctx.tmpDir}/state`;
    // Every project on DB, as before shards: the figures stay comparable with earlier runs.
    const vars = { SETUP_SECRET: randomBytes(16).toString('hex'), SHARDS_FOR_NEW_PROJECTS: 'DB' };
    const port = ctx.portBase;
    const now = Date.now();
    const seed = now % 1e9;
    const opts = { seed, now, days: 60, spansPerTrace: SPANS_PER_TRACE, traces };

    // 1. Migrations, project and key, through the real start-up.
    const first = await startLoupe({ port, persistTo, demo: false, vars });
    const { projectId } = first;
    await first.stop();

    // 2. Load through the bench indexer worker on the same state.
    const worker = await startBenchWorker(persistTo, port ? port + 1 : 0);
    const sqlByFilter = new Map<string, { sql: string; binds: unknown[] }>();
    let loadSeconds = 0;
    try {
      const started = performance.now();
      const tracesPerBatch = SPANS_PER_BATCH / SPANS_PER_TRACE;
      const batchCount = Math.ceil(traces / tracesPerBatch);
      const storeAndIndex = async (batches: BenchSpan[][], name: string) => {
        const messages: IngestMessage[] = [];
        for (const [i, spans] of batches.entries()) {
          const key = `spans/${projectId}/bench/${name}-${i}.ndjson`;
          await worker.putBatch(key, spans);
          messages.push({ v: 1, project_id: projectId, key });
        }
        await worker.index(messages, messages.length);
      };
      await loadBenchStore(worker, projectId, opts, {
        batchCount,
        onGroup: (done) => {
          if (done % 200 < BATCHES_PER_INDEX) ctx.log(`loaded ${(done * SPANS_PER_BATCH).toLocaleString('en-US')} spans (${Math.round((performance.now() - started) / 1000)} s)`);
        },
      });
      for (const toolsOnly of [false, true]) {
        const long = benchLongTrace(seed, now, LONG_TRACE_SPANS, { toolsOnly });
        const longBatches: BenchSpan[][] = [];
        for (let i = 0; i < long.length; i += SPANS_PER_BATCH) longBatches.push(long.slice(i, i + SPANS_PER_BATCH));
        await storeAndIndex(longBatches, toolsOnly ? 'long-tools' : 'long');
      }
      // Feedback: tau-bench's outcome on every trace, end-user thumbs on ~10%.
      const feedback: (string | number)[][] = [];
      for (let t = 0; t < traces; t++) for (const f of benchFeedback(opts, t)) feedback.push([f.id, f.trace_id, f.key, f.score]);
      for (let i = 0; i < feedback.length; i += 5000) {
        await worker.sql([
          {
            sql: `INSERT INTO feedback (id, project_id, trace_id, key, score, source, created_at, updated_at)
                  SELECT j.value ->> 0, ?1, j.value ->> 1, j.value ->> 2, j.value ->> 3, 'api', ?2, ?2 FROM json_each(?3) j WHERE true`,
            params: [projectId, now, JSON.stringify(feedback.slice(i, i + 5000))],
          },
        ]);
      }
      const [[counts]] = (await worker.sql([{ sql: 'SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM traces) AS traces, (SELECT count(*) FROM feedback) AS feedback' }])) as { spans: number; traces: number; feedback: number }[][];
      loadSeconds = Math.round((performance.now() - started) / 1000);
      ctx.log(`stored ${counts.spans.toLocaleString('en-US')} spans, ${counts.traces.toLocaleString('en-US')} traces, ${counts.feedback.toLocaleString('en-US')} feedback rows in ${loadSeconds} s`);
      if (counts.spans !== traces * SPANS_PER_TRACE + 2 * LONG_TRACE_SPANS) throw new Error(`expected ${traces * SPANS_PER_TRACE + 2 * LONG_TRACE_SPANS} spans, found ${counts.spans}`);
      for (const f of TRACE_FILTERS) sqlByFilter.set(f.name, await worker.traceListSql(projectId, f.q, LIST_LIMIT, now));
    } finally {
      await worker.stop();
    }

    // 3. Where time goes inside SQLite: each list query run and EXPLAINed on the file.
    const sqlite = await ctx.sqlite();
    const d1 = localD1File(persistTo);
    const plans: Record<string, { sqliteMs: number; plan: string[] }> = {};
    for (const [name, { sql, binds }] of sqlByFilter) {
      const plan = (await sqlite.request<{ detail: string }[]>('query', { path: d1, sql: `EXPLAIN QUERY PLAN ${sql}`, params: binds })).map((r) => r.detail);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await sqlite.request('query', { path: d1, sql, params: binds });
        times.push(performance.now() - t0);
      }
      plans[name] = { sqliteMs: Math.round(percentile(times, 50) * 10) / 10, plan };
    }
    await sqlite.request('close', { path: d1 });

    // 4. The real Loupe on that state, one request at a time.
    const loupe = await startLoupe({ port, persistTo, demo: false, vars });
    const figures: Figure[] = [];
    const details: Record<string, unknown> = { spans: traces * SPANS_PER_TRACE + 2 * LONG_TRACE_SPANS, traces: traces + 2, loadSeconds, limit: LIST_LIMIT, runs: RUNS, plans };
    try {
      const headers = { authorization: `Bearer ${loupe.apiKey}` };
      const measure = async (path: string, check: (body: any) => void) => {
        const times: number[] = [];
        let bytes = 0;
        for (let i = 0; i < WARMUP + RUNS; i++) {
          const t0 = performance.now();
          const res = await fetch(`${loupe.url}${path}`, { headers });
          const text = await res.text();
          const ms = performance.now() - t0;
          if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
          if (i === 0) check(JSON.parse(text));
          if (i >= WARMUP) times.push(ms);
          bytes = text.length;
        }
        return { p50: round1(percentile(times, 50)), p95: round1(percentile(times, 95)), bytes };
      };
      for (const f of TRACE_FILTERS) {
        let returned = 0;
        const r = await measure(`/v1/traces?limit=${LIST_LIMIT}${f.q ? `&q=${encodeURIComponent(f.q)}` : ''}`, (body) => (returned = body.traces.length));
        ctx.log(`GET /v1/traces q=${JSON.stringify(f.q)}: p50 ${r.p50} ms, p95 ${r.p95} ms (${returned} traces; SQLite alone ${plans[f.name].sqliteMs} ms)`);
        figures.push({ name: `list p50: ${f.name}`, value: r.p50, unit: 'ms', note: f.q || '(none)' });
        figures.push({ name: `list p95: ${f.name}`, value: r.p95, unit: 'ms', target: { op: '<=', value: 50 }, note: f.q || '(none)' });
        details[`list:${f.name}`] = { q: f.q, returned, ...r };
      }
      for (const toolsOnly of [false, true]) {
        const long = benchLongTrace(seed, now, LONG_TRACE_SPANS, { toolsOnly });
        const kind = toolsOnly ? 'tool-sized payloads' : 'chat payloads';
        const tree = await measure(`/v1/traces/${long[0].trace_id}`, (body) => {
          if (body.spans.length !== LONG_TRACE_SPANS) throw new Error(`the long trace has ${body.spans.length} spans, expected ${LONG_TRACE_SPANS}`);
        });
        const mib = (tree.bytes / 2 ** 20).toFixed(1);
        ctx.log(`GET /v1/traces/:id (${LONG_TRACE_SPANS} spans, ${kind}, ${mib} MiB of JSON): p50 ${tree.p50} ms, p95 ${tree.p95} ms`);
        figures.push({ name: `tree p50: ${LONG_TRACE_SPANS} spans, ${kind}`, value: tree.p50, unit: 'ms', note: `${mib} MiB response` });
        figures.push({ name: `tree p95: ${LONG_TRACE_SPANS} spans, ${kind}`, value: tree.p95, unit: 'ms', target: { op: '<=', value: 100 }, note: `${mib} MiB response` });
        details[`tree:${kind}`] = tree;
        if (!toolsOnly) {
          // What the review UI loads: the tree with previews, each span's payloads on selection.
          const light = await measure(`/v1/traces/${long[0].trace_id}?payloads=false`, (body) => {
            if (body.spans.length !== LONG_TRACE_SPANS) throw new Error(`the long trace has ${body.spans.length} spans, expected ${LONG_TRACE_SPANS}`);
          });
          const lightMib = (light.bytes / 2 ** 20).toFixed(1);
          ctx.log(`GET /v1/traces/:id?payloads=false (${LONG_TRACE_SPANS} spans, previews only, ${lightMib} MiB): p50 ${light.p50} ms, p95 ${light.p95} ms`);
          figures.push({ name: `tree p95: ${LONG_TRACE_SPANS} spans, payloads=false`, value: light.p95, unit: 'ms', target: { op: '<=', value: 100 }, note: `${lightMib} MiB response; p50 ${light.p50} ms` });
          details['tree:payloads=false'] = light;
        }
      }
    } finally {
      await loupe.stop();
      if (!ctx.keep) rmSync(persistTo, { recursive: true, force: true });
    }
    return { figures, details };
  },
};

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
