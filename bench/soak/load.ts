/**
 * Load and volume soak (issue 16) against one real local Loupe:
 * - SOAK_CLIENTS ingest clients (default 50) post 100-span requests (two 50-span traces)
 *   through the native, OTLP (protobuf) and LangSmith (multipart) paths in turn, honouring
 *   429 + Retry-After as the SDKs do, until SOAK_SPANS spans (default 1,000,000) are
 *   acknowledged;
 * - meanwhile SOAK_READERS readers (default 20) page the trace list, open a trace, and post a
 *   reviewer's feedback on it (a score and a comment), over and over.
 * Figures: answers by status (anything but 2xx and 429-with-Retry-After is an error), ack
 * latency p50/p95/p99 per minute (the last minute's p99 against the first's: aim within 2x),
 * read latency, the Worker isolate's JS heap (after a full GC at minute 1 and at the end, via the
 * DevTools inspector) and workerd's resident memory sampled every 5 s (first full minute against
 * the last; it includes the local D1/R2 simulators), and at the end how long until every acknowledged span is in D1 (read from the local
 * D1 file, counted by this run's tag: aim all of them).
 *
 * Run: `npm run soak -- load` (SOAK_SPANS=100000 for a shorter run). Prints the figures and
 * writes them to bench/results/.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { freePort, startLoupe, type LocalLoupe } from '../../scripts/local.ts';
import { Inspector } from '../lib/inspector.ts';
import { localD1File } from '../lib/local-d1.ts';
import { request, type Path } from './requests.ts';

const SPANS = Number(process.env.SOAK_SPANS ?? 1_000_000);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 50);
const READERS = Number(process.env.SOAK_READERS ?? 20);
// Locally one isolate serves requests and the queue consumer, so indexing trails ingest by
// up to ~10 min at 1M spans on 2 cores: wait long enough to tell slow from lost.
const WAIT_S = Number(process.env.SOAK_WAIT_S ?? 1800);
const TRACES_PER_REQUEST = 2;
const SPANS_PER_TRACE = 50;
const log = (line: string) => console.log(`[soak:load] ${line}`);
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tally {
  statuses: Record<string, number>;
  errors: string[];
  retryAfterMissing: number;
}

const tally = (): Tally => ({ statuses: {}, errors: [], retryAfterMissing: 0 });

/** Counts an answer; true when it was a 429 the caller should wait out. */
function count(t: Tally, what: string, res: Response): boolean {
  t.statuses[res.status] = (t.statuses[res.status] ?? 0) + 1;
  if (res.ok) return false;
  if (res.status === 429) {
    if (!res.headers.get('retry-after')) t.retryAfterMissing++;
    return true;
  }
  if (t.errors.length < 20) t.errors.push(`${what}: ${res.status}`);
  return false;
}

/** Resident memory (KiB) of the workerd processes under wrangler's process tree. */
function workerdRssKiB(rootPid: number): number {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, rss, comm]) => ({ pid: Number(pid), ppid: Number(ppid), rss: Number(rss), comm }));
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) if (tree.has(r.ppid) && !tree.has(r.pid)) (tree.add(r.pid), (grew = true));
  }
  return rows.filter((r) => tree.has(r.pid) && r.comm.includes('workerd')).reduce((n, r) => n + r.rss, 0);
}

