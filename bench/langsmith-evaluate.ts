/**
 * The LangSmith `evaluate()` path against a real local Loupe (`wrangler dev --local`): a
 * dataset of BENCH_EXAMPLES examples (default 300) created through the unmodified JS SDK,
 * then evaluate() with an instant target and one code evaluator at concurrency 8. Figures:
 * - evaluate() wall time and examples/s (the SDK's own requests: paging examples, posting
 *   each target run and evaluator run, feedback), and spans/s ingested on that path (one
 *   target span and one evaluator span per example);
 * - the time from evaluate() returning to every run being visible and scored in
 *   GET /v1/experiments/{id}/runs (indexing plus the gathering read);
 * - native ingest on the same Loupe for comparison: the same number of two-span traces
 *   posted to POST /v1/spans by 8 concurrent clients, one trace per request and 50 per
 *   request (the SDK batches its runs), timed to acknowledgement as the SDK's requests are.
 *
 * Run: `npx node bench/langsmith-evaluate.ts`. Prints a summary.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'langsmith';
import { evaluate } from 'langsmith/evaluation';
import { startLoupe } from '../scripts/local.ts';

const EXAMPLES = Number(process.env.BENCH_EXAMPLES ?? 300);
const log = (line: string) => console.log(`[bench:langsmith-evaluate] ${line}`);

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-lsm-'));
  log('starting a local Loupe (wrangler dev --local)');
  const loupe = await startLoupe({ port: Number(process.env.BENCH_PORT ?? 0), persistTo: dir, demo: false, vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
  try {
    process.env.LANGSMITH_TRACING = 'true';
    const client = new Client({ apiUrl: `${loupe.url}/api/v1`, apiKey: loupe.apiKey, webUrl: loupe.url });
    const dataset = await client.createDataset(`bench-${Date.now()}`);
    let t = performance.now();
    for (let i = 0; i < EXAMPLES; i += 100) {
      await client.createExamples(Array.from({ length: Math.min(100, EXAMPLES - i) }, (_, j) => ({ inputs: { n: i + j }, outputs: { double: 2 * (i + j) }, dataset_id: dataset.id })));
    }
    const createMs = performance.now() - t;
    log(`created ${EXAMPLES} examples in ${(createMs / 1000).toFixed(1)} s`);

    const quiet = console.log;
    console.log = () => {};
    t = performance.now();
    const results = await evaluate(async (inputs: Record<string, any>) => ({ double: inputs.n * 2 }), {
      data: dataset.name,
      evaluators: [({ outputs, referenceOutputs }: any) => ({ key: 'correct', score: outputs?.double === referenceOutputs?.double ? 1 : 0 })],
      client,
      maxConcurrency: 8,
    });
    await client.awaitPendingTraceBatches();
    const evalMs = performance.now() - t;
    console.log = quiet;

    const auth = { headers: { authorization: `Bearer ${loupe.apiKey}` } };
    const [session] = await (await fetch(`${loupe.url}/api/v1/sessions?name=${encodeURIComponent(results.experimentName)}`, auth)).json();
    t = performance.now();
    let runs: any[] = [];
    while (performance.now() - t < 300_000) {
      runs = (await (await fetch(`${loupe.url}/v1/experiments/${session.id}/runs`, auth)).json()).runs;
      if (runs.length >= EXAMPLES && runs.every((r) => r.scores.correct !== undefined)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const visibleMs = performance.now() - t;
    const scored = runs.filter((r) => r.scores.correct === 1).length;
    log(`evaluate(): ${EXAMPLES} examples in ${(evalMs / 1000).toFixed(1)} s = ${((EXAMPLES / evalMs) * 1000).toFixed(1)} examples/s, ${(((2 * EXAMPLES) / evalMs) * 1000).toFixed(1)} spans/s`);
    log(`all ${runs.length} runs visible and scored (${scored} correct) ${(visibleMs / 1000).toFixed(1)} s after evaluate() returned`);

    // Native ingest of the same traces, twice: one trace per request (the most requests), and
    // 50 traces per request (about what the SDK's batching sends in one multipart post).
    const nativeRun = async (tag: string, tracesPerRequest: number) => {
      let next = 0;
      const traceSpans = (i: number) => {
        const trace = `native-${tag}-${i}`;
        const at = new Date().toISOString();
        return [
          { id: `${trace}-target`, trace_id: trace, name: 'target', kind: 'chain', start_time: at, end_time: at, input: { n: i }, output: { double: 2 * i } },
          { id: `${trace}-eval`, trace_id: trace, parent_id: `${trace}-target`, name: 'correct', kind: 'chain', start_time: at, end_time: at, input: { double: 2 * i }, output: { key: 'correct', score: 1 } },
        ];
      };
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next, n = (next += tracesPerRequest); i < EXAMPLES; i = next, n = next += tracesPerRequest) {
            const spans = Array.from({ length: Math.min(n, EXAMPLES) - i }, (_, j) => traceSpans(i + j)).flat();
            const res = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { ...auth.headers, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
            if (res.status !== 202) throw new Error(`POST /v1/spans: ${res.status} ${await res.text()}`);
          }
        }),
      );
      return ((2 * EXAMPLES) / (performance.now() - t0)) * 1000;
    };
    const nativeOne = await nativeRun('one', 1);
    const nativeBatched = await nativeRun('batched', 50);
    const evalRate = ((2 * EXAMPLES) / evalMs) * 1000;
    console.log('\n| figure | value |\n|---|---|');
    console.log(`| evaluate(), ${EXAMPLES} examples, concurrency 8 | ${(evalMs / 1000).toFixed(1)} s, ${((EXAMPLES / evalMs) * 1000).toFixed(1)} examples/s |`);
    console.log(`| evaluate() spans/s (target + evaluator span per example) | ${evalRate.toFixed(0)} |`);
    console.log(`| native POST /v1/spans, same traces, 8 clients, one trace per request | ${nativeOne.toFixed(0)} spans/s |`);
    console.log(`| native POST /v1/spans, same traces, 8 clients, 50 traces per request | ${nativeBatched.toFixed(0)} spans/s |`);
    console.log(`| evaluate() / native one trace per request | ${(evalRate / nativeOne).toFixed(2)}x |`);
    console.log(`| evaluate() / native 50 traces per request | ${(evalRate / nativeBatched).toFixed(2)}x |`);
    console.log(`| evaluate() returned -> all runs visible and scored | ${(visibleMs / 1000).toFixed(1)} s |`);
  } finally {
    await loupe.stop();
  }
}

await main();
