/**
 * Evaluation benchmarks against a real local Loupe (`wrangler dev`, as `npm start` runs it):
 *
 * 1. Code-check throughput through the queue: 10,000 traces (tau-bench airline
 *    conversations: root + tool spans, expected actions in metadata) are ingested and
 *    indexed, then a rule with the `expected_tool_calls` check is backfilled over them;
 *    we time the backfill from the POST until its run reports every job done.
 * 2. Judge-path overhead per call against the local fake provider (which answers at once):
 *    (a) try-it, one trace per call, sequentially: client latency minus the fake's own time;
 *    (b) the queue path: a judge rule backfilled over 1,000 traces: wall time, jobs/s and
 *        the per-job time the consumer logs (duration_ms), minus the fake's time.
 *
 * Run: `node bench/evals.ts` (BENCH_TRACES, BENCH_JUDGE_TRACES, BENCH_PORT, BENCH_FAKE_PORT
 * override the defaults). Writes bench/results/evals-<time>.json and prints a summary.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot, startLoupe, type LocalLoupe } from '../scripts/local.ts';
import { taubenchToTrace, type TauBenchItem } from '../scripts/demo/taubench.ts';
import { startFakeProvider, type FakeProvider } from '../test/node/fake-provider.ts';

const TRACES = Number(process.env.BENCH_TRACES ?? 10_000);
const JUDGE_TRACES = Number(process.env.BENCH_JUDGE_TRACES ?? 1_000);
const TRY_CALLS = 50;

const log = (line: string) => console.log(`[bench:evals] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function api(loupe: LocalLoupe, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** 10,000 traces from the 200 conversations: root (with expected actions) and tool spans. */
function benchSpans(items: TauBenchItem[], count: number, now: number): unknown[] {
  const spans: unknown[] = [];
  for (let n = 0; n < count; n++) {
    const item = items[n % items.length];
    const copy = Math.floor(n / items.length);
    const { spans: source } = taubenchToTrace(item, n % items.length, items.length, now - copy * 3_600_000);
    const traceId = `bench-${copy}-${item.task_id}-${item.trial}`;
    for (const s of source) {
      if (s.kind === 'llm') continue;
      const isRoot = s.parent_id === null;
      spans.push({
        ...s,
        id: s.id.replace(/^taubench-airline-\d+-\d+/, traceId),
        trace_id: traceId,
        parent_id: isRoot ? null : `${traceId}:root`,
        ...(isRoot ? { tags: ['bench'], metadata: { ...s.metadata, expected_actions: item.info.task.actions } } : {}),
      });
    }
  }
  return spans;
}

async function countTraces(loupe: LocalLoupe): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const page: any = await api(loupe, `/v1/traces?limit=500&q=${encodeURIComponent('tag=bench')}${cursor ? `&cursor=${cursor}` : ''}`);
    n += page.traces.length;
    cursor = page.next_cursor;
  } while (cursor);
  return n;
}

