/** D1 rows of the trace store and their wire form (field names as on input, RFC 3339 times). */
import { formatTimestamp } from '../../schema/wire/time.ts';
import type { SpanKind, SpanOut } from '../../schema/wire/span.ts';
import type { TraceOut } from '../../schema/wire/trace.ts';
import type { FeedbackOut } from '../../schema/wire/feedback.ts';

export interface TraceRow {
  trace_id: string;
  root_span_id: string | null;
  name: string | null;
  start_time: number | null;
  end_time: number | null;
  duration_ms: number | null;
  span_count: number;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cost_usd: number | null;
  has_error: number;
  root_ended: number;
  environment: string | null;
  release: string | null;
  session_id: string | null;
  user_id: string | null;
  tags: string | null;
  metadata: string | null;
  input_preview: string | null;
  output_preview: string | null;
  /** JSON object key -> {avg, count}, from the feedback sub-select. */
  feedback_summary?: string | null;
}

export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  name: string | null;
  kind: string | null;
  status: string | null;
  error: string | null;
  start_time: number | null;
  end_time: number | null;
  duration_ms: number | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cost_usd: number | null;
  tags: string | null;
  metadata: string | null;
  environment: string | null;
  release: string | null;
  session_id: string | null;
  user_id: string | null;
  input_preview: string | null;
  output_preview: string | null;
  input_ref: string | null;
  output_ref: string | null;
}

export interface FeedbackRow {
  id: string;
  trace_id: string;
  span_id: string | null;
  key: string;
  score: number | null;
  value: string | null;
  comment: string | null;
  correction: string | null;
  source: string;
  author: string | null;
  evaluator_id: string | null;
  evaluator_version: number | null;
  queue_id: string | null;
  metadata: string | null;
  created_at: number;
  updated_at: number;
}

const json = <T>(text: string | null | undefined, fallback: T): T => (text ? (JSON.parse(text) as T) : fallback);

/** A traces row as the API shows it. */
export function traceOut(row: TraceRow): TraceOut {
  return {
    id: row.trace_id,
    root_span_id: row.root_span_id,
    name: row.name,
    start_time: formatTimestamp(row.start_time),
    end_time: formatTimestamp(row.end_time),
    latency_ms: row.duration_ms,
    span_count: row.span_count,
    status: row.has_error ? 'error' : row.root_ended ? 'ok' : 'unset',
    usage: { input_tokens: row.input_tokens, output_tokens: row.output_tokens, total_tokens: row.total_tokens, cost_usd: row.cost_usd },
    environment: row.environment,
    release: row.release,
    session_id: row.session_id,
    user_id: row.user_id,
    tags: json(row.tags, []),
    metadata: json(row.metadata, {}),
    input_preview: row.input_preview,
    output_preview: row.output_preview,
    feedback: json(row.feedback_summary, {}),
  };
}

/** A spans row as the API shows it; payloads are attached by the caller when loaded. */
export function spanOut(row: SpanRow, payload?: { input?: unknown; output?: unknown }): SpanOut {
  const out: SpanOut = {
    id: row.span_id,
    trace_id: row.trace_id,
    parent_id: row.parent_id,
    name: row.name,
    kind: (row.kind ?? 'other') as SpanKind,
    start_time: formatTimestamp(row.start_time),
    end_time: formatTimestamp(row.end_time),
    latency_ms: row.duration_ms,
    status: row.status === 'ok' || row.status === 'error' ? row.status : 'unset',
    error: row.error,
    model: row.model,
    usage: { input_tokens: row.input_tokens, output_tokens: row.output_tokens, total_tokens: row.total_tokens, cost_usd: row.cost_usd },
    tags: json(row.tags, []),
    metadata: json(row.metadata, {}),
    environment: row.environment,
    release: row.release,
    session_id: row.session_id,
    user_id: row.user_id,
  };
  if (payload) {
    if (payload.input !== undefined) out.input = payload.input;
    if (payload.output !== undefined) out.output = payload.output;
  } else {
    out.input_preview = row.input_preview;
    out.output_preview = row.output_preview;
  }
  return out;
}

/** A feedback row as the API shows it. */
export function feedbackOut(row: FeedbackRow): FeedbackOut {
  return {
    id: row.id,
    trace_id: row.trace_id,
    span_id: row.span_id,
    key: row.key,
    score: row.score,
    value: json(row.value, null),
    comment: row.comment,
    correction: json(row.correction, null),
    source: row.source,
    author: row.author,
    evaluator_id: row.evaluator_id,
    evaluator_version: row.evaluator_version,
    queue_id: row.queue_id,
    metadata: json(row.metadata, {}),
    created_at: formatTimestamp(row.created_at)!,
    updated_at: formatTimestamp(row.updated_at)!,
  };
}
