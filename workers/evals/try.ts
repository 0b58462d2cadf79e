/**
 * Try it: run an evaluator (saved, any version, or an unsaved draft) on a few chosen
 * traces and answer the results, storing nothing: no feedback, no run log, no judge
 * traces. Judge calls still count toward the daily spend cap, since they cost money.
 */
import type { TryResult } from '../../schema/wire/runs.ts';
import type { TraceTree } from '../../schema/wire/trace.ts';
import { getTrace } from '../store/trace-query.ts';
import { ApiError } from '../platform/errors.ts';
import { INTERACTIVE_POLICY } from '../platform/outbound.ts';
import { RunContext, evaluate, targetSpanIds } from './run.ts';
import type { EvaluatorVersion } from './evaluators.ts';
import { examplesOfTraces } from './examples.ts';

/** Span-targeted evaluators score at most this many spans per trace in try-it. */
const TRY_SPANS_PER_TRACE = 10;

/** Runs `evaluator` on each trace; traces run one after another so a rate limit is met once. */
export async function tryEvaluator(env: Env, projectId: string, evaluator: EvaluatorVersion, traceIds: string[]): Promise<TryResult[]> {
  const ctx = new RunContext(env, projectId, INTERACTIVE_POLICY);
  const results: TryResult[] = [];
  for (const traceId of traceIds) {
    let tree: TraceTree;
    try {
      tree = await getTrace(env, projectId, traceId);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        results.push({ trace_id: traceId, span_id: null, score: null, value: null, comment: null, error_code: 'trace_not_found', error: `trace '${traceId}' not found in this project`, duration_ms: 0 });
        continue;
      }
      throw err;
    }
    const example = (await examplesOfTraces(env, projectId, [traceId])).get(traceId) ?? null;
    const spanIds = evaluator.target.type === 'span' ? (await targetSpanIds(env, projectId, evaluator, tree)).slice(0, TRY_SPANS_PER_TRACE) : [null];
    if (!spanIds.length) {
      results.push({ trace_id: traceId, span_id: null, score: null, value: null, comment: null, error_code: 'no_matching_span', error: 'no span of this trace matches the target filter', duration_ms: 0 });
    }
    for (const spanId of spanIds) {
      const span = spanId ? (tree.spans.find((s) => s.id === spanId) ?? null) : null;
      const e = await evaluate(ctx, evaluator, { tree, span, example }, `try:${traceId}:${spanId ?? ''}`);
      const x = e.exchange;
      results.push({
        trace_id: traceId,
        span_id: spanId,
        score: e.verdict?.score ?? null,
        value: e.verdict?.value ?? null,
        comment: e.verdict?.comment ?? null,
        error_code: e.error?.code ?? null,
        error: e.error?.message ?? null,
        duration_ms: e.durationMs,
        ...(x ? { judge: { provider: x.provider, model: x.model, messages: x.messages, raw: x.raw, usage: x.usage, cost_usd: x.cost_usd } } : {}),
      });
    }
  }
  return results;
}