async function waitForRun(loupe: LocalLoupe, ruleId: string, runId: string, pollMs: number, timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api(loupe, `/v1/rules/${ruleId}/runs/${runId}`);
    if (run.status === 'done' || run.status === 'failed') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} not done in time: ${JSON.stringify(run.counts)}`);
    await sleep(pollMs);
  }
}

async function allResults(loupe: LocalLoupe, ruleId: string, runId: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await api(loupe, `/v1/rules/${ruleId}/runs/${runId}/results?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.results);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-evals-'));
  let loupe: LocalLoupe | undefined;
  let fake: FakeProvider | undefined;
  try {
    fake = await startFakeProvider(Number(process.env.BENCH_FAKE_PORT ?? 0));
    loupe = await startLoupe({
      port: Number(process.env.BENCH_PORT ?? 0),
      persistTo: dir,
      demo: false,
      verbose: process.env.LOUPE_VERBOSE === '1',
      vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64'), EVAL_DAILY_JUDGE_CALLS: '1000000', EVAL_DAILY_SPEND_CAP_USD: '1000' },
    });
    log(`local Loupe at ${loupe.url}, fake provider at ${fake.url}`);
    const items = JSON.parse(await readFile(`${repoRoot}demo/taubench-airline.json`, 'utf8')) as TauBenchItem[];
    const now = Date.now();
    const spans = benchSpans(items, TRACES, now);

    // Ingest and wait until every trace is indexed (not part of the measured figure).
    const ingestStart = performance.now();
    for (let i = 0; i < spans.length; i += 2000) await api(loupe, '/v1/spans', { spans: spans.slice(i, i + 2000) });
    let indexed = 0;
    while ((indexed = await countTraces(loupe)) < TRACES) await sleep(2000);
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    log(`ingested and indexed ${indexed} traces (${spans.length} spans) in ${ingestSeconds.toFixed(1)} s`);
    const from = new Date(now - 60 * 86_400_000).toISOString();

    // 1. Code-check throughput through the queue.
    const check = await api(loupe, '/v1/evaluators', { template: 'expected_tool_calls' });
    const codeRule = await api(loupe, '/v1/rules', { name: 'bench code', filter: 'tag=bench', evaluator_ids: [check.id], active: false });
    const t0 = performance.now();
    const codeRun = await api(loupe, `/v1/rules/${codeRule.id}/backfill`, { from, max_traces: TRACES });
    const codeDone = await waitForRun(loupe, codeRule.id, codeRun.id, 250, 30 * 60_000);
    const codeSeconds = (performance.now() - t0) / 1000;
    const codeRate = codeDone.counts.scored / codeSeconds;
    log(`code checks: ${codeDone.counts.scored} traces scored (${codeDone.counts.failed} failed) in ${codeSeconds.toFixed(1)} s = ${codeRate.toFixed(0)} traces/s`);

    // 2a. Judge overhead per call through try-it (sequential).
    await fetch(`${fake.url}/__scenarios/bench`, { method: 'PUT', body: JSON.stringify({ steps: [], then: { verdict: 'auto' } }) });
    const provider = await api(loupe, '/v1/providers', { name: 'fake', type: 'openai', base_url: `${fake.url}/s/bench/v1`, default_model: 'gpt-4o-mini', api_key: 'sk-bench', options: { max_concurrency: 6 } });
    const judge = await api(loupe, '/v1/evaluators', { template: 'trajectory_quality', config: { provider_id: provider.id } });
    const ids = (await api(loupe, `/v1/traces?limit=${TRY_CALLS}&q=${encodeURIComponent('tag=bench')}`)).traces.map((t: any) => t.id);
    const latencies: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      const res = await api(loupe, '/v1/evaluators/try', { evaluator_id: judge.id, trace_ids: [id] });
      latencies.push(performance.now() - t);
      if (res.results[0].score === null) throw new Error(`judge failed: ${res.results[0].error}`);
    }
    const tryServed = ((await (await fetch(`${fake.url}/__scenarios/bench/requests`)).json()) as any).requests.map((r: any) => r.served_ms ?? 0);
    const tryOverhead = mean(latencies) - mean(tryServed);
    log(`judge via try-it: ${ids.length} calls, mean ${mean(latencies).toFixed(1)} ms (p50 ${pct(latencies, 50).toFixed(1)}, p95 ${pct(latencies, 95).toFixed(1)}), fake provider ${mean(tryServed).toFixed(2)} ms → overhead ${tryOverhead.toFixed(1)} ms/call`);

    // 2b. Judge path through the queue.
    await fetch(`${fake.url}/__scenarios/bench`, { method: 'PUT', body: JSON.stringify({ steps: [], then: { verdict: 'auto' } }) });
    const judgeRule = await api(loupe, '/v1/rules', { name: 'bench judge', filter: 'tag=bench', evaluator_ids: [judge.id], active: false });
    const j0 = performance.now();
    const judgeRun = await api(loupe, `/v1/rules/${judgeRule.id}/backfill`, { from, max_traces: JUDGE_TRACES });
    const judgeDone = await waitForRun(loupe, judgeRule.id, judgeRun.id, 250, 30 * 60_000);
    const judgeSeconds = (performance.now() - j0) / 1000;
    const jobs = (await allResults(loupe, judgeRule.id, judgeRun.id)).filter((r) => r.status === 'scored');
    const jobMs = jobs.map((r) => r.duration_ms as number);
    const queueServed = ((await (await fetch(`${fake.url}/__scenarios/bench/requests`)).json()) as any).requests.map((r: any) => r.served_ms ?? 0);
    const queueOverhead = mean(jobMs) - mean(queueServed);
    log(`judge via queue: ${judgeDone.counts.scored} scored (${judgeDone.counts.failed} failed) in ${judgeSeconds.toFixed(1)} s = ${(judgeDone.counts.scored / judgeSeconds).toFixed(0)} calls/s; per job ${mean(jobMs).toFixed(1)} ms (p50 ${pct(jobMs, 50)}, p95 ${pct(jobMs, 95)}), fake ${mean(queueServed).toFixed(2)} ms → overhead ${queueOverhead.toFixed(1)} ms/call`);

    const result = {
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      ingest: { traces: TRACES, spans: spans.length, seconds: ingestSeconds },
      code_checks: { traces: TRACES, scored: codeDone.counts.scored, failed: codeDone.counts.failed, seconds: codeSeconds, traces_per_second: codeRate },
      judge_try: { calls: ids.length, mean_ms: mean(latencies), p50_ms: pct(latencies, 50), p95_ms: pct(latencies, 95), provider_ms: mean(tryServed), overhead_ms: tryOverhead },
      judge_queue: { traces: JUDGE_TRACES, scored: judgeDone.counts.scored, failed: judgeDone.counts.failed, seconds: judgeSeconds, calls_per_second: judgeDone.counts.scored / judgeSeconds, job_mean_ms: mean(jobMs), job_p50_ms: pct(jobMs, 50), job_p95_ms: pct(jobMs, 95), provider_ms: mean(queueServed), overhead_ms: queueOverhead },
    };
    await mkdir(`${repoRoot}bench/results`, { recursive: true });
    const file = `${repoRoot}bench/results/evals-${result.at.replace(/[:.]/g, '-')}.json`;
    await writeFile(file, JSON.stringify(result, null, 2));
    log(`wrote ${file}`);
  } finally {
    await loupe?.stop();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:evals failed: ${err.stack ?? err}`);
  process.exit(1);
});
