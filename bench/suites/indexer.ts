/**
 * Indexing: spans per second of the D1 indexing step alone (the product's `readBatch` +
 * `writeBatches` from workers/store/indexer.ts: R2 batch -> D1 spans, FTS entries and trace
 * roll-ups in one D1 batch), run in a bench-only Worker under `wrangler dev` so no HTTP
 * ingest or queue delivery is timed; and, in the same run, raw SQLite (better-sqlite3)
 * inserting exactly the rows the indexer built into the same schema, as a ratio.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { repoRoot } from '../../scripts/local.ts';
import { startBenchWorker, type BenchWorker } from '../lib/bench-worker.ts';
import { benchTrace } from '../lib/workload.ts';
import type { BenchContext, BenchSuite, Figure } from '../lib/suite.ts';
import type { IngestMessage } from '../../schema/queues.ts';

const PROJECT = 'bench-indexer';
const SPANS_PER_BATCH = 500;
const SPANS_PER_TRACE = 10;

/** The migrations' SQL in the order wrangler applies them. */
export function migrationsSql(): string[] {
  const dir = `${repoRoot}schema/migrations`;
  const journal = JSON.parse(readFileSync(`${dir}/meta/_journal.json`, 'utf8')) as { entries: { tag: string }[] };
  return journal.entries.map((e) => readFileSync(`${dir}/${e.tag}.sql`, 'utf8'));
}

/** Stores `batches` batches of 500 spans (50 traces each) in R2 through the worker; returns their queue messages. */
async function storeBatches(worker: BenchWorker, batches: number, seed: number): Promise<IngestMessage[]> {
  const tracesPerBatch = SPANS_PER_BATCH / SPANS_PER_TRACE;
  const opts = { seed, now: Date.now(), days: 30, spansPerTrace: SPANS_PER_TRACE, traces: batches * tracesPerBatch };
  const messages: IngestMessage[] = [];
  for (let b = 0; b < batches; b++) {
    const spans = [];
    for (let t = 0; t < tracesPerBatch; t++) spans.push(...benchTrace(opts, b * tracesPerBatch + t));
    const key = `spans/${PROJECT}/bench/${String(b).padStart(5, '0')}.ndjson`;
    await worker.putBatch(key, spans);
    messages.push({ v: 1, project_id: PROJECT, key });
  }
  return messages;
}

interface D1Run {
  group: number;
  spans: number;
  ms: number;
  readMs: number;
  writeMs: number;
  wallMs: number;
}

