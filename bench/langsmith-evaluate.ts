/**
 * The LangSmith `evaluate()` path against a real local Loupe (`wrangler dev --local`): a
 * dataset of BENCH_EXAMPLES examples (default 300) created through the unmodified JS SDK,
 * then evaluate() with an instant target and one code evaluator at concurrency 8. Figures:
 * - evaluate() wall time and examples/s (the SDK's own requests: paging examples, posting
 *   each target run and evaluator run, feedback), and spans/s ingested on that path (one
 *   target span and one evaluator span per example);
 * - the time from evaluate() returning to every run being visible and scored in
 *   GET /v1/experiments/{id}/runs (indexing plus the gathering read).
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
  const loupe = await startLoupe({ port: 0, persistTo: dir, demo: false, vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
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
  } finally {
    await loupe.stop();
  }
}

await main();
