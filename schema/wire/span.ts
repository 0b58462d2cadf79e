/**
 * The native span: what agents POST to /v1/spans, what every other ingest format
 * (OTLP, LangSmith runs) is normalized into, and what GET /v1/traces/:id returns.
 */
import { z } from 'zod';
import { Timestamp } from './time.ts';

/** What a span is. Filters and evaluators key on this. */
export const SPAN_KINDS = ['agent', 'chain', 'llm', 'tool', 'retriever', 'embedding', 'guardrail', 'evaluator', 'other'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

/** ok, error, or unset (still running or not reported). */
export const SPAN_STATUSES = ['ok', 'error', 'unset'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

/** Longest id (span, trace, parent) accepted: OTLP hex ids are 16/32 chars, UUIDs 36. */
export const MAX_ID_LENGTH = 128;
/** Deepest JSON nesting accepted in input/output/metadata; deeper is almost surely a bug or an attack. */
export const MAX_JSON_DEPTH = 64;

const Id = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Token usage and cost of an LLM or embedding call. */
export const Usage = z
  .object({
    input_tokens: z.number().int().nonnegative().nullish(),
    output_tokens: z.number().int().nonnegative().nullish(),
    total_tokens: z.number().int().nonnegative().nullish(),
    cost_usd: z.number().nonnegative().nullish(),
  })
  .strict()
  .meta({ id: 'Usage' });
export type Usage = z.infer<typeof Usage>;

/** Any JSON value. */
const Json = z.unknown();

/**
 * A span as posted. Only `id` and `trace_id` are required, so the same span can be
 * posted at its start (name, kind, start_time, input) and again at its end (end_time,
 * output, status, usage): later posts merge into earlier ones.
 */
export const SpanIn = z
  .object({
    id: Id.meta({ description: 'Client-made span id, unique within the trace' }),
    trace_id: Id.meta({ description: 'Client-made trace id; every span of one trace shares it' }),
    parent_id: Id.nullish().meta({ description: 'The parent span id; null or absent for the root' }),
    name: z.string().min(1).max(512).optional(),
    kind: z.enum(SPAN_KINDS).optional(),
    start_time: Timestamp.optional(),
    end_time: Timestamp.optional(),
    status: z.enum(SPAN_STATUSES).optional(),
    error: z.string().max(65536).nullish(),
    input: Json.optional(),
    output: Json.optional(),
    model: z.string().max(256).nullish(),
    usage: Usage.nullish(),
    tags: z.array(z.string().min(1).max(256)).max(64).optional(),
    metadata: z.record(z.string(), Json).optional(),
    environment: z.string().min(1).max(64).nullish(),
    release: z.string().min(1).max(128).nullish(),
    session_id: z.string().min(1).max(256).nullish(),
    user_id: z.string().min(1).max(256).nullish(),
  })
  .strict()
  .meta({ id: 'SpanIn', description: 'A span as an agent posts it' });
export type SpanIn = z.input<typeof SpanIn>;

/** The POST /v1/spans body. */
export const SpanBatchIn = z
  .object({ spans: z.array(z.unknown()).min(1, 'must contain at least one span') })
  .strict()
  .meta({ id: 'SpanBatchIn', example: { spans: [{ id: 's1', trace_id: 't1', name: 'agent', kind: 'agent', start_time: '2026-01-31T12:00:00Z', input: 'hi' }] } });

/**
 * A span after validation: times in epoch ms, `status: unset` dropped (so a later
 * post's status is not overwritten by an earlier "unset"), absent fields omitted.
 * This is what the R2 batch objects hold, one per NDJSON line.
 */
export interface NormalizedSpan {
  id: string;
  trace_id: string;
  parent_id?: string | null;
  name?: string;
  kind?: SpanKind;
  start_time?: number;
  end_time?: number;
  status?: 'ok' | 'error';
  error?: string | null;
  input?: unknown;
  output?: unknown;
  model?: string | null;
  usage?: Usage | null;
  tags?: string[];
  metadata?: Record<string, unknown>;
  environment?: string | null;
  release?: string | null;
  session_id?: string | null;
  user_id?: string | null;
}

/** A span as GET /v1/traces/:id returns it (field names as on input, times as RFC 3339). */
export const SpanOut = z
  .object({
    id: z.string(),
    trace_id: z.string(),
    parent_id: z.string().nullable(),
    name: z.string().nullable(),
    kind: z.enum(SPAN_KINDS),
    start_time: z.string().nullable(),
    end_time: z.string().nullable(),
    latency_ms: z.number().nullable(),
    status: z.enum(SPAN_STATUSES),
    error: z.string().nullable(),
    input: Json.optional(),
    output: Json.optional(),
    input_preview: z.string().nullable().optional(),
    output_preview: z.string().nullable().optional(),
    model: z.string().nullable(),
    usage: z.object({
      input_tokens: z.number().nullable(),
      output_tokens: z.number().nullable(),
      total_tokens: z.number().nullable(),
      cost_usd: z.number().nullable(),
    }),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), Json),
    environment: z.string().nullable(),
    release: z.string().nullable(),
    session_id: z.string().nullable(),
    user_id: z.string().nullable(),
  })
  .meta({ id: 'Span' });
export type SpanOut = z.infer<typeof SpanOut>;