/** Indexes every message on a fresh local D1, `group` messages per D1 transaction. */
async function d1Run(ctx: BenchContext, name: string, batches: number, seed: number, group: number): Promise<D1Run> {
  const dir = `${ctx.tmpDir}/${name}`;
  const worker = await startBenchWorker(dir, ctx.portBase ? ctx.portBase + 1 : 0);
  try {
    const messages = await storeBatches(worker, batches, seed);
    await worker.sql([{ sql: 'SELECT count(*) AS n FROM spans' }]); // wakes the D1 object and opens its file
    const run: D1Run = { group, spans: 0, ms: 0, readMs: 0, writeMs: 0, wallMs: 0 };
    const t0 = performance.now();
    for (let i = 0; i < messages.length; i += group) {
      const r = await worker.index(messages.slice(i, i + group), group);
      run.spans += r.spans;
      run.ms += r.ms;
      run.readMs += r.readMs;
      run.writeMs += r.writeMs;
    }
    run.wallMs = performance.now() - t0;
    const [[counts]] = (await worker.sql([{ sql: 'SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM traces) AS traces' }])) as { spans: number; traces: number }[][];
    if (counts.spans !== batches * SPANS_PER_BATCH) throw new Error(`expected ${batches * SPANS_PER_BATCH} spans indexed, found ${counts.spans}`);
    return run;
  } finally {
    await worker.stop();
    if (!ctx.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows the indexer builds for the same batches, written as NDJSON for raw SQLite. */
async function preparedRows(ctx: BenchContext, batches: number, seed: number): Promise<{ file: string; columns: string[] }> {
  const dir = `${ctx.tmpDir}/prepare`;
  const worker = await startBenchWorker(dir, ctx.portBase ? ctx.portBase + 1 : 0);
  try {
    const messages = await storeBatches(worker, batches, seed);
    const file = `${ctx.tmpDir}/rows.ndjson`;
    writeFileSync(file, '');
    let columns: string[] = [];
    for (let i = 0; i < messages.length; i += 10) {
      const prepared = await worker.prepare(messages.slice(i, i + 10));
      columns = prepared.columns;
      const lines = prepared.batches.map((b) => JSON.stringify({ project_id: b.projectId, rows: b.rows, fts: b.fts, trace_ids: b.traceIds }));
      writeFileSync(file, `${lines.join('\n')}\n`, { flag: 'a' });
    }
    return { file, columns };
  } finally {
    await worker.stop();
    if (!ctx.keep) rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: 'indexer',
  order: 20,
  description: 'D1 indexing step alone (bench worker) vs raw SQLite inserting the same rows',
  async run(ctx) {
    const batches = Math.max(2, Math.round(40 / ctx.scale));
    const seed = Date.now() % 1e9;
    mkdirSync(ctx.tmpDir, { recursive: true });
    const sqlite = await ctx.sqlite();
    ctx.log(`raw SQLite runs ${sqlite.where}, SQLite ${sqlite.sqliteVersion}`);

    ctx.log(`preparing ${batches} batches x ${SPANS_PER_BATCH} spans`);
    const { file, columns } = await preparedRows(ctx, batches, seed);
    // Same journal mode as local D1's file (WAL); NORMAL sync is SQLite's recommended WAL setting.
    const pragmas = ['journal_mode = WAL', 'synchronous = NORMAL'];
    const raw = async (variant: 'spans' | 'full') => {
      const r = await sqlite.request<{ spans: number; ms: number }>('raw-insert', { file: `${ctx.tmpDir}/raw.sqlite`, migrations: migrationsSql(), batchesFile: file, variant, columns, pragmas });
      ctx.log(`raw SQLite (${variant}): ${Math.round(r.spans / (r.ms / 1000))} spans/s`);
      return r;
    };
    const rawFull1 = await raw('full');
    const rawSpans = await raw('spans');

    const perMessage = await d1Run(ctx, 'd1-per-message', batches, seed, 1);
    ctx.log(`indexer, 1 message per D1 batch: ${Math.round(perMessage.spans / (perMessage.ms / 1000))} spans/s (D1 batch ${Math.round(perMessage.writeMs)} ms, read+rows ${Math.round(perMessage.readMs)} ms)`);
    const grouped = await d1Run(ctx, 'd1-grouped', batches, seed, 10);
    ctx.log(`indexer, 10 messages per D1 batch: ${Math.round(grouped.spans / (grouped.ms / 1000))} spans/s`);
    const rawFull2 = await raw('full');
    if (!ctx.keep) rmSync(file, { force: true });

    // The faster of the two raw runs (before and after the D1 runs) is the bar.
    const rawFull = rawFull1.ms <= rawFull2.ms ? rawFull1 : rawFull2;
    const rate = (spans: number, ms: number) => Math.round(spans / (ms / 1000));
    const rawFullRate = rate(rawFull.spans, rawFull.ms);
    const figures: Figure[] = [
      { name: 'indexer: indexBatch, 1 message per D1 batch', value: rate(perMessage.spans, perMessage.ms), unit: 'spans/s', note: 'R2 get + parse + rows + one D1 batch, per 500-span message' },
      { name: 'indexer: of which the D1 batch alone', value: rate(perMessage.spans, perMessage.writeMs), unit: 'spans/s', note: 'time inside db.batch()' },
      { name: 'indexer: 10 messages per D1 batch', value: rate(grouped.spans, grouped.ms), unit: 'spans/s', note: 'readBatch x10 + one writeBatches (as the consumer groups)' },
      { name: 'raw SQLite: spans+FTS+roll-ups', value: rawFullRate, unit: 'spans/s', note: 'better-sqlite3, per-row prepared statements, 1 transaction per 500 spans' },
      { name: 'raw SQLite: spans only', value: rate(rawSpans.spans, rawSpans.ms), unit: 'spans/s', note: 'same, spans table (2 indexes) only' },
      { name: 'ratio indexBatch / raw (1 message per batch)', value: round2(rate(perMessage.spans, perMessage.ms) / rawFullRate), unit: 'x', target: { op: '>=', value: 0.5 } },
      { name: 'ratio D1 batch alone / raw', value: round2(rate(perMessage.spans, perMessage.writeMs) / rawFullRate), unit: 'x' },
      { name: 'ratio 10 messages per batch / raw', value: round2(rate(grouped.spans, grouped.ms) / rawFullRate), unit: 'x', target: { op: '>=', value: 0.5 } },
    ];
    return { figures, details: { batches, spansPerBatch: SPANS_PER_BATCH, sqlite: sqlite.where, sqliteVersion: sqlite.sqliteVersion, pragmas, perMessage, grouped, rawFull: [rawFull1, rawFull2], rawSpans } };
  },
};

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