async function main() {
  const persistTo = await mkdtemp(join(tmpdir(), 'loupe-soak-load-'));
  const runTag = `load-${randomBytes(4).toString('hex')}`;
  const inspectorPort = await freePort();
  const loupe: LocalLoupe = await startLoupe({ persistTo, port: 0, demo: false, inspectorPort, vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
  const auth = { authorization: `Bearer ${loupe.apiKey}` };
  const started = performance.now();
  const minute = () => Math.floor((performance.now() - started) / 60_000);
  const ingest = tally();
  const reads = tally();
  const acks: { minute: number; ms: number }[] = [];
  const readMs: number[] = [];
  const memory: { s: number; kib: number }[] = [];
  let acked = 0;
  let reviews = 0;
  let done = false;

  // The Worker isolate's own JS heap, through the DevTools inspector: workerd's RSS also holds
  // the local D1 and R2 simulators (SQLite pages grow with the store), so it cannot say
  // whether the Worker leaks; the heap can. A full GC before the first-minute and the end
  // readings makes those two comparable (live objects only).
  const inspector = await Inspector.connect(inspectorPort);
  const heap: { s: number; mib: number }[] = [];
  const heapAfterGc = async () => {
    await inspector.send('HeapProfiler.collectGarbage');
    return ((await inspector.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / 2 ** 20;
  };
  let heapAtMinute1: number | null = null;
  const sampler = setInterval(() => {
    const s = Math.round((performance.now() - started) / 1000);
    memory.push({ s, kib: workerdRssKiB(loupe.child.pid!) });
    void inspector.send('Runtime.getHeapUsage').then((h: { usedSize: number }) => heap.push({ s, mib: h.usedSize / 2 ** 20 }));
    if (heapAtMinute1 === null && s >= 60) {
      heapAtMinute1 = -1;
      void heapAfterGc().then((mib) => (heapAtMinute1 = mib));
    }
  }, 5_000);
  const progress = setInterval(() => log(`${acked.toLocaleString()} spans acknowledged, ${reviews} reviews, ${(performance.now() - started) / 1000 | 0} s`), 30_000);

  const paths: Path[] = ['native', 'otlp', 'langsmith'];
  let sent = 0;
  const client = async (n: number) => {
    for (let i = 0; (sent += TRACES_PER_REQUEST * SPANS_PER_TRACE) <= SPANS; i++) {
      const path = paths[(n + i) % paths.length];
      const send = request(path, runTag, loupe, TRACES_PER_REQUEST, SPANS_PER_TRACE);
      // Retried until acknowledged: a 429 is waited out as its Retry-After says.
      for (;;) {
        const t0 = performance.now();
        const res = await send();
        await res.arrayBuffer();
        const wait = count(ingest, path, res);
        if (res.ok) {
          acks.push({ minute: minute(), ms: performance.now() - t0 });
          acked += TRACES_PER_REQUEST * SPANS_PER_TRACE;
          break;
        }
        if (!wait) break;
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
      }
    }
  };
  const reader = async (n: number) => {
    let cursor: string | undefined;
    while (!done) {
      const t0 = performance.now();
      const res = await fetch(`${loupe.url}/v1/traces?${new URLSearchParams({ limit: '50', ...(cursor ? { cursor } : {}) })}`, { headers: auth });
      const text = await res.text();
      readMs.push(performance.now() - t0);
      if (count(reads, 'GET /v1/traces', res)) {
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
        continue;
      }
      if (!res.ok) continue;
      const page = JSON.parse(text) as { traces: { id: string }[]; next_cursor: string | null };
      cursor = page.next_cursor ?? undefined;
      const pick = page.traces[(n + reviews) % Math.max(1, page.traces.length)];
      if (!pick) {
        await sleep(500);
        continue;
      }
      const t1 = performance.now();
      const trace = await fetch(`${loupe.url}/v1/traces/${encodeURIComponent(pick.id)}`, { headers: auth });
      await trace.arrayBuffer();
      readMs.push(performance.now() - t1);
      count(reads, 'GET /v1/traces/{id}', trace);
      const fb = await fetch(`${loupe.url}/v1/feedback`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ trace_id: pick.id, key: 'reviewed', score: (n + reviews) % 2, comment: `reader ${n}`, source: 'human', author: `reviewer-${n}@example.com` }),
      });
      await fb.arrayBuffer();
      count(reads, 'POST /v1/feedback', fb);
      if (fb.ok) reviews++;
    }
  };

  try {
    log(`${CLIENTS} ingest clients posting ${SPANS.toLocaleString()} spans, ${READERS} readers`);
    const readers = Array.from({ length: READERS }, (_, n) => reader(n));
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    const ingestSeconds = (performance.now() - started) / 1000;
    done = true;
    await Promise.all(readers);
    clearInterval(progress);

    // Every acknowledged span in D1: counted straight from the local D1 file (read-only, WAL).
    const db = new DatabaseSync(localD1File(persistTo), { readOnly: true });
    const countSpans = () => (db.prepare(`SELECT count(*) AS n FROM spans WHERE project_id = ?`).get(loupe.projectId) as { n: number }).n;
    const waitStart = performance.now();
    let indexed = countSpans();
    while (indexed < acked && performance.now() - waitStart < WAIT_S * 1000) {
      await sleep(2_000);
      indexed = countSpans();
    }
    const indexLagS = (performance.now() - waitStart) / 1000;
    db.close();
    clearInterval(sampler);
    const heapAtEnd = await heapAfterGc();
    inspector.close();

    const minutes = [...new Set(acks.map((a) => a.minute))].sort((a, b) => a - b);
    const perMinute = minutes.map((m) => {
      const xs = acks.filter((a) => a.minute === m).map((a) => a.ms);
      return { minute: m, requests: xs.length, p50: Math.round(pct(xs, 50)), p95: Math.round(pct(xs, 95)), p99: Math.round(pct(xs, 99)) };
    });
    // The last minute is partial; compare the first full minute with the last full one.
    const full = perMinute.length > 2 ? perMinute.slice(0, -1) : perMinute;
    const memFirst = memory.filter((m) => m.s >= 60 && m.s < 120).map((m) => m.kib);
    const memLast = memory.slice(-12).map((m) => m.kib);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    const result = {
      suite: 'soak-load',
      at: new Date().toISOString(),
      load: loadavg().map((l) => Number(l.toFixed(2))),
      clients: CLIENTS,
      readers: READERS,
      acknowledged_spans: acked,
      ingest_seconds: Math.round(ingestSeconds),
      ack_rate_spans_per_s: Math.round(acked / ingestSeconds),
      ingest_statuses: ingest.statuses,
      read_statuses: reads.statuses,
      errors_other_than_429: [...ingest.errors, ...reads.errors],
      responses_429_without_retry_after: ingest.retryAfterMissing + reads.retryAfterMissing,
      reviews,
      ack_ms_per_minute: perMinute,
      ack_p99_last_over_first: Number((full[full.length - 1].p99 / full[0].p99).toFixed(2)),
      read_ms: { p50: Math.round(pct(readMs, 50)), p95: Math.round(pct(readMs, 95)), p99: Math.round(pct(readMs, 99)) },
      workerd_rss_mib: { second_minute: Math.round(mean(memFirst) / 1024), last_minute: Math.round(mean(memLast) / 1024), max: Math.round(Math.max(...memory.map((m) => m.kib)) / 1024) },
      worker_heap_mib: {
        after_gc_at_minute_1: heapAtMinute1 === null || heapAtMinute1 < 0 ? null : Number((heapAtMinute1 as number).toFixed(1)),
        after_gc_at_end: Number(heapAtEnd.toFixed(1)),
        max_used: heap.length ? Number(Math.max(...heap.map((h) => h.mib)).toFixed(1)) : null,
        samples: heap.length,
      },
      indexed_spans: indexed,
      // Acknowledged but not in D1 when the wait ended (lost, or still indexing if the wait ran out).
      lost_spans: acked - indexed,
      index_lag_after_last_ack_s: Number(indexLagS.toFixed(1)),
    };
    log(JSON.stringify(result, null, 2));
    await mkdir(new URL('../results/', import.meta.url), { recursive: true });
    await writeFile(new URL(`../results/soak-load-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify({ ...result, memory, heap }, null, 2));
    const failed = result.errors_other_than_429.length > 0 || result.responses_429_without_retry_after > 0 || result.lost_spans !== 0;
    if (failed) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    await loupe.stop();
    await rm(persistTo, { recursive: true, force: true });
  }
}

await main();
