/**
 * Threads: the traces that share a `session_id`, read as one conversation (one trace per
 * turn). Reference: docs/threads.md.
 */
import { z } from 'zod';
import { ListQuery } from './query.ts';
import { FeedbackOut, FeedbackSummary } from './feedback.ts';
import { SPAN_STATUSES } from './span.ts';

/** A thread id: the `session_id` its traces carry (the same limit as on ingest). */
export const ThreadId = z.string().min(1).max(256);

/** GET /v1/threads parameters: the trace list's filter and range, matched against a thread's traces. */
export const ThreadListQuery = ListQuery;

/** A thread's roll-ups over all of its traces. */
export const ThreadOut = z
  .object({
    thread_id: z.string(),
    trace_count: z.number(),
    first_start: z.string().nullable(),
    last_start: z.string().nullable(),
    /** From the first trace's start to the latest end (or start) of any trace. */
    duration_ms: z.number().nullable(),
    total_tokens: z.number().nullable(),
    cost_usd: z.number().nullable(),
    error_count: z.number(),
    user_id: z.string().nullable(),
    name: z.string().nullable().meta({ description: "The first trace's name" }),
    first_input_preview: z.string().nullable(),
    last_output_preview: z.string().nullable(),
    feedback: FeedbackSummary,
  })
  .meta({ id: 'Thread' });
export type ThreadOut = z.infer<typeof ThreadOut>;

/** GET /v1/threads */
export const ThreadList = z.object({ threads: z.array(ThreadOut), next_cursor: z.string().nullable() }).meta({ id: 'ThreadList' });
export type ThreadList = z.infer<typeof ThreadList>;

/** One turn of a thread: one trace. */
export const ThreadTurn = z
  .object({
    trace_id: z.string(),
    start_time: z.string().nullable(),
    name: z.string().nullable(),
    input_preview: z.string().nullable(),
    output_preview: z.string().nullable(),
    status: z.enum(SPAN_STATUSES),
    has_error: z.boolean(),
    duration_ms: z.number().nullable(),
    total_tokens: z.number().nullable(),
    cost_usd: z.number().nullable(),
    feedback: FeedbackSummary,
  })
  .meta({ id: 'ThreadTurn' });
export type ThreadTurn = z.infer<typeof ThreadTurn>;

/** Most turns GET /v1/threads/{id} returns (the first ones, in time order); `trace_count` counts them all. */
export const MAX_THREAD_TURNS = 1000;

/** GET /v1/threads/{id} */
export const ThreadDetail = ThreadOut.extend({
  turns: z.array(ThreadTurn).meta({ description: `The turns in time order (at most ${MAX_THREAD_TURNS}; trace_count counts them all)` }),
  thread_feedback: z.array(FeedbackOut).meta({ description: 'Feedback about the whole thread (from thread evaluators: metadata.thread_id), newest first' }),
}).meta({ id: 'ThreadDetail' });
export type ThreadDetail = z.infer<typeof ThreadDetail>;
