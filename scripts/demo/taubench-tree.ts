/**
 * Builds the TraceTree that GET /v1/traces/:id returns, in memory and without a running
 * Loupe: native spans rolled up the way the indexer does (test/taubench-tree.test.ts
 * checks a tau-bench conversation against the real API). Used by the renderer's golden
 * tests, the evaluator check tests and bench/trajectory-size.ts.
 */
import type { TraceTree } from '../../schema/wire/trace.ts';
import type { NormalizedSpan, SpanOut } from '../../schema/wire/span.ts';
import type { FeedbackOut } from '../../schema/wire/feedback.ts';
import { previewOf } from '../../workers/store/text.ts';
import { taubenchToTrace, type DemoFeedback, type TauBenchItem } from './taubench.ts';

/** A fixed load time, so trees (and golden files) are the same on every run. */
export const FIXED_NOW = Date.parse('2026-02-01T00:00:00.000Z');


const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

function spanOut(s: NormalizedSpan): SpanOut {
  const out: SpanOut = {
    id: s.id,
    trace_id: s.trace_id,
    parent_id: s.parent_id ?? null,
    name: s.name ?? null,
    kind: s.kind ?? 'other',
    start_time: iso(s.start_time),
    end_time: iso(s.end_time),
    latency_ms: s.end_time != null && s.start_time != null ? s.end_time - s.start_time : null,
    status: s.status === 'ok' || s.status === 'error' ? s.status : 'unset',
    error: s.error ?? null,
    model: s.model ?? null,
    usage: {
      input_tokens: s.usage?.input_tokens ?? null,
      output_tokens: s.usage?.output_tokens ?? null,
      total_tokens: s.usage?.total_tokens ?? null,
      cost_usd: s.usage?.cost_usd ?? null,
    },
    tags: s.tags ?? [],
    metadata: s.metadata ?? {},
    environment: s.environment ?? null,
    release: s.release ?? null,
    session_id: s.session_id ?? null,
    user_id: s.user_id ?? null,
  };
  if (s.input !== undefined) out.input = s.input;
  if (s.output !== undefined) out.output = s.output;
  return out;
}

/**
 * The tree of one trace's native spans, validated as the indexer reads them (times in
 * epoch ms, schema/wire/span.ts NormalizedSpan) (root first, then children by start time: the order the
 * store returns for a root with direct children) and its feedback, stamped at `now`.
 */
export function treeFromSpans(spans: NormalizedSpan[], feedback: DemoFeedback[] = [], now = FIXED_NOW): TraceTree {
  const root = spans.find((s) => !s.parent_id)!;
  const children = spans.filter((s) => s !== root).sort((a, b) => (a.start_time ?? 0) - (b.start_time ?? 0));
  const starts = spans.map((s) => s.start_time).filter((t): t is number => t != null);
  const ends = spans.map((s) => s.end_time).filter((t): t is number => t != null);
  // Usage sums the llm/embedding spans when any report it, else all spans (as the indexer).
  const usageSpans = spans.some((s) => (s.kind === 'llm' || s.kind === 'embedding') && s.usage) ? spans.filter((s) => s.kind === 'llm' || s.kind === 'embedding') : spans;
  const sum = (k: 'input_tokens' | 'output_tokens' | 'total_tokens' | 'cost_usd') =>
    usageSpans.some((s) => s.usage?.[k] != null) ? usageSpans.reduce((a, s) => a + (s.usage?.[k] ?? 0), 0) : null;
  const feedbackOut: FeedbackOut[] = feedback.map((f) => ({
    id: f.id,
    trace_id: f.trace_id,
    span_id: null,
    key: f.key,
    score: f.score,
    value: f.value ?? null,
    comment: f.comment ?? null,
    correction: null,
    source: f.source,
    author: null,
    evaluator_id: null,
    evaluator_version: null,
    queue_id: null,
    metadata: {},
    created_at: iso(now)!,
    updated_at: iso(now)!,
  }));
  const summary: Record<string, { avg: number | null; count: number }> = {};
  for (const f of feedback) {
    const k = (summary[f.key] ??= { avg: 0, count: 0 });
    k.avg = ((k.avg ?? 0) * k.count + f.score) / (k.count + 1);
    k.count++;
  }
  return {
    trace: {
      id: root.trace_id,
      root_span_id: root.id,
      name: root.name ?? null,
      start_time: iso(starts.length ? Math.min(...starts) : null),
      end_time: iso(ends.length ? Math.max(...ends) : null),
      latency_ms: root.end_time != null && root.start_time != null ? root.end_time - root.start_time : null,
      span_count: spans.length,
      status: spans.some((s) => s.status === 'error') ? 'error' : root.end_time != null ? 'ok' : 'unset',
      usage: { input_tokens: sum('input_tokens'), output_tokens: sum('output_tokens'), total_tokens: sum('total_tokens'), cost_usd: sum('cost_usd') },
      environment: root.environment ?? null,
      release: root.release ?? null,
      session_id: root.session_id ?? null,
      user_id: root.user_id ?? null,
      tags: root.tags ?? [],
      metadata: root.metadata ?? {},
      input_preview: previewOf(root.input),
      output_preview: previewOf(root.output),
      feedback: summary,
    },
    spans: [root, ...children].map(spanOut),
    feedback: feedbackOut,
  };
}

/**
 * The tree of conversation `index` of `count` (as the demo loader places it) loaded at
 * `now`. Feedback timestamps are `now`.
 */
export function taubenchTree(item: TauBenchItem, index: number, count: number, now = FIXED_NOW): TraceTree {
  const { spans, feedback } = taubenchToTrace(item, index, count, now);
  return treeFromSpans(spans, feedback, now);
}

/** Every conversation as a tree, in file order (pass the parsed demo/taubench-airline.json). */
export function taubenchTrees(items: TauBenchItem[], now = FIXED_NOW): TraceTree[] {
  return items.map((item, i) => taubenchTree(item, i, items.length, now));
}
