/**
 * A bench-only Worker (bench/wrangler.toml; never deployed, never part of the product
 * Worker) that exposes the product indexer on local endpoints, so the benchmarks can time
 * the D1 indexing step alone and load large datasets through the real indexing code:
 *
 * - `POST /batch {key, spans}` validates and normalizes spans as POST /v1/spans does and
 *   stores them in R2 under `key` as the ingest route would (untimed setup).
 * - `POST /index {messages, group}` indexes R2 batches with the product's `readBatch` +
 *   `writeBatches`, `group` messages per D1 transaction (1 = what the consumer does per
 *   message), and answers the time spent reading (R2 get, parse, row building) and writing
 *   (the D1 batch). workerd's clock advances during CPU work under `wrangler dev`, so the
 *   split is exact.
 * - `POST /load?project=&keys=k1,k2&lengths=n1,n2` takes several NDJSON batches of
 *   already-normalized spans back to back, stores each in R2 under its key and indexes
 *   them all in one D1 transaction with the product's row builder and writer (bulk loading
 *   for the query benchmark: no validation and no R2 read-back, the rest as in production).
 *   `rollups=0` writes them without the dashboard roll-ups (the dashboards suite's ingest
 *   comparison); the answer carries `writeMs`, the D1 batch alone.
 * - `POST /rollups?project=` rolls up every stale hour of the project (stats_dirty), as the
 *   cron pass does, and answers how many hours and how long.
 * - `POST /prepare {messages}` answers the rows the indexer builds for those batches (so raw
 *   SQLite can insert exactly the same rows) and their column order.
 * - `POST /sql {statements: [{sql, params}]}` runs statements in one D1 batch (loading
 *   feedback rows for the query benchmark).
 * - `POST /trace-list-sql {projectId, q, limit, now}` answers the SQL that GET /v1/traces
 *   runs for that filter, so the query benchmark can EXPLAIN it against the local file.
 */
import { prepareBatch, readBatch, writeBatches, SPAN_COLUMN_NAMES } from '../workers/store/indexer.ts';
import { claimBackfill, recomputeStatements, rollupToken } from '../workers/store/rollups.ts';
import { encodeBatch, isBatchOf, parseBatch } from '../workers/store/batch-format.ts';
import { validateSpans } from '../workers/ingest/validate.ts';
import { frequentTexts, traceListQuery } from '../workers/store/trace-query.ts';
import { parseQuery } from '../workers/store/filter.ts';
import { traceLevelTexts } from '../schema/filter/index.ts';
import type { IngestMessage } from '../schema/queues.ts';

/** The bindings of bench/wrangler.toml (a subset of the product's Env). */
interface BenchEnv {
  DB: D1Database;
  BLOBS: R2Bucket;
}

async function index(env: BenchEnv, messages: IngestMessage[], group: number) {
  const productEnv = env as unknown as Env;
  let spans = 0;
  let readMs = 0;
  let writeMs = 0;
  for (let i = 0; i < messages.length; i += group) {
    const t0 = performance.now();
    const batches = await Promise.all(messages.slice(i, i + group).map((m) => readBatch(productEnv, m)));
    const t1 = performance.now();
    spans += (await writeBatches(env.DB, batches, Date.now())).spans;
    readMs += t1 - t0;
    writeMs += performance.now() - t1;
  }
  return { spans, readMs, writeMs, ms: readMs + writeMs };
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/health') return Response.json({ ok: true });
      if (url.pathname === '/batch' && request.method === 'POST') {
        const { key, spans: items } = (await request.json()) as { key: string; spans: unknown[] };
        const { spans, rejected } = validateSpans(items);
        if (rejected.length) return Response.json({ error: 'rejected spans', rejected: rejected.slice(0, 5) }, { status: 400 });
        const body = encodeBatch(spans);
        await env.BLOBS.put(key, body, { httpMetadata: { contentType: 'application/x-ndjson' } });
        return Response.json({ spans: spans.length, bytes: body.length });
      }
      if (url.pathname === '/index' && request.method === 'POST') {
        const { messages, group } = (await request.json()) as { messages: IngestMessage[]; group?: number };
        return Response.json(await index(env, messages, Math.max(1, group ?? 1)));
      }
      if (url.pathname === '/load' && request.method === 'POST') {
        const projectId = url.searchParams.get('project') ?? '';
        const keys = (url.searchParams.get('keys') ?? '').split(',');
        const lengths = (url.searchParams.get('lengths') ?? '').split(',').map(Number);
        const bytes = new Uint8Array(await request.arrayBuffer());
        const batches = [];
        let offset = 0;
        for (const [i, key] of keys.entries()) {
          if (!isBatchOf(projectId, key)) return Response.json({ error: `key ${key} is outside project ${projectId}` }, { status: 400 });
          const batch = bytes.subarray(offset, offset + lengths[i]);
          offset += lengths[i];
          await env.BLOBS.put(key, batch, { httpMetadata: { contentType: 'application/x-ndjson' } });
          batches.push(prepareBatch(projectId, key, parseBatch(batch)));
        }
        const t0 = performance.now();
        const written = await writeBatches(env.DB, batches, Date.now(), { rollups: url.searchParams.get('rollups') !== '0' });
        return Response.json({ ...written, writeMs: performance.now() - t0 });
      }
      if (url.pathname === '/rollups' && request.method === 'POST') {
        const projectId = url.searchParams.get('project') ?? '';
        const t0 = performance.now();
        let hours = 0;
        for (;;) {
          const token = rollupToken();
          const [claimed] = await env.DB.batch([claimBackfill(env.DB, projectId, token, 24), ...recomputeStatements(env.DB, projectId, token)]);
          hours += claimed.meta.changes ?? 0;
          if ((claimed.meta.changes ?? 0) < 24) break;
        }
        return Response.json({ hours, ms: performance.now() - t0 });
      }
      if (url.pathname === '/prepare' && request.method === 'POST') {
        const { messages } = (await request.json()) as { messages: IngestMessage[] };
        const batches = await Promise.all(messages.map((m) => readBatch(env as unknown as Env, m)));
        return Response.json({ columns: SPAN_COLUMN_NAMES, batches });
      }
      if (url.pathname === '/sql' && request.method === 'POST') {
        const { statements } = (await request.json()) as { statements: { sql: string; params?: unknown[] }[] };
        const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...(s.params ?? []))));
        return Response.json({ results: results.map((r) => r.results) });
      }
      if (url.pathname === '/trace-list-sql' && request.method === 'POST') {
        const { projectId, q, limit, now } = (await request.json()) as { projectId: string; q?: string; limit: number; now: number };
        const frequent = await frequentTexts(env.DB, traceLevelTexts(parseQuery(q)));
        return Response.json({ ...traceListQuery(projectId, { q, limit, now }, frequent), frequentTexts: [...frequent] });
      }
      return Response.json({ error: 'not found' }, { status: 404 });
    } catch (err) {
      return Response.json({ error: String((err as Error)?.stack ?? err) }, { status: 500 });
    }
  },
} satisfies ExportedHandler<BenchEnv>;
