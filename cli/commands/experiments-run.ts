/**
 * `loupe experiments run`: runs a candidate once per example (times repetitions) and
 * records each run as an experiment run with its trace. The candidate is a command (inputs
 * as JSON on stdin, output JSON on stdout) or an HTTP endpoint (POST inputs, JSON answer).
 * Each run gets LOUPE_EXAMPLE_ID, LOUPE_EXPERIMENT_ID, TRACEPARENT and the OpenTelemetry
 * and LangSmith variables, so an instrumented agent's spans join the run's trace. A run
 * that exits non-zero, hangs past --timeout or prints no JSON is recorded as errored.
 * Runs are posted as they finish (batched every half second), so an interrupted run resumes (same --name) without
 * redoing the examples already recorded.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { ExperimentOut, ExperimentRunOut } from '../../schema/wire/experiments.ts';
import { compareLink } from '../../schema/render/experiments.ts';
import { request } from '../client.ts';
import { resolveConnection, type Connection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

export interface RunFlags {
  dataset?: string;
  examples?: string;
  name?: string;
  cmd?: string;
  endpoint?: string;
  repetitions?: string;
  concurrency?: string;
  timeout?: string;
  commit?: string;
  check?: string;
}

interface Example {
  id: string;
  inputs: unknown;
  outputs?: unknown;
}

/** The outcome of one run of the candidate. */
interface Outcome {
  output?: unknown;
  error: string | null;
  latencyMs: number;
}

/** Same derivation as the server's runTraceId: a resumed run keeps its trace. */
function runTraceId(experimentId: string, exampleId: string, repetition: number): string {
  return createHash('sha256').update(`${experimentId}\u0000${exampleId}\u0000${repetition}`).digest('hex').slice(0, 32);
}

/** JSON with sorted keys, so `--check exact_match` ignores key order. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

/** The JSON a command printed: the whole stdout, else its last non-empty line (logs may come first). */
export function parseCommandOutput(stdout: string): { ok: true; value: unknown } | { ok: false } {
  const text = stdout.trim();
  if (!text) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const last = text.split('\n').filter((l) => l.trim()).pop()!;
    try {
      return { ok: true, value: JSON.parse(last) };
    } catch {
      return { ok: false };
    }
  }
}

/** Runs the command on one example. The process group is killed on timeout, so a hung child's children die too. */
function runCommand(cmd: string, input: unknown, env: Record<string, string>, timeoutMs: number): Promise<Outcome> {
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', cmd], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(input));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ error: `could not start: ${err.message}`, latencyMs: performance.now() - start });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const latencyMs = performance.now() - start;
      if (timedOut) return resolve({ error: `timed out after ${timeoutMs / 1000} s`, latencyMs });
      if (code !== 0) return resolve({ error: `exit ${code === null ? `signal ${signal}` : `code ${code}`}${stderr.trim() ? `: ${stderr.trim().slice(-1000)}` : ''}`, latencyMs });
      const parsed = parseCommandOutput(stdout);
      if (!parsed.ok) return resolve({ error: `printed no JSON on stdout${stdout.trim() ? `: ${stdout.trim().slice(0, 200)}` : ''}`, latencyMs });
      resolve({ output: parsed.value, error: null, latencyMs });
    });
  });
}

/** Calls the endpoint on one example. */
async function runEndpoint(url: string, input: unknown, headers: Record<string, string>, timeoutMs: number): Promise<Outcome> {
  const start = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(input), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const latencyMs = performance.now() - start;
    if (!res.ok) return { error: `HTTP ${res.status}: ${text.slice(0, 500)}`, latencyMs };
    const parsed = parseCommandOutput(text);
    return parsed.ok ? { output: parsed.value, error: null, latencyMs } : { error: `answered no JSON: ${text.slice(0, 200)}`, latencyMs };
  } catch (err) {
    const latencyMs = performance.now() - start;
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return { error: `timed out after ${timeoutMs / 1000} s`, latencyMs };
    return { error: `request failed: ${err instanceof Error ? err.message : String(err)}`, latencyMs };
  }
}

