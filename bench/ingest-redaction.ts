/**
 * Ingest with PII redaction on against off (issue 14; aim: at least 0.8x): the native
 * workload of the compat benchmark (airline-agent traces: chat messages, tool calls and
 * results, ~2 KB of text per span) through POST /v1/spans, once into a project with
 * redaction off and once with every built-in detector on in hash mode (the dearer mode: a
 * scan plus an HMAC per distinct match), each against its own fresh local Loupe. Rounds
 * interleave off and on (BENCH_ROUNDS, median).
 *
 *   node bench/ingest-redaction.ts                    # 10,000 traces (100,000 spans)
 *   BENCH_TRACES=1000 node bench/ingest-redaction.ts  # a quick smoke run
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../scripts/local.ts';
import { DEFAULT_WORKLOAD, type BenchResult } from './compat-workload.ts';
import { benchNative, freshLoupe } from './ingest-compat.ts';

async function main() {
  const traces = Number(process.env.BENCH_TRACES ?? 10_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const base = { ...DEFAULT_WORKLOAD, traces };
  const run = Date.now().toString(36);
  const samples: Record<'off' | 'on', BenchResult[]> = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const { loupe, stop } = await freshLoupe(Number(process.env.PORT ?? 0));
      try {
        if (mode === 'on') {
          const res = await fetch(`${loupe.url}/v1/redaction`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${loupe.apiKey}` },
            body: JSON.stringify({ enabled: true, mode: 'hash' }),
          });
          if (!res.ok) throw new Error(`PUT /v1/redaction: ${res.status} ${await res.text()}`);
        }
        const r = await benchNative(loupe, { ...base, tag: `bench-${run}-${round}-${mode}` });
        samples[mode].push(r);
        console.log(`round ${round + 1} redaction ${mode.padEnd(3)} ${r.spans} spans in ${r.seconds.toFixed(2)} s = ${Math.round(r.spans / r.seconds)} spans/s`);
      } finally {
        await stop();
      }
    }
  }
  const median = (list: BenchResult[]) => list.map((r) => r.spans / r.seconds).sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const off = median(samples.off);
  const on = median(samples.on);
  console.log(`\n| figure | value | aim |\n|---|---|---|`);
  console.log(`| native ingest, redaction off | ${Math.round(off)} spans/s | |`);
  console.log(`| native ingest, redaction on (every detector, hash mode) | ${Math.round(on)} spans/s | |`);
  console.log(`| on / off | ${(on / off).toFixed(2)}x | >= 0.8x |`);
  await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
  const file = join(repoRoot, `bench/results/ingest-redaction-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ workload: base, rounds, off, on, ratio: on / off, samples }, null, 2));
  console.log(`written to ${file}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
