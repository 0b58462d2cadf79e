/**
 * Time and memory of an offline Insights report over synthetic 10,000- and 100,000-trace
 * inputs, step by step as a Workflow would run them (workers/insights/engine/steps.ts).
 * Traces are remixed from the real tau-bench and tau2-bench conversations (a request made
 * of sentences from two conversations of a domain, a tool call sometimes dropped or
 * failed, the outcome sometimes flipped; seeded, so every run is the same), built as the
 * trace trees the API returns, and summarised chunk by chunk as the job would.
 * fit, assign, finalize and members each run in a worker thread limited to a 128 MB heap
 * (a Worker invocation's memory), taking their state as cloned JSON.
 *
 *   npx node bench/insights-scale.ts      (10,000 and 100,000 traces; INSIGHTS_TRACES=5000,20000 for others,
 *                                          INSIGHTS_HEAP_MB=64 to find the least heap the steps need)
 */
import { existsSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { taubenchTrees, treeFromSpans } from '../scripts/demo/taubench-tree.ts';
import type { TauBenchItem } from '../scripts/demo/taubench.ts';
import { tau2ToTrace, type Tau2File } from '../scripts/demo/tau2bench.ts';
import { mergeTallies, planReport, sampleMembership, summarizeTrace, type InsightsReport, type ReportModel, type Tally, type TraceMembership, type TraceSummary } from '../workers/insights/engine/index.ts';
import { seededRandom } from '../workers/insights/engine/hash.ts';
import type { TraceTree } from '../schema/wire/trace.ts';
import type { SpanOut } from '../schema/wire/span.ts';

const DATA = [process.env.DATA, new URL('../../shared/data', import.meta.url).pathname, '/work/shared/data'].find((d) => d && existsSync(`${d}/taubench/gpt-4o-airline.json`));
if (!DATA) {
  console.error('no tau-bench data found (looked beside the repository and in /work/shared/data): set DATA');
  process.exit(2);
}
// INSIGHTS_TRACES lists sizes; `npm run bench -- insights` sets INSIGHTS_MAX_TRACES (divided by --scale) instead.
const MAX = Number(process.env.INSIGHTS_MAX_TRACES ?? 100_000);
const SIZES = process.env.INSIGHTS_TRACES ? process.env.INSIGHTS_TRACES.split(',').map(Number) : [...new Set([Math.min(10_000, MAX), MAX])];
/** The step threads' heap limit: 128 MB as a Worker; set lower to find the least a step needs. */
const HEAP_MB = Number(process.env.INSIGHTS_HEAP_MB ?? 128);

function bases(): { tree: TraceTree; domain: string }[] {
  const items = JSON.parse(readFileSync(`${DATA}/taubench/gpt-4o-airline.json`, 'utf8')) as TauBenchItem[];
  const out = taubenchTrees(items).map((tree) => ({ tree, domain: 'airline' }));
  for (const file of ['gpt-4.1_airline_default_gpt-4.1_1trials.json', 'gpt-4.1_retail_defautl_gpt-4.1_1trials.json']) {
    const data = JSON.parse(readFileSync(`${DATA}/tau2bench/${file}`, 'utf8')) as Tau2File;
    const domain = file.includes('retail') ? 'retail' : 'airline';
    for (const sim of data.simulations) {
      const { spans, feedback } = tau2ToTrace(sim, domain, 'gpt-4.1', data.info.agent_info.llm);
      out.push({ tree: treeFromSpans(spans, feedback), domain });
    }
  }
  return out;
}

const BASES = bases();
const FIRST_USER = BASES.map(({ tree }) => {
  const root = tree.spans[0];
  const messages = (root.input as { messages?: { role: string; content: string | null }[] } | undefined)?.messages ?? [];
  return (messages.find((m) => m.role === 'user')?.content ?? '').split(/(?<=[.!?])\s+/).filter(Boolean);
});

/** Synthetic trace `i`: a remix of a real conversation (payload objects are shared, not copied). */
function synthetic(i: number): { tree: TraceTree; failed: boolean } {
  const random = seededRandom(i + 1);
  const a = Math.floor(random() * BASES.length);
  const sameDomain = BASES.map((_, j) => j).filter((j) => BASES[j].domain === BASES[a].domain);
  const b = sameDomain[Math.floor(random() * sameDomain.length)];
  const request = [...FIRST_USER[a].slice(0, 2), ...FIRST_USER[b].slice(1, 2)].join(' ');
  const base = BASES[a].tree;
  const id = `synthetic-${i}`;
  const drop = random() < 0.2 ? Math.floor(random() * base.spans.length) : -1;
  const fail = random() < 0.05 ? Math.floor(random() * base.spans.length) : -1;
  const spans: SpanOut[] = [];
  base.spans.forEach((s, j) => {
    if (j === drop && s.kind === 'tool') return;
    const span = { ...s, id: `${id}:${j}`, trace_id: id, parent_id: s.parent_id ? `${id}:0` : null };
    if (j === 0) span.input = { messages: [{ role: 'user', content: request }] };
    if (j === fail && s.kind === 'tool') Object.assign(span, { status: 'error', error: 'Error: synthetic failure' });
    spans.push(span);
  });
  const outcome = base.feedback.find((f) => f.key === 'outcome')?.score === 0;
  const failed = random() < 0.1 ? !outcome : outcome;
  return { tree: { trace: { ...base.trace, id, root_span_id: `${id}:0`, span_count: spans.length }, spans, feedback: base.feedback.map((f) => ({ ...f, trace_id: id })) }, failed };
}

/** One worker thread with a 128 MB heap; runs steps one message at a time. */
function stepWorker() {
  const worker = new Worker(new URL('./lib/insights-step-worker.ts', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } });
  return {
    run<T>(step: string, input: unknown[]): Promise<{ ms: number; cpuMs: number; heapMB: number; externalMB: number; output: T; outputBytes: number }> {
      return new Promise((resolve, reject) => {
        const fail = (e: Error) => reject(e);
        worker.once('error', fail);
        worker.once('message', (m) => {
          worker.off('error', fail);
          resolve(m);
        });
        worker.postMessage({ step, input });
      });
    },
    stop: () => worker.terminate(),
  };
}

