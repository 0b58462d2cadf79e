/**
 * Loads the demo into a running Loupe through its public API (the same path an agent's
 * spans and a runner's experiments take): the tau-bench airline conversations as traces
 * with their outcome feedback (and their expected tool calls in the root's metadata), six of
 * them again as chat threads (a trace per user turn, scripts/demo/taubench-turns.ts), then
 * the ground truth (scripts/demo/ground-truth.ts): a dataset of the failed conversations,
 * the tau2-bench tasks as a dataset, and base vs fine-tuned GPT-4.1 as two experiments on
 * it, their runs' traces loaded too. Idempotent: span, feedback and example ids are
 * deterministic and taken names are reused, so loading twice stores everything once.
 */
import { readFile } from 'node:fs/promises';
import { taubenchToTraces, type DemoSpan, type TauBenchItem } from './taubench.ts';
import { taubenchTurnThreads } from './taubench-turns.ts';
import { tau2Time, tau2ToTrace, type Tau2File } from './tau2bench.ts';
import { TAU2_DATASET, TAU2_RUNS, TAUBENCH_FAILURES, tau2Examples, tau2Runs, taubenchFailureExamples, type DemoExample, type Tau2Domain, type Tau2Task } from './ground-truth.ts';

/** What the demo holds once loaded. */
export interface DemoLoaded {
  traces: number;
  spans: number;
  datasets: { name: string; id: string; examples: number }[];
  experiments: { name: string; id: string; runs: number }[];
}

type Call = (path: string, body?: unknown, method?: string) => Promise<{ status: number; json: any }>;

