/**
 * The `evaluate` jobs of one queue batch: load each evaluator and trace once, run the
 * jobs with bounded concurrency (per provider inside `evaluate`), then write every score
 * (feedback rows, via prepareFeedbackUpsert with a deterministic id) and every run-log row
 * in one D1 transaction, and only then ack. Retryable failures (429, 5xx, timeouts) are
 * retried by the queue after the provider's Retry-After or a backoff; after
 * EVAL_MAX_ATTEMPTS they are recorded as failed. Errors are never written as scores.
 */
import type { EvaluateMessage } from '../../schema/queues.ts';
import type { TraceTree } from '../../schema/wire/trace.ts';
import { dbFor } from '../platform/db.ts';
import { byProject, retryDelaySeconds } from '../platform/queues.ts';
import { backoff } from '../platform/retry.ts';
import { getTraces } from '../store/trace-query.ts';
import { writeFeedback, type FeedbackInput } from '../store/feedback.ts';
import { QUEUE_POLICY } from '../platform/outbound.ts';
import { EvalError } from './errors.ts';
import { loadRunnableEvaluator, type EvaluatorVersion } from './evaluators.ts';
import { RunContext, evaluate, targetSpanIds, MAX_SPANS_PER_TRACE, type Evaluation } from './run.ts';
import { evaluatorFeedbackId } from './scores.ts';
import { addJudgeCost } from '../llm/spend.ts';
import { recordJudgeCalls, type JudgeCallRecord } from './judge-traces.ts';
import { RESCORE_RUN_PREFIX, sendEvalMessages } from './matching.ts';
import type { Verdict } from './checks.ts';
import { examplesOfTraces } from './examples.ts';
import type { SubjectExample, SubjectThread } from '../../schema/values/read.ts';
import { THREAD_RUN_ID } from './rules.ts';
import { MAX_CONVERSATION_TURNS, threadFeedbackId } from './threads.ts';
import { threadConversation } from '../store/threads.ts';

/**
 * Jobs in flight at once per consumer invocation. Most of a code check's time is waiting
 * on D1 and R2 reads, so many run at once; outbound calls (judges, webhooks) are bounded
 * separately per provider (Workers allow 6 simultaneous connections and queue the rest).
 */
const JOB_CONCURRENCY = 25;
/**
 * Traces loaded together (three D1 queries and merged R2 reads for all of them); jobs run
 * chunk by chunk so at most this many trees are in memory at once (Workers: 128 MB).
 */
const TRACES_PER_CHUNK = 25;

/** One run-log row to upsert, positional as RESULT_COLUMNS. */
type ResultRow = [string, string, string, string, string, number | null, string, number | null, string | null, string | null, string | null, number, string | null, string | null, number | null, number | null];
const RESULT_COLUMNS = ['rule_id', 'run_id', 'trace_id', 'span_id', 'evaluator_id', 'evaluator_version', 'status', 'score', 'value', 'error_code', 'error', 'attempts', 'feedback_id', 'judge_trace_id', 'duration_ms', 'cost_usd'] as const;

// D1: 100 bound parameters per statement, so the run-log rows go in as one JSON parameter.
const UPSERT_RESULTS = `
INSERT INTO eval_results (project_id, ${RESULT_COLUMNS.join(', ')}, created_at, updated_at)
SELECT ?1, ${RESULT_COLUMNS.map((_, i) => `j.value ->> ${i}`).join(', ')}, ?2, ?2 FROM json_each(?3) j WHERE true
ON CONFLICT (project_id, rule_id, run_id, trace_id, span_id, evaluator_id) DO UPDATE SET
  ${RESULT_COLUMNS.slice(5).map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = excluded.updated_at`;

/** What one job decided. */
interface JobOutcome {
  message: Message<EvaluateMessage>;
  results: ResultRow[];
  feedback: FeedbackInput[];
  costs: number[];
  judgeCalls: JudgeCallRecord[];
  children: EvaluateMessage[];
  /** Retry the message after this many seconds (instead of acking). */
  retryAfterSeconds?: number;
}

const DONE = new Set(['scored', 'failed', 'skipped', 'expanded']);

