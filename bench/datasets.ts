/**
 * Dataset benchmarks against a real local Loupe (`wrangler dev --local`, no demo):
 *
 * 1. Adding BENCH_TRACES (default 10,000) examples from a filter: that many completed
 *    traces are ingested, then POST .../examples/from-filter is called (1,000 per call,
 *    each call passing over the traces already added) until none are left. Examples/s over
 *    the calls, and the workerd process's peak RSS above its level before (the Worker's
 *    memory, approximately: workerd also holds the local D1/R2 simulators).
 * 2. Reading a page (100 examples, from a random cursor) of a BENCH_EXAMPLES (default
 *    100,000) example dataset: 10 imports of a tenth each (versions 1-10), then 100 edits
 *    (versions 11-110). p50/p95 over 100 reads through the API at version 5 (half the
 *    examples), version 10 and the latest (aim < 50 ms), beside the floor of any API read
 *    (GET one dataset) and the page query alone on the local D1 file.
 * 3. Exporting the whole dataset as JSONL: examples/s, MB/s, and workerd's peak RSS above
 *    its level before (the export streams 500 examples per D1 read).
 *
 * Run: `node bench/datasets.ts` (or `npm run bench -- datasets`). Prints a summary table.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLoupe, type LocalLoupe } from '../scripts/local.ts';
import { localD1File } from './lib/local-d1.ts';

const TRACES = Number(process.env.BENCH_TRACES ?? 10_000);
const EXAMPLES = Number(process.env.BENCH_EXAMPLES ?? 100_000);
const log = (line: string) => console.log(`[bench:datasets] ${line}`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function call(loupe: LocalLoupe, path: string, init: { method?: string; body?: unknown; raw?: string; type?: string } = {}): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': init.type ?? 'application/json' },
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Pids of the workerd processes under wrangler (Linux /proc). */
async function workerdPids(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const m = /^(\d+) \((.*)\) \S+ (\d+)/.exec(stat);
      if (!m) continue;
      names.set(Number(m[1]), m[2]);
      children.set(Number(m[3]), [...(children.get(Number(m[3])) ?? []), Number(m[1])]);
    } catch {
      // The process ended while listing.
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      if (names.get(c) === 'workerd') out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

async function rssMB(pids: number[]): Promise<number> {
  let kb = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/** Runs `fn` while sampling workerd's RSS every 20 ms; returns its result, the time and the peak RSS above the level before. */
async function measured<T>(pids: number[], fn: () => Promise<T>): Promise<{ result: T; ms: number; peakAboveMB: number; beforeMB: number }> {
  const beforeMB = await rssMB(pids);
  let peak = beforeMB;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssMB(pids));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  try {
    const result = await fn();
    return { result, ms: performance.now() - t0, peakAboveMB: Math.max(0, peak - beforeMB), beforeMB };
  } finally {
    sampling = false;
    await sampler;
  }
}

async function ingestTraces(loupe: LocalLoupe): Promise<void> {
  const start = Date.now() - 3600_000;
  for (let i = 0; i < TRACES; i += 2500) {
    const spans = Array.from({ length: Math.min(2500, TRACES - i) }, (_, j) => {
      const n = i + j;
      return {
        id: `dsb-${n}-root`,
        trace_id: `dsb-${n}`,
        name: 'support-agent',
        kind: 'agent',
        start_time: new Date(start + n).toISOString(),
        end_time: new Date(start + n + 1500).toISOString(),
        tags: ['dsbench'],
        input: { messages: [{ role: 'user', content: `My order ${n} has not arrived; it was due ${n % 28} days ago. Can you check?` }] },
        output: { role: 'assistant', content: `I checked order ${n}: it ships tomorrow. Sorry for the wait.` },
      };
    });
    await call(loupe, '/v1/spans', { body: { spans } });
  }
  // Indexing is asynchronous (queue): wait until a sample of the traces reads back.
  const sample = Array.from({ length: 50 }, (_, k) => `dsb-${Math.floor((k * (TRACES - 1)) / 49)}`);
  const deadline = Date.now() + 600_000;
  for (const id of sample) {
    for (;;) {
      const res = await fetch(`${loupe.url}/v1/traces/${id}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
      if (res.status === 200) break;
      if (Date.now() > deadline) throw new Error(`trace ${id} not indexed after 10 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-datasets-'));
  log('starting a local Loupe (wrangler dev --local)');
  const loupe = await startLoupe({
    port: Number(process.env.BENCH_PORT ?? 0),
    persistTo: dir,
    demo: false,
    vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    verbose: process.env.LOUPE_VERBOSE === '1',
  });
  try {
    const pids = await workerdPids(loupe.child.pid!);
    log(`workerd pids: ${pids.join(', ') || 'none found (memory figures will read 0)'}`);

    log(`ingesting ${TRACES} traces`);
    await ingestTraces(loupe);
    await call(loupe, '/v1/datasets', { body: { name: 'from-filter' } });
    log('adding them from the filter tag=dsbench, 1,000 per call');
    const add = await measured(pids, async () => {
      let added = 0;
      let calls = 0;
      for (;;) {
        const r = await call(loupe, '/v1/datasets/from-filter/examples/from-filter', { body: { filter: 'tag=dsbench', limit: 1000 } });
        added += r.added;
        calls++;
        if (!r.more) return { added, calls };
      }
    });
    if (add.result.added !== TRACES) throw new Error(`added ${add.result.added} examples, expected ${TRACES}`);

    log(`importing ${EXAMPLES} examples in 10 imports, then 100 edits`);
    await call(loupe, '/v1/datasets', { body: { name: 'big' } });
    const ids: string[] = [];
    const tenth = Math.ceil(EXAMPLES / 10);
    const importStart = performance.now();
    for (let v = 0; v < 10; v++) {
      const lines: string[] = [];
      for (let i = v * tenth; i < Math.min(EXAMPLES, (v + 1) * tenth); i++) {
        const id = crypto.randomUUID();
        ids.push(id);
        lines.push(JSON.stringify({ id, inputs: { question: `What is the refund policy for order ${i}?` }, outputs: { answer: `Refunds within 30 days; order ${i} qualifies.` }, splits: [i % 5 === 0 ? 'test' : 'train'], metadata: { n: i } }));
      }
      const r = await call(loupe, '/v1/datasets/big/import', { raw: lines.join('\n'), type: 'application/x-ndjson' });
      if (r.error_count) throw new Error(`import ${v + 1}: ${r.error_count} line errors, first ${JSON.stringify(r.errors[0])}`);
    }
    const importMs = performance.now() - importStart;
    for (let e = 0; e < 100; e++) {
      const id = ids[Math.floor(Math.random() * ids.length)];
      await call(loupe, `/v1/datasets/big/examples/${id}`, { method: 'PATCH', body: { outputs: { answer: `edited ${e}` } } });
    }
    const latest = (await call(loupe, '/v1/datasets/big')).latest_version as number;

    // The floor every API read pays here (HTTP through wrangler dev, key check, one D1 read).
    const floor: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      await call(loupe, '/v1/datasets/big');
      floor.push(performance.now() - t0);
    }
    const reads: Record<string, number[]> = {};
    for (const [label, q] of [['version 5 (old, half the examples)', 'version=5'], ['version 10 (old, all examples)', 'version=10'], [`latest (version ${latest})`, '']] as const) {
      const times: number[] = [];
      for (let i = 0; i < 100; i++) {
        const cursor = randomBytes(4).toString('hex');
        const t0 = performance.now();
        const page = await call(loupe, `/v1/datasets/big/examples?limit=100&cursor=${cursor}${q ? `&${q}` : ''}`);
        times.push(performance.now() - t0);
        if (!page.examples.length && cursor < 'f') throw new Error(`empty page at ${q || 'latest'} from cursor ${cursor}`);
      }
      reads[label] = times;
    }

    // The same page query straight on the local D1 file (read-only; WAL mode, so no blocking):
    // the SQL's own cost, apart from HTTP, the key check and a loaded machine.
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(localD1File(dir), { readOnly: true });
    const ds = db.prepare("SELECT project_id, id FROM datasets WHERE name = 'big'").get() as { project_id: string; id: string };
    const pageSql = db.prepare('SELECT * FROM dataset_example_revisions WHERE project_id = ? AND dataset_id = ? AND valid_from <= ? AND valid_to > ? AND archived = 0 AND example_id > ? ORDER BY example_id LIMIT 101');
    const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM dataset_example_revisions WHERE project_id = ? AND dataset_id = ? AND valid_from <= ? AND valid_to > ? AND archived = 0 AND example_id > ? ORDER BY example_id LIMIT 101`).all(ds.project_id, ds.id, 5, 5, '0') as { detail: string }[]).map((r) => r.detail).join('; ');
    const sqlReads: Record<string, number[]> = {};
    for (const [label, v] of [['version 5', 5], ['version 10', 10], ['latest', latest]] as const) {
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        pageSql.all(ds.project_id, ds.id, v, v, randomBytes(4).toString('hex'));
        times.push(performance.now() - t0);
      }
      sqlReads[label] = times;
    }
    db.close();

    log(`exporting ${EXAMPLES} examples as JSONL`);
    const exp = await measured(pids, async () => {
      const res = await fetch(`${loupe.url}/v1/datasets/big/export?format=jsonl`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
      if (!res.ok || !res.body) throw new Error(`export: ${res.status}`);
      let bytes = 0;
      let lines = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        for (const b of value) if (b === 10) lines++;
      }
      return { bytes, lines };
    });
    if (exp.result.lines !== EXAMPLES) throw new Error(`exported ${exp.result.lines} lines, expected ${EXAMPLES}`);

    console.log('\n| figure | value | aim |\n|---|---|---|');
    console.log(`| add ${TRACES} examples from a filter (${add.result.calls} calls of 1,000) | ${(TRACES / (add.ms / 1000)).toFixed(0)} examples/s (${(add.ms / 1000).toFixed(1)} s) | |`);
    console.log(`| add from a filter: workerd peak RSS above before (${add.beforeMB.toFixed(0)} MB) | ${add.peakAboveMB.toFixed(0)} MB | < 128 MB |`);
    console.log(`| import ${EXAMPLES} examples (10 JSONL imports) | ${(EXAMPLES / (importMs / 1000)).toFixed(0)} examples/s | |`);
    console.log(`| floor: GET one dataset (HTTP, key check, one D1 read), p50 / p95 | ${pct(floor, 50).toFixed(1)} / ${pct(floor, 95).toFixed(1)} ms | |`);
    for (const [label, times] of Object.entries(reads)) {
      console.log(`| page of 100 of a ${EXAMPLES}-example dataset at ${label}, p50 | ${pct(times, 50).toFixed(1)} ms | |`);
      console.log(`| page of 100 of a ${EXAMPLES}-example dataset at ${label}, p95 | ${pct(times, 95).toFixed(1)} ms | < 50 ms |`);
    }
    for (const [label, times] of Object.entries(sqlReads)) console.log(`| the page query alone (SQLite on the local D1 file) at ${label}, p50 / p95 | ${pct(times, 50).toFixed(2)} / ${pct(times, 95).toFixed(2)} ms | |`);
    console.log(`| (query plan: ${plan}) | | |`);
    console.log(`| export ${EXAMPLES} examples as JSONL (${(exp.result.bytes / 1e6).toFixed(1)} MB in ${(exp.ms / 1000).toFixed(1)} s) | ${(EXAMPLES / (exp.ms / 1000)).toFixed(0)} examples/s, ${(exp.result.bytes / 1e6 / (exp.ms / 1000)).toFixed(1)} MB/s | |`);
    console.log(`| export: workerd peak RSS above before (${exp.beforeMB.toFixed(0)} MB) | ${exp.peakAboveMB.toFixed(0)} MB | < 128 MB |`);
  } finally {
    await loupe.stop();
  }
}

await main();
