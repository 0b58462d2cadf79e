/**
 * Builds the TraceTree that GET /v1/traces/:id returns for a tau-bench conversation,
 * without a running Loupe: the same spans `scripts/demo/taubench.ts` posts, rolled up the
 * way the indexer does (test/taubench-tree.test.ts checks it against the real API).
 * Used by the renderer's golden tests and by bench/trajectory-size.ts.
 */
import type { TraceTree } from '../../schema/wire/trace.ts';
import type { SpanOut } from '../../schema/wire/span.ts';
import type { FeedbackOut } from '../../schema/wire/feedback.ts';
import { previewOf } from '../../workers/store/text.ts';
import { taubenchToTrace, type DemoSpan, type TauBenchItem } from './taubench.ts';

/** A fixed load time, so trees (and golden files) are the same on every run. */
export const FIXED_NOW = Date.parse('2026-02-01T00:00:00.000Z');

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

function spanOut(s: DemoSpan): SpanOut {
  const out: SpanOut = {
    id: s.id,
    trace_id: s.trace_id,
    parent_id: s.parent_id,
    name: s.name,
    kind: s.kind as SpanOut['kind'],
    start_time: iso(s.start_time),
    end_time: iso(s.end_time),
    latency_ms: s.end_time - s.start_time,
    status: s.status === 'ok' || s.status === 'error' ? s.status : 'unset',
    error: s.error ?? null,
    model: s.model ?? null,
    usage: { input_tokens: null, output_tokens: null, total_tokens: null, cost_usd: null },
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
 * The tree of conversation `index` of `count` (as the demo loader places it) loaded at
 * `now`. Feedback timestamps are `now`.
 */
export function taubenchTree(item: TauBenchItem, index: number, count: number, now = FIXED_NOW): TraceTree {
  const { spans, feedback } = taubenchToTrace(item, index, count, now);
  const root = spans.find((s) => s.parent_id === null)!;
  // The store orders spans by start time, then depth-first from the root; the demo's
  // children all hang off the root in start order already.
  const children = spans.filter((s) => s !== root).sort((a, b) => a.start_time - b.start_time);
  const start = Math.min(...spans.map((s) => s.start_time));
  const end = Math.max(...spans.map((s) => s.end_time));
  const feedbackOut: FeedbackOut[] = feedback.map((f) => ({
    id: f.id,
    trace_id: f.trace_id,
    span_id: null,
    key: f.key,
    score: f.score,
    value: null,
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
      name: root.name,
      start_time: iso(start),
      end_time: iso(end),
      latency_ms: root.end_time - root.start_time,
      span_count: spans.length,
      status: spans.some((s) => s.status === 'error') ? 'error' : 'ok',
      usage: { input_tokens: null, output_tokens: null, total_tokens: null, cost_usd: null },
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

/** Every conversation as a tree, in file order (pass the parsed demo/taubench-airline.json). */
export function taubenchTrees(items: TauBenchItem[], now = FIXED_NOW): TraceTree[] {
  return items.map((item, i) => taubenchTree(item, i, items.length, now));
}