/** Max attempts before a retryable failure is recorded as failed. */
function maxAttempts(env: Env): number {
  const n = Number((env as unknown as { EVAL_MAX_ATTEMPTS?: string }).EVAL_MAX_ATTEMPTS);
  return Number.isFinite(n) && n >= 1 ? n : 8;
}

/** Seconds before the queue redelivers a job that failed transiently: the provider's ask, else 2^n s (max 10 min). */
export function jobRetryDelay(err: EvalError, attempts: number): number {
  if (err.retryAfterMs !== undefined) return Math.min(43_200, Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  return backoff(Math.max(0, attempts - 1), { base: 1, cap: 600 });
}

/** Runs a batch of evaluate messages; acks or retries each. */
export async function runEvaluateBatch(env: Env, messages: readonly Message<EvaluateMessage>[]): Promise<void> {
  for (const [projectId, group] of byProject(messages)) {
    try {
      await runProjectJobs(env, projectId, group);
    } catch (err) {
      console.error(`evaluate batch for project ${projectId} failed; retrying its ${group.length} jobs`, err);
      for (const m of group) m.retry({ delaySeconds: retryDelaySeconds(m.attempts, 600) });
    }
  }
}

async function runProjectJobs(env: Env, projectId: string, group: Message<EvaluateMessage>[]): Promise<void> {
  const db = dbFor(env, projectId);
  const ctx = new RunContext(env, projectId, QUEUE_POLICY);
  const evaluators = new Map<string, Promise<EvaluatorVersion | null>>();
  const evaluatorOf = (id: string) => {
    let p = evaluators.get(id);
    // The gate's live version when the evaluator is gated on agreement, else the newest.
    if (!p) evaluators.set(id, (p = loadRunnableEvaluator(env, projectId, id)));
    return p;
  };

  // Jobs already finished (a redelivered or duplicated message) are acked without running again.
  const keys = group.map((m) => [m.body.rule_id, m.body.run_id, m.body.trace_id, m.body.span_id ?? '', m.body.evaluator_id]);
  const { results: prior } = await db
    .prepare(
      // CROSS JOIN keeps the key list as the outer loop (see the indexer): one primary-key lookup per job.
      `SELECT r.rule_id, r.run_id, r.trace_id, r.span_id, r.evaluator_id, r.status, r.evaluator_version FROM json_each(?2) k
         CROSS JOIN eval_results r ON r.project_id = ?1 AND r.rule_id = k.value ->> 0 AND r.run_id = k.value ->> 1
          AND r.trace_id = k.value ->> 2 AND r.span_id = k.value ->> 3 AND r.evaluator_id = k.value ->> 4`,
    )
    .bind(projectId, JSON.stringify(keys))
    .all<{ rule_id: string; run_id: string; trace_id: string; span_id: string; evaluator_id: string; status: string; evaluator_version: number | null }>();
  const priorOf = new Map(prior.map((p) => [JSON.stringify([p.rule_id, p.run_id, p.trace_id, p.span_id, p.evaluator_id]), p]));

  const limit = maxAttempts(env);
  const outcomes: JobOutcome[] = new Array(group.length);
  // Jobs of the same trace sit together, so a chunk loads each trace once.
  const order = group.map((_, i) => i).sort((a, b) => (group[a].body.trace_id < group[b].body.trace_id ? -1 : group[a].body.trace_id > group[b].body.trace_id ? 1 : 0));
  for (let start = 0; start < order.length; ) {
    const chunk: number[] = [];
    const ids = new Set<string>();
    while (start < order.length && (ids.size < TRACES_PER_CHUNK || ids.has(group[order[start]].body.trace_id))) {
      ids.add(group[order[start]].body.trace_id);
      chunk.push(order[start++]);
    }
    const [trees, examples] = await Promise.all([getTraces(env, projectId, [...ids]), examplesOfTraces(env, projectId, [...ids])]);
    const treeOf = async (id: string) => trees.get(id) ?? null;
    const exampleOf = (id: string) => examples.get(id) ?? null;
    let next = 0;
    const worker = async () => {
      while (next < chunk.length) {
        const i = chunk[next++];
        outcomes[i] = await runJob(env, projectId, ctx, group[i], { evaluatorOf, treeOf, exampleOf, prior: priorOf.get(JSON.stringify(keys[i])), maxAttempts: limit });
      }
    };
    await Promise.all(Array.from({ length: Math.min(JOB_CONCURRENCY, chunk.length) }, worker));
  }

  // Judge-call traces go to the system project first, so a score never points at a trace that was never written.
  const judgeCalls = outcomes.flatMap((o) => o.judgeCalls);
  if (judgeCalls.length) {
    try {
      await recordJudgeCalls(env, projectId, judgeCalls);
    } catch (err) {
      console.error(`recording ${judgeCalls.length} judge calls of project ${projectId} failed`, err);
    }
  }
  const now = Date.now();
  const also: D1PreparedStatement[] = outcomes.flatMap((o) => o.costs.map((usd) => addJudgeCost(env, projectId, usd, now)));
  const rows = outcomes.flatMap((o) => o.results);
  const upsert = db.prepare(UPSERT_RESULTS);
  for (let i = 0; i < rows.length; i += 500) also.push(upsert.bind(projectId, now, JSON.stringify(rows.slice(i, i + 500))));
  // Scores, spend and run log commit together; the writer then signals review routing for
  // the scored traces (e.g. score.helpfulness<0.5), before the messages are acked.
  await writeFeedback(env, projectId, outcomes.flatMap((o) => o.feedback), { also, now });
  // Child jobs (one per span) are sent after their `queued` rows are committed.
  const children = outcomes.flatMap((o) => o.children);
  if (children.length) await sendEvalMessages(env, children);
  for (const o of outcomes) {
    if (o.retryAfterSeconds !== undefined) o.message.retry({ delaySeconds: o.retryAfterSeconds });
    else o.message.ack();
  }
}

interface JobDeps {
  evaluatorOf(id: string): Promise<EvaluatorVersion | null>;
  treeOf(id: string): Promise<TraceTree | null>;
  /** The dataset example when the trace is an experiment run. */
  exampleOf(id: string): SubjectExample | null;
  prior?: { status: string; evaluator_version: number | null };
  maxAttempts: number;
}

async function runJob(env: Env, projectId: string, ctx: RunContext, message: Message<EvaluateMessage>, deps: JobDeps): Promise<JobOutcome> {
  const job = message.body;
  const out: JobOutcome = { message, results: [], feedback: [], costs: [], judgeCalls: [], children: [] };
  const row = (spanId: string, ev: EvaluatorVersion | null, status: string, fields: Partial<{ score: number | null; value: unknown; code: string; error: string; feedbackId: string; judgeTraceId: string; durationMs: number; cost: number | null }> = {}): ResultRow => [
    job.rule_id,
    job.run_id,
    job.trace_id,
    spanId,
    job.evaluator_id,
    ev?.version ?? null,
    status,
    fields.score ?? null,
    fields.value === undefined ? null : JSON.stringify(fields.value),
    fields.code ?? null,
    fields.error ?? null,
    message.attempts,
    fields.feedbackId ?? null,
    fields.judgeTraceId ?? null,
    fields.durationMs ?? null,
    fields.cost ?? null,
  ];

  const ev = await deps.evaluatorOf(job.evaluator_id);
  if (!ev || ev.deletedAt) {
    out.results.push(row(job.span_id ?? '', ev, 'skipped', { code: 'invalid_config', error: `evaluator '${job.evaluator_id}' was deleted` }));
    return out;
  }
  if (deps.prior && DONE.has(deps.prior.status) && deps.prior.evaluator_version === ev.version) return out;
  const tree = await deps.treeOf(job.trace_id);
  if (!tree) {
    out.results.push(row(job.span_id ?? '', ev, 'failed', { code: 'trace_not_found', error: `trace '${job.trace_id}' is no longer in this project` }));
    return out;
  }

  const example = deps.exampleOf(job.trace_id);

  // A thread rule's job: the trace is the thread's last turn; the subject is the whole conversation.
  if (job.run_id === THREAD_RUN_ID) return runThreadJob(env, projectId, ctx, out, row, ev, tree, example, deps, message.attempts);

  // A span-targeted evaluator's trace job fans out to the matching spans.
  if (ev.target.type === 'span' && job.span_id === undefined) {
    const all = await targetSpanIds(env, projectId, ev, tree);
    const spanIds = all.slice(0, MAX_SPANS_PER_TRACE);
    if (!spanIds.length) {
      out.results.push(row('', ev, 'skipped', { code: 'no_matching_span', error: 'no span of this trace matches the target filter' }));
      return out;
    }
    out.results.push(row('', ev, 'expanded', { value: { spans: spanIds.length, ...(all.length > spanIds.length ? { not_evaluated: all.length - spanIds.length } : {}) } }));
    if (ev.kind === 'code') {
      for (const spanId of spanIds) {
        const span = tree.spans.find((s) => s.id === spanId)!;
        const feedbackId = await evaluatorFeedbackId(ev.id, ev.version, job.trace_id, spanId);
        settle(out, row, ev, spanId, feedbackId, await evaluate(ctx, ev, { tree, span, example }, feedbackId), deps.maxAttempts, message.attempts);
      }
      // A span that only fails transiently cannot be retried alone inline; record it failed rather than redo the others.
      delete out.retryAfterSeconds;
    } else {
      for (const spanId of spanIds) {
        out.results.push(row(spanId, ev, 'queued'));
        out.children.push({ ...job, span_id: spanId });
      }
    }
    return out;
  }

  const span = job.span_id ? (tree.spans.find((s) => s.id === job.span_id) ?? null) : null;
  if (job.span_id && !span) {
    out.results.push(row(job.span_id, ev, 'failed', { code: 'trace_not_found', error: `span '${job.span_id}' is no longer in trace '${job.trace_id}'` }));
    return out;
  }
  const feedbackId = await evaluatorFeedbackId(ev.id, ev.version, job.trace_id, job.span_id ?? null);
  // The score's id is (evaluator, version, trace, span): if it exists another run (online
  // matching overlapping a backfill) already paid for it; skip unless re-scoring was asked.
  if (!job.run_id.startsWith(RESCORE_RUN_PREFIX) && (await alreadyScored(env, projectId, feedbackId))) {
    out.results.push(row(job.span_id ?? '', ev, 'skipped', { code: 'already_scored', error: `version ${ev.version} already scored this ${job.span_id ? 'span' : 'trace'} (backfill with rescore: true to score it again)`, feedbackId }));
    return out;
  }
  const e = await evaluate(ctx, ev, { tree, span, example }, feedbackId);
  settle(out, row, ev, job.span_id ?? '', feedbackId, e, deps.maxAttempts, message.attempts);
  return out;
}

/**
 * A thread job: the whole thread (the trace's session) is evaluated, whatever the
 * evaluator's span target; the score lands on the trace the job names (the last turn when
 * the thread went idle) with metadata.thread_id, under an id of its own so a trace rule
 * scoring that same trace with the same evaluator does not collide with it.
 */
async function runThreadJob(
  env: Env,
  projectId: string,
  ctx: RunContext,
  out: JobOutcome,
  row: (spanId: string, ev: EvaluatorVersion | null, status: string, fields?: Record<string, unknown>) => ResultRow,
  ev: EvaluatorVersion,
  tree: TraceTree,
  example: SubjectExample | null,
  deps: JobDeps,
  attempts: number,
): Promise<JobOutcome> {
  const threadId = tree.trace.session_id;
  if (!threadId) {
    out.results.push(row('', ev, 'failed', { code: 'trace_not_found', error: `trace '${tree.trace.id}' no longer belongs to a thread (it has no session_id)` }));
    return out;
  }
  const feedbackId = await threadFeedbackId(ev.id, ev.version, threadId, tree.trace.id);
  if (await alreadyScored(env, projectId, feedbackId)) {
    out.results.push(row('', ev, 'skipped', { code: 'already_scored', error: `version ${ev.version} already scored this thread as of this turn`, feedbackId }));
    return out;
  }
  const { turns, totalTurns } = await threadConversation(env, projectId, threadId, MAX_CONVERSATION_TURNS);
  const thread: SubjectThread = { id: threadId, turns, totalTurns };
  const e = await evaluate(ctx, ev, { tree, span: null, example, thread }, feedbackId);
  settle(out, row, ev, '', feedbackId, e, deps.maxAttempts, attempts, threadId);
  return out;
}

async function alreadyScored(env: Env, projectId: string, feedbackId: string): Promise<boolean> {
  return (await dbFor(env, projectId).prepare('SELECT 1 FROM feedback WHERE project_id = ? AND id = ?').bind(projectId, feedbackId).first()) !== null;
}

/** Turns one evaluation into a score + run-log row, a failure row, or a retry. */
function settle(
  out: JobOutcome,
  row: (spanId: string, ev: EvaluatorVersion, status: string, fields?: Record<string, unknown>) => ResultRow,
  ev: EvaluatorVersion,
  spanId: string,
  feedbackId: string,
  e: Evaluation,
  maxAttempts: number,
  attempts: number,
  threadId?: string,
): void {
  const job = out.message.body;
  let judgeTraceId: string | undefined;
  if (e.exchange) {
    judgeTraceId = `judge-${crypto.randomUUID()}`;
    out.judgeCalls.push({
      traceId: judgeTraceId,
      sourceProjectId: job.project_id,
      sourceTraceId: job.trace_id,
      sourceSpanId: spanId || null,
      evaluator: { id: ev.id, version: ev.version, name: ev.name, key: ev.key },
      ruleId: job.rule_id,
      runId: job.run_id,
      feedbackId: e.verdict ? feedbackId : null,
      exchange: e.exchange,
      verdict: e.verdict,
      error: e.error,
    });
    if (e.exchange.cost_usd) out.costs.push(e.exchange.cost_usd);
  }
  const cost = e.exchange?.cost_usd ?? null;
  if (e.verdict) {
    out.feedback.push(scoreFeedback(ev, job, spanId, feedbackId, e.verdict, judgeTraceId, e.exchange?.model, threadId));
    out.results.push(row(spanId, ev, 'scored', { score: e.verdict.score, value: e.verdict.value, feedbackId, judgeTraceId, durationMs: e.durationMs, cost }));
    return;
  }
  const err = e.error ?? new EvalError('internal', 'the evaluator produced neither a score nor an error');
  if (err.retryable && attempts < maxAttempts) {
    out.retryAfterSeconds = jobRetryDelay(err, attempts);
    out.results.push(row(spanId, ev, 'queued', { code: err.code, error: `attempt ${attempts} of ${maxAttempts}: ${err.message}`, judgeTraceId, durationMs: e.durationMs, cost }));
    return;
  }
  const status = err.code === 'spend_cap' ? 'skipped' : 'failed';
  const suffix = err.retryable ? ` (gave up after ${attempts} attempts)` : '';
  out.results.push(row(spanId, ev, status, { code: err.code, error: `${err.message}${suffix}`, judgeTraceId, durationMs: e.durationMs, cost }));
}

/** The feedback row of a score: source evaluator, its id and version, the rule and judge trace in metadata. */
function scoreFeedback(ev: EvaluatorVersion, job: EvaluateMessage, spanId: string, id: string, v: Verdict, judgeTraceId: string | undefined, model: string | undefined, threadId?: string): FeedbackInput {
  return {
    id,
    trace_id: job.trace_id,
    span_id: spanId || null,
    key: ev.key,
    score: v.score,
    value: v.value,
    comment: v.comment,
    source: 'evaluator',
    author: ev.id,
    evaluator_id: ev.id,
    evaluator_version: ev.version,
    metadata: {
      rule_id: job.rule_id,
      run_id: job.run_id,
      evaluator_name: ev.name,
      ...(judgeTraceId ? { judge_trace_id: judgeTraceId } : {}),
      ...(model ? { model } : {}),
      ...(threadId ? { thread_id: threadId } : {}),
    },
  };
}
