/**
 * Judge calls recorded as traces, so a team can read exactly what its judge saw and
 * said. They go to the organisation's system project (named `loupe:system`, created on
 * first use) through the normal ingest path, which keeps them out of the team's own trace
 * lists, rules and feedback averages. Each trace carries its source project in metadata,
 * and GET /v1/judge-traces/{id} serves it only to that project's keys.
 */
import type { NormalizedSpan } from '../../schema/wire/span.ts';
import type { TraceTree } from '../../schema/wire/trace.ts';
import { placeNewProject } from '../platform/shard-placement.ts';
import { controlDb } from '../platform/db.ts';
import { getTrace } from '../store/trace-query.ts';
import { writeIndexedSpanBatch } from '../store/batch-writer.ts';
import { ApiError } from '../platform/errors.ts';
import type { JudgeExchange } from './judge.ts';
import { SYSTEM_PROJECT_PREFIX } from '../../schema/db/tenancy.ts';
import type { Verdict } from './checks.ts';
import type { EvalError } from './errors.ts';

/** The reserved name of each organisation's system project. */
export const SYSTEM_PROJECT_NAME = `${SYSTEM_PROJECT_PREFIX}system`;

// Project -> system project id never changes once made, so an isolate can keep it.
const systemProjects = new Map<string, string>();

/** The system project of the organisation that owns `projectId` (created on first use). */
export async function systemProjectFor(env: Env, projectId: string): Promise<string> {
  const cached = systemProjects.get(projectId);
  if (cached) return cached;
  const db = controlDb(env);
  const owner = await db.prepare('SELECT org_id FROM projects WHERE id = ?').bind(projectId).first<{ org_id: string }>();
  if (!owner) throw new Error(`project ${projectId} has no organisation`);
  // The unique (org_id, name) index makes two consumers racing here create one project.
  await db
    .prepare('INSERT INTO projects (id, org_id, name, created_at, shard) VALUES (?, ?, ?, ?, ?) ON CONFLICT (org_id, name) DO NOTHING')
    .bind(crypto.randomUUID(), owner.org_id, SYSTEM_PROJECT_NAME, Date.now(), await placeNewProject(env))
    .run();
  const row = await db.prepare('SELECT id FROM projects WHERE org_id = ? AND name = ?').bind(owner.org_id, SYSTEM_PROJECT_NAME).first<{ id: string }>();
  systemProjects.set(projectId, row!.id);
  return row!.id;
}

/** What one judge call was about. */
export interface JudgeCallRecord {
  traceId: string;
  sourceProjectId: string;
  sourceTraceId: string;
  sourceSpanId: string | null;
  evaluator: { id: string; version: number; name: string; key: string };
  ruleId: string | null;
  runId: string | null;
  feedbackId: string | null;
  exchange: JudgeExchange;
  verdict?: Verdict;
  error?: EvalError;
}

/** The spans of one judge call: an `evaluator` root and the `llm` call beneath it. */
export function judgeCallSpans(r: JudgeCallRecord): NormalizedSpan[] {
  const x = r.exchange;
  const failed = r.error !== undefined;
  const metadata = {
    source_project_id: r.sourceProjectId,
    source_trace_id: r.sourceTraceId,
    ...(r.sourceSpanId ? { source_span_id: r.sourceSpanId } : {}),
    evaluator_id: r.evaluator.id,
    evaluator_version: r.evaluator.version,
    feedback_key: r.evaluator.key,
    ...(r.ruleId ? { rule_id: r.ruleId, run_id: r.runId } : {}),
    ...(r.feedbackId ? { feedback_id: r.feedbackId } : {}),
  };
  const result = r.verdict ? { score: r.verdict.score, value: r.verdict.value ?? null, comment: r.verdict.comment } : { error_code: r.error?.code, error: r.error?.message };
  const usage = {
    input_tokens: x.usage.input_tokens,
    output_tokens: x.usage.output_tokens,
    total_tokens: x.usage.input_tokens != null && x.usage.output_tokens != null ? x.usage.input_tokens + x.usage.output_tokens : null,
    cost_usd: x.cost_usd,
  };
  return [
    {
      id: 'judge',
      trace_id: r.traceId,
      parent_id: null,
      name: `judge ${r.evaluator.name} v${r.evaluator.version}`,
      kind: 'evaluator',
      start_time: x.started_at,
      end_time: Math.max(x.ended_at, x.started_at),
      status: failed ? 'error' : 'ok',
      ...(failed ? { error: `${r.error!.code}: ${r.error!.message}` } : {}),
      input: { trace_id: r.sourceTraceId, span_id: r.sourceSpanId },
      output: result,
      tags: ['judge'],
      metadata,
    },
    {
      id: 'llm',
      trace_id: r.traceId,
      parent_id: 'judge',
      name: `chat ${x.model}`,
      kind: 'llm',
      model: x.model,
      start_time: x.started_at,
      end_time: Math.max(x.ended_at, x.started_at),
      status: failed ? 'error' : 'ok',
      ...(failed ? { error: r.error!.message } : {}),
      input: { messages: x.messages, response_schema: x.schema },
      ...(x.raw !== null ? { output: { role: 'assistant', content: x.raw } } : {}),
      usage,
      metadata: { provider: x.provider },
    },
  ];
}

/**
 * Writes judge-call spans into the system project (one R2 batch for a whole consumer
 * batch) and indexes them before returning, so the scores written after this carry a
 * `judge_trace_id` that already resolves: the link never dangles while the queue catches up.
 */
export async function recordJudgeCalls(env: Env, sourceProjectId: string, records: JudgeCallRecord[]): Promise<void> {
  if (!records.length) return;
  const systemProjectId = await systemProjectFor(env, sourceProjectId);
  await writeIndexedSpanBatch(env, systemProjectId, records.flatMap(judgeCallSpans), 'judge');
}

/** A judge-call trace, if it was made for `projectId` (else 404, as if it did not exist). */
export async function getJudgeTrace(env: Env, projectId: string, traceId: string): Promise<TraceTree> {
  const systemProjectId = await systemProjectFor(env, projectId);
  const notFound = new ApiError(404, 'not_found', `judge trace '${traceId}' not found for this project`, 'id');
  let tree: TraceTree;
  try {
    tree = await getTrace(env, systemProjectId, traceId);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw notFound;
    throw err;
  }
  if (tree.trace.metadata.source_project_id !== projectId) throw notFound;
  return tree;
}
