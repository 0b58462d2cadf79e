/**
 * The "experiments" queue consumer: each message is one worker slot of a server-side
 * experiment. A slot claims the next run in D1 (a single UPDATE that also checks that
 * fewer than the target's `concurrency` runs hold a live lease, so duplicate or re-driven
 * slots can never exceed it), calls the target (an endpoint, or the provider of a prompt
 * replay: replay.ts), records the run (and its root span, so
 * each run is a trace that the experiment's evaluators score when it completes), and
 * sends itself on. Failures worth another attempt (5xx, 429, timeouts, network) put the
 * run back as pending after a backoff; after `max_attempts`, or on a 4xx or a non-JSON
 * answer, the run is recorded as errored, never dropped.
 *
 * Interleavings: a slot that dies mid-call leaves its run `running` with a lease
 * (not_before); once that passes, any slot takes the run again (attempts counts it). A
 * slot that finds the concurrency taken ends; one that finds only leased or backing-off
 * runs comes back when the earliest is due; the last one marks the experiment completed.
 */
import { ExperimentSlotMessage } from '../../schema/queues.ts';
import { dbFor } from '../platform/db.ts';
import { retryDelaySeconds, validMessages } from '../platform/queues.ts';
import { decryptSecret } from '../platform/secrets.ts';
import { backoff } from '../platform/retry.ts';
import { getExample } from '../datasets/examples.ts';
import { validateSpans } from '../ingest/validate.ts';
import { writeSpanBatch } from '../store/batch-writer.ts';
import { endExperiment, getExperiment, recordRuns, runTraceId } from './experiments.ts';
import { callTarget } from './target-call.ts';
import { replayExample } from './replay.ts';
import { sendSlots, targetSecretContext, type StoredReplay } from './target.ts';
import type { ExperimentOut } from '../../schema/wire/experiments.ts';

/** Time a claimed run stays reserved beyond the call's own timeout (recording it, writing its span). */
const LEASE_MARGIN_MS = 30_000;
/** Queues delay messages by at most 12 hours. */
const MAX_DELAY_S = 43_200;

interface Target {
  kind: 'endpoint' | 'replay';
  url: string | null;
  replay: string | null;
  secret_ciphertext: string | null;
  headers: string | null;
  timeout_ms: number;
  concurrency: number;
  max_attempts: number;
  status: 'running' | 'done';
}

interface Claimed {
  example_id: string;
  repetition: number;
  attempts: number;
  last_error: string | null;
}

