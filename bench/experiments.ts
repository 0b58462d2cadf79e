/**
 * Experiment benchmarks against a real local Loupe (`wrangler dev --local`):
 *
 * 1. Comparison latency: two experiments of BENCH_EXAMPLES examples (default 10,000; one
 *    run each, two scored keys, posted 250 runs (500 scores) per request), then
 *    GET /v1/experiments/compare timed over 20 calls: p50 and p95 (aim p95 < 300 ms).
 * 2. `loupe experiments run` overhead: BENCH_CLI_EXAMPLES examples (default 200) through
 *    the CLI as a process with `--cmd cat` at concurrency 8. Overhead per example =
 *    (wall time - Σ command time / 8) / examples: what the CLI adds beyond the command
 *    (spawn bookkeeping, the run's root span and run posts). Aim < 20 ms.
 * 3. Scoring: an experiment of BENCH_SCORED_EXAMPLES examples (default 1,000) with two code
 *    checks (exact match against the example's outputs, and a JSON-schema check). Each run's
 *    trace (two spans) is posted over the native API, then the runs naming those traces;
 *    the figure is the time from the last run posted to every run holding both scores
 *    (indexing, the quiet period before a trace counts as complete, the evals queue).
 *
 * Run: `node bench/experiments.ts`. Prints a summary table.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { startLoupe, type LocalLoupe } from '../scripts/local.ts';

const EXAMPLES = Number(process.env.BENCH_EXAMPLES ?? 10_000);
const CLI_EXAMPLES = Number(process.env.BENCH_CLI_EXAMPLES ?? 200);
const SCORED_EXAMPLES = Number(process.env.BENCH_SCORED_EXAMPLES ?? 1_000);
const log = (line: string) => console.log(`[bench:experiments] ${line}`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function must(loupe: LocalLoupe, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function experiment(loupe: LocalLoupe, name: string, pass: (i: number) => number): Promise<string> {
  const e = await must(loupe, '/v1/experiments', { name, dataset_id: 'bench' });
  for (let i = 0; i < EXAMPLES; i += 250) {
    const runs = Array.from({ length: Math.min(250, EXAMPLES - i) }, (_, j) => ({
      example_id: `ex-${i + j}`,
      output: { a: i + j },
      latency_ms: 100 + ((i + j) % 50),
      cost: 0.001,
      scores: { correct: pass(i + j), quality: ((i + j) % 10) / 10 },
    }));
    await must(loupe, `/v1/experiments/${e.id}/runs`, { runs });
  }
  return e.id;
}

/**
 * Phase 3: returns ms from the last run posted to all runs scored by both checks. Runs with
 * an odd index answer wrong, so both scores really vary.
 */
