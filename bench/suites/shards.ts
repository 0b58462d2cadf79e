/**
 * D1 shards: the capacity model's inputs and the cost of moving a project (docs/shards.md).
 *
 * A store of 100,000 spans (10,000 ten-span traces of the bench workload, in 500-span R2
 * batches) is loaded through the bench indexer Worker (the product's row builder and
 * writer) into the project `npm start` made on `DB`. Measured:
 * - D1 bytes per span, full-text entries included: the shard's size (the same figure
 *   GET /v1/admin/shards reports) before and after the load, over the spans stored;
 * - R2 bytes per span: the NDJSON batches written;
 * - the write rate of one D1 database: spans indexed per second during the load (a project
 *   never spans shards, so this is the ceiling of the largest single project);
 * - moving the project to DB_SHARD_1 with `npm run shards -- move` (wall time, with the
 *   default SHARD_MAP_TTL_MS of 5 s: the move waits 2 x 10 s for isolates to see the map),
 *   while a reader compares the traces list, a trace and a full-text search with what they
 *   answered before the move, and counts the reads that differ.
 * From these: spans per 10 GB shard, and shards for 100 million and 1 billion spans.
 * BENCH_SHARDS_SPANS sets the store size (default 100,000).
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { startLoupe, repoRoot } from '../../scripts/local.ts';
import { startBenchWorker } from '../lib/bench-worker.ts';
import { loadBenchStore, SPANS_PER_BATCH, SPANS_PER_TRACE } from '../lib/store-load.ts';
import { benchTrace, benchTraceId } from '../lib/workload.ts';
import type { BenchSuite, Figure } from '../lib/suite.ts';

/** D1's cap per database; writes are refused a little before (SHARD_CAPACITY_BYTES, 9e9). */
const D1_DATABASE_BYTES = 10e9;
const CAPACITY_BYTES = 9e9;

interface ShardInfo {
  name: string;
  bytes: number | null;
  projects: number;
}

async function shardSizes(url: string, secret: string): Promise<Map<string, ShardInfo>> {
  const res = await fetch(`${url}/v1/admin/shards`, { headers: { authorization: `Bearer ${secret}` } });
  if (res.status !== 200) throw new Error(`GET /v1/admin/shards answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const { shards } = (await res.json()) as { shards: ShardInfo[] };
  return new Map(shards.map((s) => [s.name, s]));
}

/** Runs `npm run shards -- move` as an operator would; resolves with its last JSON line. */
function runMove(url: string, secret: string, projectId: string, to: string, log: (line: string) => void): Promise<{ state: string; error: string | null; counts: Record<string, { verified?: number }> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${repoRoot}scripts/shards.ts`, 'move', projectId, to, '--url', url], { env: { ...process.env, SETUP_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let lastStep = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      const line = String(d).trim().split('\n').at(-1) ?? '';
      const step = line.split(':')[0];
      if (step !== lastStep) log(`move: ${line}`);
      lastStep = step;
    });
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`npm run shards -- move exited ${code}: ${out.slice(-500)}`));
      resolve(JSON.parse(last));
    });
  });
}

