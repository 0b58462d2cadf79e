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

    console.log('\n| figure | value | aim |\n|---|---|---|');
    console.log(`| compare two ${EXAMPLES}-example experiments, p50 | ${pct(times, 50).toFixed(0)} ms | |`);
    console.log(`| compare two ${EXAMPLES}-example experiments, p95 | ${pct(times, 95).toFixed(0)} ms | < 300 ms |`);
    console.log(`| loupe experiments run overhead per example (concurrency 8, ${CLI_EXAMPLES} examples, command = cat, mean ${(commandMs / runs.length).toFixed(1)} ms) | ${overhead.toFixed(1)} ms | < 20 ms |`);
  } finally {
    await loupe.stop();
  }
}

await main();
