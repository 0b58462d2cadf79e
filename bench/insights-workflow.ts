/**
 * The Insights report Workflow end to end against a real local Loupe (`wrangler dev
 * --local`, as `npm start` runs it): N traces made of copies of the 200 tau-bench demo
 * conversations (new trace and span ids; the outcome in the root's metadata so no
 * per-trace feedback posts are needed), ingested through POST /v1/spans, then one report
 * (`failure_filter: metadata.outcome=0`) timed from POST to done, with the time each
 * step kind took (from the progress the report row shows, polled every 250 ms; locally the
 * Workflow runs in the same isolate as the API, so a CPU-bound step such as fit delays the
 * polls and short steps may not be seen).
 *
 * Run: `node bench/insights-workflow.ts` (INSIGHTS_WORKFLOW_TRACES, default 10,000;
 * BENCH_PORT). Prints a table; the machine's load is printed with it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLoupe } from '../scripts/local.ts';
import { taubenchToTraces, type TauBenchItem } from '../scripts/demo/taubench.ts';

const N = Number(process.env.INSIGHTS_WORKFLOW_TRACES ?? 10_000);
const log = (line: string) => console.log(`[bench:insights-workflow] ${line}`);

async function main() {
  const persistTo = await mkdtemp(join(tmpdir(), 'loupe-bench-insights-'));
  const loupe = await startLoupe({ persistTo, port: Number(process.env.BENCH_PORT ?? 0), demo: false, vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') }, log });
  const headers = { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' };
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(`${loupe.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  try {
    const items = JSON.parse(await readFile(new URL('../demo/taubench-airline.json', import.meta.url), 'utf8')) as TauBenchItem[];
    const base = taubenchToTraces(items, Date.now());
    const outcome = new Map(base.feedback.map((f) => [f.trace_id, f.score]));
    const ingestStarted = performance.now();
    let spans = 0;
    for (let copy = 0; copy * items.length < N; copy++) {
      const take = Math.min(items.length, N - copy * items.length);
      const wanted = new Set([...outcome.keys()].slice(0, take));
      let batch: unknown[] = [];
      const flush = async () => {
        if (batch.length) await call('/v1/spans', { spans: batch });
        spans += batch.length;
        batch = [];
      };
      for (const s of base.spans) {
        if (!wanted.has(s.trace_id)) continue;
        const trace_id = `${s.trace_id}-c${copy}`;
        const root = s.parent_id === null;
        batch.push({ ...s, id: `${s.id}-c${copy}`, trace_id, parent_id: s.parent_id ? `${s.parent_id}-c${copy}` : null, ...(root ? { metadata: { ...s.metadata, outcome: outcome.get(s.trace_id) } } : {}) });
        if (batch.length >= 500) await flush();
      }
      await flush();
    }
    for (;;) {
      const page = await call(`/v1/traces?limit=1&q=${encodeURIComponent('since:3650d')}&sort=start_time`);
      // Indexed when the newest copy's last trace is queryable with all its spans.
      const last = await fetch(`${loupe.url}/v1/traces/${encodeURIComponent(`${[...outcome.keys()][(N - 1) % items.length]}-c${Math.floor((N - 1) / items.length)}`)}?payloads=false`, { headers });
      if (page.traces.length && last.ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const ingestS = (performance.now() - ingestStarted) / 1000;
    log(`ingested ${N} traces (${spans} spans) in ${ingestS.toFixed(1)} s`);
    const started = performance.now();
    const row = await call('/v1/insights/reports', { since: '3650d', failure_filter: 'metadata.outcome=0' });
    const stepStart = new Map<string, number>();
    let report: any;
    for (;;) {
      report = await call(`/v1/insights/reports/${row.id}`);
      const step = report.progress.step as string;
      if (!stepStart.has(step)) stepStart.set(step, performance.now());
      if (report.status === 'done' || report.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const totalS = (performance.now() - started) / 1000;
    if (report.status !== 'done') throw new Error(`report failed: ${report.error}`);
    const steps = [...stepStart];
    console.log(`\n| Workflow report over ${N.toLocaleString('en-US')} traces | seconds (wall) |\n|---|---:|`);
    steps.forEach(([step, at], i) => {
      const end = i + 1 < steps.length ? steps[i + 1][1] : performance.now();
      if (step !== 'done') console.log(`| ${step === 'queued' ? 'queued + select' : step} | ${((end - at) / 1000).toFixed(1)} |`);
    });
    console.log(`| **end to end** (POST to done) | **${totalS.toFixed(1)}** |`);
    console.log(`\n${report.traces} traces, ${report.failures} failing, ${report.report.intents.length} categories, ${report.report.patterns.length} patterns; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await loupe.stop();
    await rm(persistTo, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
