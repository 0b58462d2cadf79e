/**
 * Starts the bench-only indexer Worker (bench/indexer-worker.ts, bench/wrangler.toml) in
 * `wrangler dev` on a persist directory, after applying the D1 migrations there. With the
 * persist directory of a local Loupe it reads and writes that Loupe's D1 and R2 (the
 * config names the same database id and bucket), so never run both on one directory at once.
 */
import { mkdirSync } from 'node:fs';
import { repoRoot, startWranglerDev, wranglerSync } from '../../scripts/local.ts';
import type { IngestMessage } from '../../schema/queues.ts';

const config = `${repoRoot}bench/wrangler.toml`;

/** Timings the worker reports for an /index call (ms). */
export interface IndexTiming {
  spans: number;
  readMs: number;
  writeMs: number;
  ms: number;
}

/** A running bench worker. */
export interface BenchWorker {
  url: string;
  /** Validates `spans` as POST /v1/spans does and stores them in R2 under `key`. */
  putBatch(key: string, spans: unknown[]): Promise<{ spans: number; bytes: number }>;
  index(messages: IngestMessage[], group?: number): Promise<IndexTiming>;
  prepare(messages: IngestMessage[]): Promise<{ columns: string[]; batches: { projectId: string; rows: unknown[][]; fts: unknown[][]; traceIds: string[] }[] }>;
  sql(statements: { sql: string; params?: unknown[] }[]): Promise<unknown[][]>;
  /** Stores NDJSON batches of normalized spans in R2 and indexes them in one D1 transaction. */
  load(projectId: string, batches: { key: string; ndjson: Uint8Array }[], opts?: { rollups?: boolean }): Promise<{ spans: number; writeMs: number }>;
  /** Rolls up every stale hour of a project (as the cron pass does). */
  rollups(projectId: string): Promise<{ hours: number; ms: number }>;
  /** The SQL GET /v1/traces runs for filter `q`. */
  traceListSql(projectId: string, q: string | undefined, limit: number, now: number): Promise<{ sql: string; binds: unknown[] }>;
  stop(): Promise<void>;
}

async function call<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as T;
}

/** Starts the bench worker on `persistTo` (port 0 = any free port). */
export async function startBenchWorker(persistTo: string, port: number): Promise<BenchWorker> {
  mkdirSync(persistTo, { recursive: true });
  wranglerSync(['d1', 'migrations', 'apply', 'DB', '--local', '-c', config, '--persist-to', persistTo]);
  const { url, stop } = await startWranglerDev({ args: ['-c', config, '--persist-to', persistTo], port, healthPath: '/health' });
  const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    url,
    putBatch: (key, spans) => call(`${url}/batch`, json({ key, spans })),
    index: (messages, group = 1) => call<IndexTiming>(`${url}/index`, json({ messages, group })),
    prepare: (messages) => call(`${url}/prepare`, json({ messages })),
    sql: async (statements) => (await call<{ results: unknown[][] }>(`${url}/sql`, json({ statements }))).results,
    load: (projectId, batches, opts) => {
      const keys = batches.map((b) => encodeURIComponent(b.key)).join(',');
      const lengths = batches.map((b) => b.ndjson.length).join(',');
      const rollups = opts?.rollups === false ? '&rollups=0' : '';
      return call(`${url}/load?project=${encodeURIComponent(projectId)}&keys=${keys}&lengths=${lengths}${rollups}`, { method: 'POST', body: Buffer.concat(batches.map((b) => b.ndjson)) });
    },
    rollups: (projectId) => call(`${url}/rollups?project=${encodeURIComponent(projectId)}`, { method: 'POST' }),
    traceListSql: (projectId, q, limit, now) => call(`${url}/trace-list-sql`, json({ projectId, q, limit, now })),
    stop,
  };
}
