/**
 * Ingest: spans per second from HTTP POST to queryable. 200,000 spans in 20,000 traces
 * (tau-bench conversations with fresh ids, ~8 KB per span) are posted to POST /v1/spans
 * in batches of 500 by 4 concurrent clients, against a real `wrangler dev` (fresh state,
 * no demo). The ack rate counts until the last 202; the to-queryable rate until every span
 * is committed to D1, which the suite watches by reading the local D1 file read-only
 * (WAL mode: the reader never blocks the Worker) with an O(log n) `max(rowid)` every
 * 250 ms, confirmed by a full count; then a trace is read back through the API.
 */
import { randomBytes } from 'node:crypto';
import { startLoupe } from '../../scripts/local.ts';
import { localD1File } from '../lib/local-d1.ts';
import { benchTrace } from '../lib/workload.ts';
import { percentile, pool, type BenchSuite } from '../lib/suite.ts';

const SPANS_PER_TRACE = 10;
const SPANS_PER_POST = 500;
const CONCURRENCY = 4;

export const suite: BenchSuite = {
  name: 'ingest',
  order: 10,
  description: 'POST /v1/spans -> queryable in D1, 200k spans in 20k traces, batches of 500, local wrangler dev',
  async run(ctx) {
    const traces = Math.round(20_000 / ctx.scale / 50) * 50;
    const total = traces * SPANS_PER_TRACE;
    const persistTo = `${ctx.tmpDir}/state`;
    const loupe = await startLoupe({ port: ctx.portBase, persistTo, demo: false, vars: { SETUP_SECRET: randomBytes(16).toString('hex') } });
    try {
      const sqlite = await ctx.sqlite();
      const d1 = localD1File(persistTo);
      const query = async <T>(sql: string) => (await sqlite.request<T[]>('query', { path: d1, sql }))[0];

      // Bodies are built before the clock starts, so the client's JSON work is not timed.
      ctx.log(`building ${total.toLocaleString('en-US')} spans in ${traces.toLocaleString('en-US')} traces`);
      const opts = { seed: Date.now() % 1e9, now: Date.now(), days: 30, spansPerTrace: SPANS_PER_TRACE, traces };
      const bodies: Uint8Array<ArrayBuffer>[] = [];
      const perPost = SPANS_PER_POST / SPANS_PER_TRACE;
      let bytes = 0;
      for (let b = 0; b < traces / perPost; b++) {
        const spans = [];
        for (let t = 0; t < perPost; t++) spans.push(...benchTrace(opts, b * perPost + t));
        const body = new TextEncoder().encode(JSON.stringify({ spans }));
        bytes += body.length;
        bodies.push(body);
      }
      ctx.log(`${bodies.length} posts, ${(bytes / 2 ** 20).toFixed(0)} MiB of JSON; posting with ${CONCURRENCY} clients`);

      const timeline: [number, number][] = [];
      let indexed = 0;
      let acked = 0;
      let stopWatching = false;
      const t0 = performance.now();
      const watcher = (async () => {
        while (!stopWatching) {
          const row = await query<{ n: number | null }>('SELECT max(rowid) AS n FROM spans');
          indexed = row?.n ?? 0;
          timeline.push([Math.round(performance.now() - t0), indexed]);
          if (indexed >= total && (await query<{ n: number }>('SELECT count(*) AS n FROM spans')).n >= total) return performance.now() - t0;
          await new Promise((r) => setTimeout(r, 250));
        }
        return NaN;
      })();

      const latencies: number[] = [];
      let retries = 0;
      await pool(bodies, CONCURRENCY, async (body) => {
        const started = performance.now();
        // Like an SDK, retry a POST whose connection failed or that got a 5xx: ingest is
        // idempotent (same span ids), so a retry never double-counts.
        for (let attempt = 1; ; attempt++) {
          const res = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body }).catch((err: Error) => err);
          const text = res instanceof Error ? res.message : await res.text();
          if (!(res instanceof Error) && res.status === 202) break;
          if (attempt === 3 || (!(res instanceof Error) && res.status < 500)) throw new Error(`POST /v1/spans failed: ${res instanceof Error ? text : `${res.status} ${text.slice(0, 500)}`}`);
          retries++;
          ctx.log(`retrying a POST (${res instanceof Error ? text : res.status})`);
        }
        latencies.push(performance.now() - started);
        acked += SPANS_PER_POST;
      });
      const ackMs = performance.now() - t0;
      ctx.log(`acked ${acked.toLocaleString('en-US')} spans in ${(ackMs / 1000).toFixed(1)} s; ${indexed.toLocaleString('en-US')} indexed so far`);
      const deadline = setTimeout(() => (stopWatching = true), 30 * 60_000);
      const queryableMs = await watcher;
      clearTimeout(deadline);
      if (!Number.isFinite(queryableMs)) throw new Error(`only ${indexed} of ${total} spans became queryable within 30 minutes`);
      ctx.log(`all ${total.toLocaleString('en-US')} spans queryable after ${(queryableMs / 1000).toFixed(1)} s`);

      // Read back through the API: counts, and one trace's tree with payloads from R2.
      const counts = await query<{ spans: number; traces: number }>('SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM traces) AS traces');
      if (counts.traces !== traces) throw new Error(`expected ${traces} traces, found ${counts.traces}`);
      const sample = benchTrace(opts, traces - 1);
      const tree = (await (await fetch(`${loupe.url}/v1/traces/${sample[0].trace_id}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).json()) as { spans: { input?: unknown }[] };
      if (tree.spans?.length !== SPANS_PER_TRACE || tree.spans.some((s) => s.input === undefined)) throw new Error('a posted trace did not read back whole');

      const rate = (ms: number) => Math.round(total / (ms / 1000));
      return {
        figures: [
          { name: 'ingest: ack rate (202s)', value: rate(ackMs), unit: 'spans/s', note: `${bodies.length} POSTs of 500 spans, ${CONCURRENCY} clients` },
          { name: 'ingest: to queryable (all in D1)', value: rate(queryableMs), unit: 'spans/s', note: 'first POST to last span committed in D1' },
          { name: 'ingest: POST latency p50', value: Math.round(percentile(latencies, 50)), unit: 'ms' },
          { name: 'ingest: POST latency p95', value: Math.round(percentile(latencies, 95)), unit: 'ms' },
          { name: 'ingest: index lag after last ack', value: Math.round(queryableMs - ackMs), unit: 'ms' },
        ],
        details: { traces, spans: total, posts: bodies.length, retries, mebibytes: Math.round(bytes / 2 ** 20), ackMs: Math.round(ackMs), queryableMs: Math.round(queryableMs), timeline },
      };
    } finally {
      await loupe.stop();
    }
  },
};