export const suite: BenchSuite = {
  name: 'shards',
  order: 95,
  description: 'D1 and R2 bytes per span, spans per shard, shards for 100M / 1B spans, and moving a 100,000-span project between shards online',
  async run(ctx) {
    // BENCH_SHARDS_SPANS=1000000 measures the 1M-span move (about 35 min on 2 busy cores).
    const totalSpans = Math.round(Number(process.env.BENCH_SHARDS_SPANS ?? 100_000) / ctx.scale);
    const traces = Math.max(1, Math.floor(totalSpans / SPANS_PER_TRACE));
    const persistTo = `${ctx.tmpDir}/state`;
    const vars = { SETUP_SECRET: randomBytes(16).toString('hex') };
    const now = Date.now();
    const opts = { seed: now % 1e9, now, days: 14, spansPerTrace: SPANS_PER_TRACE, traces };
    const batchCount = Math.ceil(traces / (SPANS_PER_BATCH / SPANS_PER_TRACE));

    const first = await startLoupe({ port: ctx.portBase, persistTo, demo: false, vars });
    const { projectId } = first;
    const before = await shardSizes(first.url, vars.SETUP_SECRET);
    await first.stop();
    if (before.get('DB')?.projects !== 1) throw new Error('expected the one project npm start makes, on DB');

    // R2: the NDJSON the batches hold (what the loader writes, line for line).
    let r2Bytes = 0;
    for (let t = 0; t < traces; t++) for (const span of benchTrace(opts, t)) r2Bytes += Buffer.byteLength(JSON.stringify(span)) + 1;

    const worker = await startBenchWorker(persistTo, ctx.portBase ? ctx.portBase + 1 : 0);
    let stored = 0;
    let loadS = 0;
    try {
      const t0 = performance.now();
      await loadBenchStore(worker, projectId, opts, { batchCount, tag: 'shard' });
      loadS = (performance.now() - t0) / 1000;
      const [[row]] = (await worker.sql([{ sql: 'SELECT count(*) AS n FROM spans WHERE project_id = ?1', params: [projectId] }])) as { n: number }[][];
      stored = row.n;
      ctx.log(`stored ${stored.toLocaleString('en-US')} spans in ${batchCount} R2 batches in ${loadS.toFixed(1)} s`);
    } finally {
      await worker.stop();
    }

    const figures: Figure[] = [];
    const details: Record<string, unknown> = { stored, batches: batchCount, loadSeconds: loadS };
    const loupe = await startLoupe({ port: ctx.portBase, persistTo, demo: false, vars });
    try {
      const after = await shardSizes(loupe.url, vars.SETUP_SECRET);
      const d1Bytes = (after.get('DB')!.bytes ?? 0) - (before.get('DB')!.bytes ?? 0);
      const d1PerSpan = d1Bytes / stored;
      const r2PerSpan = r2Bytes / stored;
      const perShard = Math.floor(D1_DATABASE_BYTES / d1PerSpan);
      const perShardUsable = Math.floor(CAPACITY_BYTES / d1PerSpan);
      figures.push({ name: 'D1 bytes per span (with full text)', value: Math.round(d1PerSpan), unit: 'B/span', note: `${(d1Bytes / 1e6).toFixed(1)} MB for ${stored.toLocaleString('en-US')} spans` });
      figures.push({ name: 'R2 bytes per span', value: Math.round(r2PerSpan), unit: 'B/span', note: 'NDJSON batches, full payloads' });
      figures.push({ name: 'spans per 10 GB D1 shard', value: perShard, unit: 'spans', note: `${perShardUsable.toLocaleString('en-US')} below the 9 GB write cutoff` });
      figures.push({ name: 'shards for 100 million spans', value: Math.ceil(100e6 / perShardUsable), unit: 'shards', note: 'at the 9 GB cutoff' });
      figures.push({ name: 'shards for 1 billion spans', value: Math.ceil(1e9 / perShardUsable), unit: 'shards', note: 'at the 9 GB cutoff' });
      figures.push({ name: 'one D1 database: indexing rate', value: Math.round(stored / loadS), unit: 'spans/s', note: 'bench indexer, 500-span batches, 5 per transaction (R2 writes included)' });
      Object.assign(details, { d1Bytes, r2Bytes, d1PerSpan, r2PerSpan, perShard, perShardUsable });

      // Reads a user makes, before and during the move.
      const key = { authorization: `Bearer ${loupe.apiKey}` };
      const traceId = benchTraceId(opts.seed, 7);
      const paths = ['/v1/traces?limit=50', `/v1/traces/${traceId}`, '/v1/traces?q=refund&limit=20'];
      const read = async () => Promise.all(paths.map(async (p) => {
        const res = await fetch(`${loupe.url}${p}`, { headers: key });
        return `${res.status} ${await res.text()}`;
      }));
      const baseline = await read();
      if (!baseline.every((r) => r.startsWith('200'))) throw new Error(`reads before the move failed: ${baseline.map((r) => r.slice(0, 200)).join('\n')}`);
      let reading = true;
      let readsDone = 0;
      let differing = 0;
      const reader = (async () => {
        while (reading) {
          const seen = await read();
          readsDone += seen.length;
          for (const [i, r] of seen.entries()) if (r !== baseline[i]) differing++;
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const t0 = performance.now();
      const move = await runMove(loupe.url, vars.SETUP_SECRET, projectId, 'DB_SHARD_1', ctx.log).finally(() => (reading = false));
      const moveS = (performance.now() - t0) / 1000;
      await reader;
      if (move.state !== 'done') throw new Error(`the move ended ${move.state}: ${move.error}`);
      if (move.counts.spans?.verified !== stored) throw new Error(`the move verified ${move.counts.spans?.verified} spans for ${stored} stored`);
      const afterMove = await read();
      const differingAfter = afterMove.filter((r, i) => r !== baseline[i]).length;
      const sizes = await shardSizes(loupe.url, vars.SETUP_SECRET);
      ctx.log(`move: ${stored.toLocaleString('en-US')} spans in ${moveS.toFixed(1)} s; ${readsDone} reads during it, ${differing} differing; after: ${differingAfter} differing`);
      // The waits: 2 x SHARD_MAP_TTL_MS (5 s) before the copy and again after the switch.
      const waitS = 20;
      figures.push({ name: `move a ${Math.round(stored / 1000)}k-span project between shards`, value: Math.round(moveS * 10) / 10, unit: 's', note: `${waitS} s of it waiting for isolates (2 x 2 x SHARD_MAP_TTL_MS)` });
      figures.push({ name: 'move: spans per second (copy + search + verify + cleanup)', value: Math.round(stored / Math.max(0.1, moveS - waitS)), unit: 'spans/s' });
      if (stored < 1e6) figures.push({ name: 'move: 1M-span project (extrapolated, linear)', value: Math.round(((moveS - waitS) * (1e6 / stored) + waitS) / 6) / 10, unit: 'min', note: 'not measured: 10x the copy/verify work of the 100k move + the waits' });
      figures.push({ name: 'reads during the move that differ from before', value: differing, unit: 'reads', note: `of ${readsDone} (traces list, a trace, a search)`, target: { op: '<=', value: 0 } });
      figures.push({ name: 'reads after the move that differ from before', value: differingAfter, unit: 'reads', note: `of ${afterMove.length}`, target: { op: '<=', value: 0 } });
      Object.assign(details, { moveSeconds: moveS, readsDuringMove: readsDone, differing, differingAfter, counts: move.counts, shardsAfter: Object.fromEntries(sizes) });
    } finally {
      await loupe.stop();
    }
    return { figures, details };
  },
};