interface Row {
  step: string;
  invocations: number;
  msMean: number;
  msMax: number;
  cpuMean: number;
  cpuMax: number;
  heapMB: number;
  stateKB: number;
}

const rows = (size: number, r: Row[]) => {
  console.log(`\n### ${size.toLocaleString('en-US')} traces\n`);
  console.log('| step | invocations | CPU ms per invocation (mean / max) | wall ms (mean / max) | heap (MB, max) | output (KB of JSON, max) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const x of r) console.log(`| ${x.step} | ${x.invocations} | ${x.cpuMean.toFixed(0)} / ${x.cpuMax.toFixed(0)} | ${x.msMean.toFixed(0)} / ${x.msMax.toFixed(0)} | ${x.heapMB ? x.heapMB.toFixed(0) : '–'} | ${x.stateKB.toFixed(0)} |`);
};

function collect(step: string, runs: { ms: number; cpuMs: number; heapMB: number; outputBytes: number }[]): Row {
  return {
    step,
    invocations: runs.length,
    msMean: runs.reduce((s, r) => s + r.ms, 0) / runs.length,
    msMax: Math.max(...runs.map((r) => r.ms)),
    cpuMean: runs.reduce((s, r) => s + r.cpuMs, 0) / runs.length,
    cpuMax: Math.max(...runs.map((r) => r.cpuMs)),
    heapMB: Math.max(...runs.map((r) => r.heapMB)),
    stateKB: Math.max(...runs.map((r) => r.outputBytes)) / 1024,
  };
}

async function measure(size: number): Promise<void> {
  const started = performance.now();
  // Summarise: the job reads each trace tree, summarises it and keeps only the summary.
  const summaries: TraceSummary[] = [];
  const summariseRuns: { ms: number; cpuMs: number; heapMB: number; outputBytes: number }[] = [];
  const CHUNK = 2000;
  for (let i = 0; i < size; i += CHUNK) {
    const trees = Array.from({ length: Math.min(CHUNK, size - i) }, (_, k) => synthetic(i + k));
    const t0 = performance.now();
    const cpu = process.cpuUsage();
    const chunk = trees.map(({ tree, failed }) => summarizeTrace(tree, { failed }));
    const used = process.cpuUsage(cpu);
    summariseRuns.push({ ms: performance.now() - t0, cpuMs: (used.user + used.system) / 1000, heapMB: 0, outputBytes: JSON.stringify(chunk).length });
    summaries.push(...chunk);
  }
  const plan = planReport({ totalTraces: size, failingTraces: summaries.filter((s) => s.failed).length }, { chunkSize: CHUNK });
  const inSample = summaries.map((s) => sampleMembership(plan, s.id, s.failed));
  const worker = stepWorker();
  try {
    const fit = await worker.run<ReportModel>('fit', [plan, summaries.filter((_, i) => inSample[i].intent), summaries.filter((_, i) => inSample[i].failure)]);
    const assignRuns = [];
    let tally: Tally | null = null;
    const members: TraceMembership[] = [];
    for (let i = 0; i < size; i += CHUNK) {
      const r = await worker.run<{ members: TraceMembership[]; tally: Tally }>('assign', [null, summaries.slice(i, i + CHUNK)]);
      assignRuns.push(r);
      tally = tally ? mergeTallies(tally, r.output.tally) : r.output.tally;
      members.push(...r.output.members);
    }
    const finalize = await worker.run<InsightsReport>('finalize', [null, tally]);
    const memberRuns = [];
    for (let i = 0; i < size; i += CHUNK) memberRuns.push(await worker.run<Record<string, string[]>>('members', [null, finalize.output, summaries.slice(i, i + CHUNK), members.slice(i, i + CHUNK)]));
    const total = performance.now() - started;
    const table = [
      collect('summarise (2,000 trace trees)', summariseRuns),
      { ...collect(`fit (sample ${fit.output.sample.traces.toLocaleString('en-US')} + ${fit.output.sample.failing.toLocaleString('en-US')} failing)`, [fit]) },
      collect('assign (2,000 summaries)', assignRuns),
      collect('finalize', [finalize]),
      collect('members (2,000 summaries)', memberRuns),
    ];
    rows(size, table);
    const stepsCpu = table.reduce((s, r) => s + r.cpuMean * r.invocations, 0);
    const stepsMs = table.reduce((s, r) => s + r.msMean * r.invocations, 0);
    console.log(`\nAll steps: ${(stepsCpu / 1000).toFixed(1)} s CPU, ${(stepsMs / 1000).toFixed(1)} s wall (${(total / 1000).toFixed(1)} s wall with building the synthetic trees and cloning state into the worker). Model JSON: ${(fit.outputBytes / 2 ** 20).toFixed(1)} MB; tally after merging: ${(JSON.stringify(tally).length / 1024).toFixed(0)} KB.`);
    console.log(`Report: ${finalize.output.intents.length} categories, ${finalize.output.intents.reduce((s, c) => s + (c.children?.length ?? 1), 0)} leaf clusters, ${finalize.output.patternsTested} patterns tested, ${finalize.output.patternsSignificant} significant.`);
  } finally {
    await worker.stop();
  }
}

console.log(`# Insights engine: time and memory per step (offline path; step threads limited to a ${HEAP_MB} MB heap)`);
for (const size of SIZES) await measure(size);