async function scoring(loupe: LocalLoupe): Promise<number> {
  const ds = await must(loupe, '/v1/datasets', { name: 'bench-scored' });
  const exampleIds: string[] = [];
  for (let i = 0; i < SCORED_EXAMPLES; i += 100) {
    const n = Math.min(100, SCORED_EXAMPLES - i);
    const res = await must(loupe, `/v1/datasets/${ds.id}/examples`, { examples: Array.from({ length: n }, (_, j) => ({ inputs: { n: i + j }, outputs: { answer: String(2 * (i + j)) } })) });
    // The answer lists examples in an order of its own; key them by input.
    for (const ex of res.examples) exampleIds[ex.inputs.n] = ex.id;
  }
  const exact = await must(loupe, '/v1/evaluators', { name: 'bench exact', key: 'exact', config: { type: 'code', check: 'exact_match', value: 'output.answer', expected_from: 'example.outputs.answer' } });
  const shape = await must(loupe, '/v1/evaluators', { name: 'bench shape', key: 'shape', config: { type: 'code', check: 'json_schema', value: 'output', schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } } } });
  const e = await must(loupe, '/v1/experiments', { name: 'bench-scored', dataset_id: ds.id, evaluators: [exact.id, shape.id] });
  const answer = (i: number) => String(i % 2 ? 2 * i + 1 : 2 * i);
  const traceSpans = (i: number) => {
    const trace = `scored-${i}`;
    return [
      { id: `${trace}-root`, trace_id: trace, name: 'agent', kind: 'agent', start_time: '2026-01-01T00:00:00.000Z', end_time: '2026-01-01T00:00:02.000Z', input: { n: i }, output: { answer: answer(i) } },
      { id: `${trace}-llm`, trace_id: trace, parent_id: `${trace}-root`, name: 'llm', kind: 'llm', start_time: '2026-01-01T00:00:00.100Z', end_time: '2026-01-01T00:00:01.900Z', input: { n: i }, output: answer(i) },
    ];
  };
  for (let i = 0; i < SCORED_EXAMPLES; i += 50) {
    const spans = Array.from({ length: Math.min(50, SCORED_EXAMPLES - i) }, (_, j) => traceSpans(i + j)).flat();
    const res = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
    if (res.status !== 202) throw new Error(`POST /v1/spans: ${res.status} ${await res.text()}`);
  }
  for (let i = 0; i < SCORED_EXAMPLES; i += 250) {
    const runs = Array.from({ length: Math.min(250, SCORED_EXAMPLES - i) }, (_, j) => ({ example_id: exampleIds[i + j], trace_id: `scored-${i + j}`, output: { answer: answer(i + j) } }));
    await must(loupe, `/v1/experiments/${e.id}/runs`, { runs });
  }
  const t0 = performance.now();
  while (performance.now() - t0 < 600_000) {
    const runs = (await must(loupe, `/v1/experiments/${e.id}/runs`)).runs as { example_id: string; scores: Record<string, number> }[];
    const scored = runs.filter((r) => r.scores.exact !== undefined && r.scores.shape !== undefined);
    if (scored.length >= SCORED_EXAMPLES) {
      const ms = performance.now() - t0;
      const wrong = scored.filter((r) => r.scores.exact === 0).length;
      if (wrong !== Math.floor(SCORED_EXAMPLES / 2)) throw new Error(`exact match scored ${wrong} runs wrong, expected ${Math.floor(SCORED_EXAMPLES / 2)}`);
      return ms;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`runs not all scored after 600 s`);
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-experiments-'));
  log('starting a local Loupe (wrangler dev --local)');
  const loupe = await startLoupe({
    port: Number(process.env.BENCH_PORT ?? 0),
    persistTo: dir,
    demo: false,
    vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    verbose: process.env.LOUPE_VERBOSE === '1',
  });
  try {
    log(`posting two experiments of ${EXAMPLES} examples`);
    const a = await experiment(loupe, 'bench-base', (i) => (i % 3 === 0 ? 0 : 1));
    const b = await experiment(loupe, 'bench-cand', (i) => (i % 4 === 0 ? 0 : 1));
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const c = await must(loupe, `/v1/experiments/compare?ids=${a},${b}`);
      times.push(performance.now() - t0);
      if (c.comparisons[0].shared !== EXAMPLES) throw new Error(`compared ${c.comparisons[0].shared} examples, expected ${EXAMPLES}`);
    }

    log(`running ${CLI_EXAMPLES} examples through loupe experiments run --cmd cat at concurrency 8`);
    const file = join(dir, 'examples.jsonl');
    await writeFile(file, Array.from({ length: CLI_EXAMPLES }, (_, i) => JSON.stringify({ id: `c-${i}`, inputs: { q: i } })).join('\n') + '\n');
    const bin = new URL('../cli/bin/loupe.js', import.meta.url).pathname;
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [bin, 'experiments', 'run', '--dataset', 'bench-cli', '--examples', file, '--name', 'bench-cli', '--cmd', 'cat', '--concurrency', '8'], {
        env: { ...process.env, LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.on('exit', resolve);
    });
    const wall = performance.now() - t0;
    if (code !== 0) throw new Error(`loupe experiments run exited ${code}`);
    const e = await must(loupe, '/v1/experiments/bench-cli');
    const runs = (await must(loupe, `/v1/experiments/${e.id}/runs`)).runs as { latency_ms: number }[];
    const commandMs = runs.reduce((s, r) => s + r.latency_ms, 0);
    const overhead = (wall - commandMs / 8) / CLI_EXAMPLES;

    log(`scoring an experiment of ${SCORED_EXAMPLES} examples with two code checks`);
    const scoredMs = await scoring(loupe);

    console.log('\n| figure | value | aim |\n|---|---|---|');
    console.log(`| compare two ${EXAMPLES}-example experiments, p50 | ${pct(times, 50).toFixed(0)} ms | |`);
    console.log(`| compare two ${EXAMPLES}-example experiments, p95 | ${pct(times, 95).toFixed(0)} ms | < 300 ms |`);
    console.log(`| loupe experiments run overhead per example (concurrency 8, ${CLI_EXAMPLES} examples, command = cat, mean ${(commandMs / runs.length).toFixed(1)} ms) | ${overhead.toFixed(1)} ms | < 20 ms |`);
    console.log(`| ${SCORED_EXAMPLES}-example experiment, two code checks: last run posted -> all scored | ${(scoredMs / 1000).toFixed(1)} s | |`);
  } finally {
    await loupe.stop();
  }
}

await main();