function client(baseUrl: string, apiKey: string): Call {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  return async (path, body, method) => {
    const res = await fetch(`${baseUrl}${path}`, { method: method ?? (body === undefined ? 'GET' : 'POST'), headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };
}

const must = (what: string, r: { status: number; json: any }, ok: number[] = [200, 201, 202]) => {
  if (!ok.includes(r.status)) throw new Error(`demo load: ${what} answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json;
};

/** Posts spans in batches under the ingest limits. */
async function postSpans(call: Call, spans: DemoSpan[]): Promise<void> {
  const MAX_BATCH_BYTES = 8 * 1024 * 1024;
  let batch: unknown[] = [];
  let bytes = 0;
  const flush = async () => {
    if (!batch.length) return;
    must('POST /v1/spans', await call('/v1/spans', { spans: batch }), [202]);
    batch = [];
    bytes = 0;
  };
  for (const span of spans) {
    const size = JSON.stringify(span).length;
    if (batch.length >= 500 || bytes + size > MAX_BATCH_BYTES) await flush();
    batch.push(span);
    bytes += size;
  }
  await flush();
}

/** The dataset named `name` (created if missing); its examples are written only while it has none, so a reload adds no version. */
async function ensureDataset(call: Call, name: string, description: string, examples: DemoExample[]): Promise<{ name: string; id: string; examples: number }> {
  let d = await call('/v1/datasets', { name, description });
  if (d.status === 409) d = await call(`/v1/datasets/${encodeURIComponent(name)}`);
  const dataset = must(`dataset ${name}`, d);
  if (dataset.latest_version === 0) must(`examples of ${name}`, await call(`/v1/datasets/${dataset.id}/examples`, { examples, message: 'demo ground truth' }), [201]);
  return { name, id: dataset.id, examples: examples.length };
}

async function readJson<T>(url: URL): Promise<T> {
  return JSON.parse(await readFile(url, 'utf8')) as T;
}

const DAY = 86_400_000;

/**
 * Loads the tau2 runs as traces and experiments on the tau2 dataset (base first, pinned as
 * the baseline). The runs' own times are one afternoon in 2025; for the dashboard each run's
 * simulations are moved, each whole (its own durations kept), to a week of their own: the base
 * agent 20 to 13 days before `now`, the fine-tuned one 13 to 6 days before, as if it had
 * been deployed then. The newest days stay tau-bench's, as the traces list's first page.
 */
async function loadTau2(call: Call, now: number, log?: (line: string) => void): Promise<{ dataset: DemoLoaded['datasets'][number]; experiments: DemoLoaded['experiments']; spans: number; traces: number }> {
  const dir = new URL('../../demo/tau2bench/', import.meta.url);
  const domains = Object.keys(TAU2_RUNS[0].files) as Tau2Domain[];
  const files = await Promise.all(TAU2_RUNS.map(async (run) => Object.fromEntries(await Promise.all(domains.map(async (d) => [d, await readJson<Tau2File & { tasks: Tau2Task[] }>(new URL(run.files[d], dir))]))) as Record<Tau2Domain, Tau2File & { tasks: Tau2Task[] }>));
  // The tasks are the same in both runs' files; the base run's list them.
  const dataset = await ensureDataset(call, TAU2_DATASET, 'tau2-bench airline and retail tasks with their expected actions (sierra-research/tau2-bench, MIT)', domains.flatMap((d) => tau2Examples(d, files[0][d].tasks)));
  const experiments: DemoLoaded['experiments'] = [];
  let spans = 0;
  let traces = 0;
  for (const [i, run] of TAU2_RUNS.entries()) {
    const runs = [];
    const count = domains.reduce((n, d) => n + files[i][d].simulations.length, 0);
    const weekStart = now - (20 - 7 * i) * DAY;
    let at = 0;
    for (const d of domains) {
      const file = files[i][d];
      // The runs' traces (no outcome feedback: their score is the experiment's `reward`, so the demo's outcome counts stay tau-bench's).
      const trees = file.simulations.map((sim) => tau2ToTrace(sim, d, run.agent, file.info.agent_info.llm, weekStart + Math.round(((at++ + 0.5) / count) * 7 * DAY) - tau2Time(sim.start_time)).spans);
      await postSpans(call, trees.flat());
      spans += trees.reduce((n, t) => n + t.length, 0);
      traces += trees.length;
      runs.push(...tau2Runs(d, run.agent, file));
    }
    const model = files[i].airline.info.agent_info.llm;
    let e = await call('/v1/experiments', { name: run.experiment, dataset_id: dataset.id, description: `tau2-bench with ${model} as the agent (its published results)`, candidate: { name: 'tau2-agent', version: run.agent, metadata: { model } } });
    if (e.status === 409) e = await call(`/v1/experiments/${encodeURIComponent(run.experiment)}`);
    const experiment = must(`experiment ${run.experiment}`, e);
    must(`runs of ${run.experiment}`, await call(`/v1/experiments/${experiment.id}/runs`, { runs }));
    must(`end of ${run.experiment}`, await call(`/v1/experiments/${experiment.id}/end`, {}));
    if (i === 0) must(`baseline ${run.experiment}`, await call(`/v1/experiments/${experiment.id}/baseline`, {}));
    experiments.push({ name: run.experiment, id: experiment.id, runs: runs.length });
  }
  log?.(`Demo: dataset ${TAU2_DATASET} (${dataset.examples} tasks) with experiments ${experiments.map((e) => `${e.name} (${e.runs} runs)`).join(' and ')}`);
  return { dataset, experiments, spans, traces };
}

/** Loads the whole demo; `file` swaps the tau-bench conversations (tests). */
export async function loadDemo(baseUrl: string, apiKey: string, opts: { file?: string; now?: number; log?: (line: string) => void } = {}): Promise<DemoLoaded> {
  const call = client(baseUrl, apiKey);
  const file = opts.file ?? new URL('../../demo/taubench-airline.json', import.meta.url);
  const items = JSON.parse(await readFile(file, 'utf8')) as TauBenchItem[];
  const now = opts.now ?? Date.now();
  const { spans, feedback } = taubenchToTraces(items, now);
  await postSpans(call, spans);
  // Feedback posts are small; a few at a time keeps the local server responsive.
  for (let i = 0; i < feedback.length; i += 10) {
    await Promise.all(feedback.slice(i, i + 10).map(async (f) => must('POST /v1/feedback', await call('/v1/feedback', f))));
  }
  opts.log?.(`Demo: loaded ${items.length} tau-bench airline conversations (${spans.length} spans) with their outcome feedback`);
  const failures = taubenchFailureExamples(items);
  const failed = await ensureDataset(call, TAUBENCH_FAILURES, 'The failed tau-bench airline conversations, each with its task’s expected tool calls', failures);
  opts.log?.(`Demo: dataset ${TAUBENCH_FAILURES} (${failed.examples} failed conversations with their expected tool calls)`);
  const chats = taubenchTurnThreads(items, now);
  await postSpans(call, chats.spans);
  for (const f of chats.feedback) must('POST /v1/feedback', await call('/v1/feedback', f));
  const turns = new Set(chats.spans.map((s) => s.trace_id)).size;
  opts.log?.(`Demo: ${chats.threads} of them again as chat threads, a trace per turn (${turns} turns, /threads)`);
  const tau2 = await loadTau2(call, now, opts.log);
  return { traces: items.length + turns + tau2.traces, spans: spans.length + chats.spans.length + tau2.spans, datasets: [failed, tau2.dataset], experiments: tau2.experiments };
}
