/**
 * Standalone runner for the drop-in ingest benchmarks: starts a fresh local Loupe
 * (`wrangler dev`), then sends the same workload through the native API (baseline), OTLP
 * protobuf and LangSmith multipart, one after another, and reports spans/s to queryable
 * and each drop-in path as a ratio to native in the same run.
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
  await waitQueryable(loupe, workload.tag, workload.traces, spans, lastTraceId);
  return { spans, seconds: (performance.now() - started) / 1000 };
}

async function main() {
  const traces = Number(process.env.BENCH_TRACES ?? DEFAULT_WORKLOAD.traces);
  const base = { ...DEFAULT_WORKLOAD, traces };
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-compat-'));
  const loupe = await startLoupe({ port: Number(process.env.PORT ?? 0), persistTo: dir, demo: false, vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
  const run = Date.now().toString(36);
  const results: Record<string, BenchResult & { spans_per_s: number; ratio_to_native?: number }> = {};
  try {
    const paths: [string, (w: Workload) => Promise<BenchResult>][] = [
      ['native', (w) => benchNative(loupe, w)],
      ['otlp_protobuf', (w) => benchOtlp(loupe, w)],
      ['langsmith_multipart', (w) => benchLangsmith(loupe, w)],
    ];
    for (const [name, bench] of paths) {
      const r = await bench({ ...base, tag: `bench-${run}-${name.replace('_', '-')}` });
      results[name] = { ...r, spans_per_s: r.spans / r.seconds };
      console.log(`${name.padEnd(20)} ${r.spans} spans in ${r.seconds.toFixed(2)} s = ${Math.round(r.spans / r.seconds)} spans/s`);
    }
    for (const name of ['otlp_protobuf', 'langsmith_multipart']) {
      results[name].ratio_to_native = results[name].spans_per_s / results.native.spans_per_s;
      console.log(`${name} / native = ${results[name].ratio_to_native!.toFixed(2)}`);
    }
    await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
    const file = join(repoRoot, `bench/results/ingest-compat-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify({ workload: base, results }, null, 2));
    console.log(`written to ${file}`);
  } finally {
    await loupe.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
