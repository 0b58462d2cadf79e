/** Trace list and trace tree responses. */
import { z } from 'zod';
import { SpanOut, SPAN_STATUSES } from './span.ts';
import { FeedbackOut, FeedbackSummary } from './feedback.ts';

/** A trace with its roll-ups, as listed by GET /v1/traces. */
export const TraceOut = z
  .object({
    id: z.string(),
    root_span_id: z.string().nullable(),
    name: z.string().nullable(),
    start_time: z.string().nullable(),
    end_time: z.string().nullable(),
    latency_ms: z.number().nullable(),
    span_count: z.number(),
    status: z.enum(SPAN_STATUSES),
    usage: z.object({
      input_tokens: z.number().nullable(),
      output_tokens: z.number().nullable(),
      total_tokens: z.number().nullable(),
      cost_usd: z.number().nullable(),
    }),
    environment: z.string().nullable(),
    release: z.string().nullable(),
    session_id: z.string().nullable(),
    user_id: z.string().nullable(),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    input_preview: z.string().nullable(),
    output_preview: z.string().nullable(),
    feedback: FeedbackSummary,
  })
  .meta({ id: 'Trace' });
export type TraceOut = z.infer<typeof TraceOut>;

/** GET /v1/traces */
export const TraceList = z
  .object({ traces: z.array(TraceOut), next_cursor: z.string().nullable() })
  .meta({ id: 'TraceList' });
export type TraceList = z.infer<typeof TraceList>;

/** GET /v1/traces/:id */
export const TraceTree = z
  .object({ trace: TraceOut, spans: z.array(SpanOut), feedback: z.array(FeedbackOut) })
  .meta({ id: 'TraceTree' });
export type TraceTree = z.infer<typeof TraceTree>;

/** GET /v1/spans */
export const SpanList = z
  .object({ spans: z.array(SpanOut), next_cursor: z.string().nullable() })
  .meta({ id: 'SpanList' });
export type SpanList = z.infer<typeof SpanList>;
