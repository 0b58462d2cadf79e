/**
 * Standalone runner for the drop-in ingest benchmarks: sends the same workload through the
 * native API (baseline), OTLP protobuf and LangSmith multipart, each against its own fresh
 * local Loupe (`wrangler dev`, empty store), and reports spans/s to queryable and each
 * drop-in path as a ratio to native in the same run (BENCH_ROUNDS=n interleaves n rounds
 * and takes the median).
 *
 *   node bench/ingest-compat.ts                 # 200,000 spans in 20,000 traces, batches of 500
 *   BENCH_TRACES=2000 node bench/ingest-compat.ts   # a quick smoke run
 *   PORT=8810 node bench/ingest-compat.ts           # fixed port (default: a free one)
 *
 * Results are printed and written to bench/results/ingest-compat-<time>.json.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { startLoupe, repoRoot } from '../scripts/local.ts';
import { BASE_TIME, DEFAULT_WORKLOAD, sendAll, stepBatches, waitQueryable, type BenchLoupe, type BenchResult, type Workload } from './compat-workload.ts';
import { benchOtlp } from './ingest-otlp.ts';
import { benchLangsmith } from './ingest-langsmith.ts';

/** The native baseline: the same steps as POST /v1/spans JSON batches. */
export async function benchNative(loupe: BenchLoupe, workload: Workload): Promise<BenchResult> {
  const bodies: string[] = [];
  let spans = 0;
  let lastTraceId = '';
  for (const batch of stepBatches(workload)) {
    const out = batch.map((s) => {
      const traceId = `${workload.tag}-t${s.trace}`;
      const t0 = BASE_TIME + s.trace * 10;
      lastTraceId = traceId;
      return {
        id: `${traceId}-s${s.index}`,
        trace_id: traceId,
        parent_id: s.index === 0 ? null : `${traceId}-s0`,
        name: s.name,
        kind: s.kind,
        start_time: t0 + s.start,
        end_time: t0 + s.end,
        status: 'ok',
        input: s.input,
        output: s.output,
        ...(s.model ? { model: s.model, usage: s.usage } : {}),
        ...(s.index === 0 ? { tags: [workload.tag], environment: 'bench' } : {}),
      };
    });
    spans += out.length;
    bodies.push(JSON.stringify({ spans: out }));
  }
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${loupe.apiKey}` };
  const started = performance.now();
  await sendAll(bodies.map((body) => () => fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers, body })), workload.concurrency);
  const sent = performance.now();
  await waitQueryable(loupe, workload.tag, workload.traces, spans, lastTraceId);
  return { spans, seconds: (performance.now() - started) / 1000, sendSeconds: (sent - started) / 1000 };
}

/** Starts a fresh local Loupe (its own state), so each path starts from the same empty store. */
export async function freshLoupe(port: number) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-compat-'));
  const loupe = await startLoupe({ port, persistTo: dir, demo: false, vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
  return {
    loupe,
    stop: async () => {
      await loupe.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const traces = Number(process.env.BENCH_TRACES ?? DEFAULT_WORKLOAD.traces);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const base = { ...DEFAULT_WORKLOAD, traces };
  const run = Date.now().toString(36);
  const paths: [string, (l: BenchLoupe, w: Workload) => Promise<BenchResult>][] = [
    ['native', benchNative],
    ['otlp_protobuf', benchOtlp],
    ['langsmith_multipart', benchLangsmith],
  ];
  const samples: Record<string, BenchResult[]> = {};
  // Rounds interleave the paths, so a slower stretch of a shared machine hits all of them.
  for (let round = 0; round < rounds; round++) {
    for (const [name, bench] of paths) {
      const { loupe, stop } = await freshLoupe(Number(process.env.PORT ?? 0));
      try {
        const r = await bench(loupe, { ...base, tag: `bench-${run}-${round}-${name.replace('_', '-')}` });
        (samples[name] ??= []).push(r);
        console.log(`round ${round + 1} ${name.padEnd(20)} ${r.spans} spans in ${r.seconds.toFixed(2)} s (sent in ${r.sendSeconds?.toFixed(2)} s) = ${Math.round(r.spans / r.seconds)} spans/s`);
      } finally {
        await stop();
      }
    }
  }
  const results: Record<string, { spans: number; seconds: number[]; spans_per_s: number; ratio_to_native?: number }> = {};
  for (const [name, list] of Object.entries(samples)) {
    // The median round, by spans/s.
    const rates = list.map((r) => r.spans / r.seconds).sort((a, b) => a - b);
    results[name] = { spans: list[0].spans, seconds: list.map((r) => r.seconds), spans_per_s: rates[Math.floor(rates.length / 2)] };
  }
  for (const name of ['otlp_protobuf', 'langsmith_multipart']) {
    results[name].ratio_to_native = results[name].spans_per_s / results.native.spans_per_s;
    console.log(`${name} / native = ${results[name].ratio_to_native!.toFixed(2)} (${Math.round(results[name].spans_per_s)} vs ${Math.round(results.native.spans_per_s)} spans/s)`);
  }
  await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
  const file = join(repoRoot, `bench/results/ingest-compat-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ workload: base, rounds, results }, null, 2));
  console.log(`written to ${file}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