function positive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a number > 0, got '${value}'`, EXIT.usage);
  return n;
}

/** Examples from a JSON Lines file: one `{id, inputs, outputs?}` per line. */
async function readExamples(path: string): Promise<Example[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`--examples: cannot read ${path}: ${(err as Error).message}`, EXIT.usage);
  }
  const out: Example[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      throw new CliError(`--examples: line ${i + 1} is not JSON`, EXIT.usage);
    }
    const o = e as Example;
    if (!o || typeof o.id !== 'string' || !o.id) throw new CliError(`--examples: line ${i + 1} needs a string "id"`, EXIT.usage);
    out.push({ id: o.id, inputs: o.inputs ?? {}, outputs: o.outputs });
  }
  if (!out.length) throw new CliError(`--examples: ${path} holds no examples`, EXIT.usage);
  return out;
}

const ExamplePage = z.object({ version: z.number(), examples: z.array(z.object({ id: z.string(), inputs: z.unknown(), outputs: z.unknown().optional() })), next: z.string().nullable() });

/** Every example of a Loupe dataset at a version or tag (default: latest), paged by 1,000. */
async function datasetExamples(conn: Connection, dataset: string, version: number | undefined, tag: string | undefined): Promise<{ examples: Example[]; version: number }> {
  const examples: Example[] = [];
  let cursor: string | null = null;
  let resolved = version;
  do {
    const page: z.infer<typeof ExamplePage> = await request(conn, `/v1/datasets/${encodeURIComponent(dataset)}/examples`, { query: { version: resolved, tag: resolved === undefined ? tag : undefined, cursor: cursor ?? undefined, limit: 1000 }, schema: ExamplePage });
    // Pin the version the first page resolved, so later pages read the same one.
    resolved = page.version;
    for (const e of page.examples) examples.push({ id: e.id, inputs: e.inputs ?? {}, outputs: e.outputs });
    cursor = page.next;
  } while (cursor);
  if (!examples.length) throw new CliError(`dataset ${dataset} has no examples at version ${resolved}`, EXIT.usage);
  return { examples, version: resolved! };
}

/** The experiment named `name`, created if new; resuming one of another dataset is refused. */
async function openExperiment(conn: Connection, body: { name: string; dataset_id: string; dataset_version?: number; repetitions: number; candidate: Record<string, unknown> }): Promise<ExperimentOut> {
  try {
    const existing = await request(conn, `/v1/experiments/${encodeURIComponent(body.name)}`, { schema: ExperimentOut });
    if (existing.dataset_id !== body.dataset_id) throw new CliError(`experiment ${body.name} ran on dataset ${existing.dataset_id}, not ${body.dataset_id}: pick another --name`, EXIT.usage);
    return existing;
  } catch (err) {
    if (!(err instanceof CliError) || err.exitCode !== EXIT.notFoundOrAuth || /refused|not allowed/.test(err.message)) throw err;
  }
  return request(conn, '/v1/experiments', { body, schema: ExperimentOut });
}

/**
 * Posts finished runs (and their root spans) in batches: every FLUSH_MS or FLUSH_RUNS
 * runs, whichever comes first, spans and runs in parallel. One request per run would cost
 * more than a fast command takes; a kill loses at most the last FLUSH_MS of runs, which a
 * resume then redoes.
 */
class Recorder {
  static readonly FLUSH_MS = 500;
  // 100 runs x up to 9 scores stays under the API's 900 scores per request.
  static readonly FLUSH_RUNS = 100;
  private spans: unknown[] = [];
  private runs: unknown[] = [];
  private timer: ReturnType<typeof setInterval>;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  private conn: Connection;
  private experimentId: string;

  constructor(conn: Connection, experimentId: string) {
    // Plain fields, not parameter properties: the CLI runs under Node's type stripping.
    this.conn = conn;
    this.experimentId = experimentId;
    this.timer = setInterval(() => this.flush(), Recorder.FLUSH_MS);
  }

  add(span: unknown, run: unknown): void {
    if (this.failure) throw this.failure;
    this.spans.push(span);
    this.runs.push(run);
    if (this.runs.length >= Recorder.FLUSH_RUNS) this.flush();
  }

  private flush(): void {
    if (!this.runs.length) return;
    const spans = this.spans.splice(0);
    const runs = this.runs.splice(0);
    // Flushes are chained, so runs land in order and never two batches of the same run at once.
    this.pending = this.pending.then(async () => {
      try {
        await Promise.all([
          fetch(`${this.conn.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${this.conn.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) }),
          request(this.conn, `/v1/experiments/${this.experimentId}/runs`, { body: { runs }, schema: z.object({ recorded: z.number() }) }),
        ]);
      } catch (err) {
        this.failure ??= err;
      }
    });
  }

  /** Posts what is left and reports the first failed post. */
  async close(): Promise<void> {
    this.flush();
    await this.pending;
    if (this.failure) throw this.failure;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** `loupe experiments run`. */
export async function runExperiment(flags: RunFlags, g: GlobalFlags): Promise<void> {
  if (!flags.dataset) throw new CliError('--dataset <name>[@<version>] is required', EXIT.usage);
  if (!flags.name) throw new CliError('--name <experiment> is required (the same name resumes an interrupted run)', EXIT.usage);
  if (!flags.cmd === !flags.endpoint) throw new CliError('give one of --cmd "<command>" or --endpoint <url>', EXIT.usage);
  const m = /^([^@:]+)(?:@(\d+)|:(.+))?$/.exec(flags.dataset);
  if (!m) throw new CliError(`--dataset '${flags.dataset}' should be <name>, <name>@<version> or <name>:<tag>`, EXIT.usage);
  if (m[3] !== undefined && flags.examples) throw new CliError('--dataset <name>:<tag> reads the examples from the Loupe dataset: drop --examples, or give <name>@<version>', EXIT.usage);
  if (flags.check !== undefined && flags.check !== 'exact_match') throw new CliError(`--check supports exact_match, got '${flags.check}'`, EXIT.usage);
  const repetitions = Math.floor(positive(flags.repetitions, '--repetitions', 1));
  const concurrency = Math.floor(positive(flags.concurrency, '--concurrency', 4));
  const timeoutMs = positive(flags.timeout, '--timeout', 60) * 1000;
  const conn = await resolveConnection(g);
  let examples: Example[];
  let version = m[2] ? Number(m[2]) : undefined;
  if (flags.examples) examples = await readExamples(flags.examples);
  else ({ examples, version } = await datasetExamples(conn, m[1], version, m[3]));
  const experiment = await openExperiment(conn, {
    name: flags.name,
    dataset_id: m[1],
    ...(version !== undefined ? { dataset_version: version } : {}),
    repetitions,
    candidate: { ...(flags.commit ? { commit: flags.commit } : {}), ...(flags.cmd ? { metadata: { cmd: flags.cmd } } : { metadata: { endpoint: flags.endpoint } }) },
  });
  // Resume: runs already recorded without an error are finished; errored ones are tried again.
  const done = new Set(
    (await request(conn, `/v1/experiments/${experiment.id}/runs`, { schema: z.object({ runs: z.array(ExperimentRunOut) }) })).runs.filter((r) => r.error === null).map((r) => `${r.example_id}\u0000${r.repetition}`),
  );
  const todo = examples.flatMap((e) => Array.from({ length: Math.min(repetitions, experiment.repetitions) }, (_, rep) => ({ e, rep }))).filter(({ e, rep }) => !done.has(`${e.id}\u0000${rep}`));
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'running {bar} {value}/{total} runs | errors {errors} | {duration_formatted}', hideCursor: true, stream: process.stderr }) : null;
  bar?.start(todo.length, 0, { errors: 0 });
  let errors = 0;
  let next = 0;
  const recorder = new Recorder(conn, experiment.id);
  const one = async ({ e, rep }: { e: Example; rep: number }) => {
    const traceId = runTraceId(experiment.id, e.id, rep);
    const spanId = traceId.slice(0, 16);
    const env = {
      LOUPE_EXAMPLE_ID: e.id,
      LOUPE_EXPERIMENT_ID: experiment.id,
      LOUPE_REPETITION: String(rep),
      LOUPE_TRACE_ID: traceId,
      TRACEPARENT: `00-${traceId}-${spanId}-01`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `${conn.url}/otel`,
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${conn.apiKey}`,
      LANGSMITH_ENDPOINT: conn.url,
      LANGSMITH_API_KEY: conn.apiKey,
      LANGSMITH_TRACING: 'true',
    };
    const started = new Date();
    const outcome = flags.cmd ? await runCommand(flags.cmd, e.inputs, env, timeoutMs) : await runEndpoint(flags.endpoint!, e.inputs, { traceparent: env.TRACEPARENT, 'x-loupe-example-id': e.id, 'x-loupe-experiment-id': experiment.id }, timeoutMs);
    const scores: Record<string, number> = {};
    if (flags.check === 'exact_match' && outcome.error === null) scores.exact_match = canonical(outcome.output) === canonical(e.outputs) ? 1 : 0;
    // The run's root span: the trace every span the agent exports (TRACEPARENT) joins.
    const root = {
      id: spanId,
      trace_id: traceId,
      name: `${experiment.name}: ${e.id}`,
      kind: 'chain',
      start_time: started.toISOString(),
      end_time: new Date(started.getTime() + outcome.latencyMs).toISOString(),
      input: e.inputs,
      ...(outcome.output !== undefined ? { output: outcome.output } : {}),
      ...(outcome.error !== null ? { status: 'error', error: outcome.error } : {}),
      metadata: { experiment_id: experiment.id, example_id: e.id, repetition: rep },
    };
    recorder.add(root, { example_id: e.id, repetition: rep, trace_id: traceId, ...(outcome.output !== undefined ? { output: outcome.output } : {}), error: outcome.error, latency_ms: Math.round(outcome.latencyMs), ...(Object.keys(scores).length ? { scores } : {}) });
    if (outcome.error !== null) errors++;
    bar?.increment(1, { errors });
  };
  const workers = Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
    while (next < todo.length) await one(todo[next++]);
  });
  try {
    await Promise.all(workers);
    await recorder.close();
  } finally {
    bar?.stop();
    recorder.stop();
  }
  await request(conn, `/v1/experiments/${experiment.id}/end`, { method: 'POST', body: {}, schema: ExperimentOut });
  const skipped = examples.length * Math.min(repetitions, experiment.repetitions) - todo.length;
  const summary = { experiment: experiment.id, name: experiment.name, ran: todo.length, resumed_past: skipped, errors, link: compareLink(conn.url, [experiment.id]) };
  await print(
    g.format === 'md'
      ? `Experiment **${experiment.name}** (${experiment.id}): ${todo.length} run(s), ${errors} errored${skipped ? `, ${skipped} already recorded (resumed)` : ''}.\nCompare: \`loupe experiments compare <baseline> ${experiment.name}\``
      : JSON.stringify(summary),
  );
}