/** Handles a batch of slots (one per batch as configured; more are handled one by one). */
export async function consumeExperimentSlots(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of validMessages(batch.messages, ExperimentSlotMessage, batch.queue)) {
    try {
      await runSlot(env, message.body.project_id, message.body.experiment_id);
      message.ack();
    } catch (err) {
      // Its claimed run (if any) keeps its lease and is taken again once it passes.
      console.error(`experiment slot for ${message.body.experiment_id} failed (attempt ${message.attempts})`, err);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

/** Dead-lettered slots: logged; the scheduled re-drive sends fresh ones for their experiment. */
export async function consumeExperimentSlotDeadLetters(batch: MessageBatch<unknown>): Promise<void> {
  for (const message of validMessages(batch.messages, ExperimentSlotMessage, batch.queue)) {
    console.error(`experiment slot for ${message.body.experiment_id} (project ${message.body.project_id}) dead-lettered after ${message.attempts} attempts; the scheduled re-drive will resume it`);
    message.ack();
  }
}

/** One slot: claim a run and do it, or decide when to come back, or finish the experiment. */
export async function runSlot(env: Env, projectId: string, experimentId: string): Promise<void> {
  const db = dbFor(env, projectId);
  const t = await db.prepare('SELECT * FROM experiment_targets WHERE project_id = ?1 AND experiment_id = ?2').bind(projectId, experimentId).first<Target>();
  if (!t || t.status !== 'running') return;
  const now = Date.now();
  const claimed = await db
    .prepare(
      `UPDATE experiment_target_runs SET state = 'running', attempts = attempts + 1, not_before = ?3, updated_at = ?4
       WHERE rowid = (SELECT rowid FROM experiment_target_runs WHERE project_id = ?1 AND experiment_id = ?2 AND state IN ('pending', 'running') AND not_before <= ?4 ORDER BY not_before LIMIT 1)
         AND (SELECT COUNT(*) FROM experiment_target_runs WHERE project_id = ?1 AND experiment_id = ?2 AND state = 'running' AND not_before > ?4) < ?5
       RETURNING example_id, repetition, attempts, last_error`,
    )
    .bind(projectId, experimentId, now + t.timeout_ms + LEASE_MARGIN_MS, now, t.concurrency)
    .first<Claimed>();
  if (!claimed) return nothingClaimed(env, projectId, experimentId, t, now);
  const e = await getExperiment(env, projectId, experimentId);
  await doRun(env, projectId, e, t, claimed);
  await sendSlots(env, projectId, experimentId, 1);
}

async function nothingClaimed(env: Env, projectId: string, experimentId: string, t: Target, now: number): Promise<void> {
  const db = dbFor(env, projectId);
  const s = await db
    .prepare(
      `SELECT COUNT(*) AS remaining, COALESCE(SUM(state = 'running' AND not_before > ?3), 0) AS leased, MIN(not_before) AS next
       FROM experiment_target_runs WHERE project_id = ?1 AND experiment_id = ?2 AND state IN ('pending', 'running')`,
    )
    .bind(projectId, experimentId, now)
    .first<{ remaining: number; leased: number; next: number | null }>();
  if (!s || s.remaining === 0) {
    const done = await db.prepare("UPDATE experiment_targets SET status = 'done', updated_at = ?3 WHERE project_id = ?1 AND experiment_id = ?2 AND status = 'running'").bind(projectId, experimentId, now).run();
    if (done.meta.changes) await endExperiment(env, projectId, experimentId, now);
    return;
  }
  // The other slots hold every allowed call: this one is surplus (a duplicate or a re-drive) and ends.
  if (s.leased >= t.concurrency) return;
  // Runs are backing off or leased to a slot that may have died: come back when the earliest is due.
  const wait = Math.min(MAX_DELAY_S, Math.max(1, Math.ceil(((s.next ?? now) - now) / 1000)));
  await sendSlots(env, projectId, experimentId, 1, wait);
}

/** Calls the target for a claimed run and records the outcome, or puts the run back for another attempt. */
async function doRun(env: Env, projectId: string, e: ExperimentOut, t: Target, run: Claimed): Promise<void> {
  const db = dbFor(env, projectId);
  const traceId = await runTraceId(e.id, run.example_id, run.repetition);
  // A run claimed past max_attempts crashed its slots each time (the call never finished).
  if (run.attempts > t.max_attempts) {
    return finish(env, projectId, e, run, traceId, { error: `gave up after ${t.max_attempts} attempts: ${run.last_error ?? 'the call never finished'}`, latencyMs: null, input: null });
  }
  const example = await getExample(env, projectId, e.dataset_id, run.example_id, e.dataset_version);
  if (!example) return finish(env, projectId, e, run, traceId, { error: `example ${run.example_id} is not in version ${e.dataset_version} of the dataset`, latencyMs: null, input: null });
  let outcome: { ok: false; error: string; retryable: boolean; retryAfterMs?: number; latencyMs: number };
  if (t.kind === 'replay') {
    const r = await replayExample(env, projectId, JSON.parse(t.replay!) as StoredReplay, example.inputs, t.timeout_ms);
    const input = r.messages ? { messages: r.messages } : example.inputs;
    if (r.ok) {
      return finish(env, projectId, e, run, traceId, { output: r.output, latencyMs: r.latencyMs, input, llm: { model: r.model, usage: r.usage, cost: r.cost } });
    }
    outcome = r;
  } else {
    const secret = t.secret_ciphertext ? await decryptSecret(env, t.secret_ciphertext, targetSecretContext(projectId, e.id)) : null;
    const called = await callTarget({
      url: t.url!,
      secret,
      headers: t.headers ? JSON.parse(t.headers) : {},
      timeoutMs: t.timeout_ms,
      experimentId: e.id,
      exampleId: run.example_id,
      repetition: run.repetition,
      traceId,
      inputs: example.inputs,
    });
    if (called.ok) return finish(env, projectId, e, run, traceId, { output: called.output, latencyMs: called.latencyMs, input: example.inputs });
    outcome = called;
  }
  if (outcome.retryable && run.attempts < t.max_attempts) {
    const delayMs = outcome.retryAfterMs ?? backoff(run.attempts - 1, { base: 1000, cap: 300_000 });
    await db
      .prepare("UPDATE experiment_target_runs SET state = 'pending', not_before = ?6, last_error = ?7, updated_at = ?8 WHERE project_id = ?1 AND experiment_id = ?2 AND example_id = ?3 AND repetition = ?4 AND attempts = ?5")
      .bind(projectId, e.id, run.example_id, run.repetition, run.attempts, Date.now() + delayMs, outcome.error, Date.now())
      .run();
    return;
  }
  const suffix = outcome.retryable ? ` (gave up after ${run.attempts} attempts)` : '';
  return finish(env, projectId, e, run, traceId, { error: `${outcome.error}${suffix}`, latencyMs: outcome.latencyMs, input: example.inputs });
}

/** Records a finished run: the experiment run, its root span (the trace), then the run state. */
async function finish(
  env: Env,
  projectId: string,
  e: ExperimentOut,
  run: Claimed,
  traceId: string,
  r: { output?: unknown; error?: string; latencyMs: number | null; input: unknown; llm?: { model: string; usage: { input_tokens: number | null; output_tokens: number | null }; cost: number | null } },
): Promise<void> {
  const end = Date.now();
  const latency = Math.round(r.latencyMs ?? 0);
  await recordRuns(env, projectId, e.id, [
    {
      example_id: run.example_id,
      repetition: run.repetition,
      trace_id: traceId,
      ...(r.output !== undefined ? { output: r.output } : {}),
      error: r.error ?? null,
      latency_ms: r.latencyMs === null ? null : latency,
      ...(r.llm ? { tokens: (r.llm.usage.input_tokens ?? 0) + (r.llm.usage.output_tokens ?? 0), cost: r.llm.cost } : {}),
    },
  ]);
  const usage = r.llm
    ? { input_tokens: r.llm.usage.input_tokens, output_tokens: r.llm.usage.output_tokens, total_tokens: (r.llm.usage.input_tokens ?? 0) + (r.llm.usage.output_tokens ?? 0), cost_usd: r.llm.cost }
    : null;
  const { spans } = validateSpans([
    {
      id: traceId.slice(0, 16),
      trace_id: traceId,
      name: `${e.name}: ${run.example_id}`,
      kind: r.llm ? 'llm' : 'chain',
      ...(r.llm ? { model: r.llm.model, usage } : {}),
      start_time: new Date(end - latency).toISOString(),
      end_time: new Date(end).toISOString(),
      ...(r.input !== null ? { input: r.input } : {}),
      ...(r.output !== undefined ? { output: r.output } : {}),
      ...(r.error ? { status: 'error', error: r.error } : {}),
      metadata: { experiment_id: e.id, example_id: run.example_id, repetition: run.repetition, runner: r.llm ? 'loupe-replay' : 'loupe-target' },
    },
  ]);
  if (spans.length) await writeSpanBatch(env, projectId, spans, 'native');
  await dbFor(env, projectId)
    .prepare('UPDATE experiment_target_runs SET state = ?6, last_error = ?7, updated_at = ?8 WHERE project_id = ?1 AND experiment_id = ?2 AND example_id = ?3 AND repetition = ?4 AND attempts = ?5')
    .bind(projectId, e.id, run.example_id, run.repetition, run.attempts, r.error ? 'errored' : 'done', r.error ?? null, Date.now())
    .run();
}
