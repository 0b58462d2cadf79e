/**
 * Feedback: end-user thumbs, scores, corrections and comments on a trace or a span.
 * Evaluators and reviewers write the same rows (source `evaluator` / `human`).
 */
import { z } from 'zod';

/** Who produced a feedback row. */
export const FeedbackSource = z.enum(['api', 'user', 'human', 'evaluator', 'sdk']);

/** Feedback keys: short identifiers, usable in filters as `feedback.<key>`. */
export const FeedbackKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'must use only letters, digits and _ . : -');

/** POST /v1/feedback. Send `id` to make retries update one row instead of adding rows. */
export const FeedbackIn = z
  .object({
    id: z.string().min(1).max(128).optional().meta({ description: 'Client-made id; repeats with the same id update that row' }),
    trace_id: z.string().min(1).max(128),
    span_id: z.string().min(1).max(128).nullish(),
    key: FeedbackKey,
    score: z.union([z.number(), z.boolean()]).nullish().meta({ description: 'Numeric score; true/false are stored as 1/0' }),
    value: z.unknown().optional().meta({ description: 'Any JSON: a category, a label' }),
    comment: z.string().max(65536).nullish(),
    correction: z.unknown().optional().meta({ description: 'The corrected output (becomes ground truth)' }),
    source: FeedbackSource.default('api'),
    author: z.string().max(256).nullish(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((f) => f.score != null || f.value !== undefined || f.comment != null || f.correction !== undefined, {
    message: 'give at least one of score, value, comment or correction',
    path: ['score'],
  })
  .meta({ id: 'FeedbackIn', example: { trace_id: 't1', key: 'thumbs', score: 0, comment: 'wrong flight' } });
export type FeedbackIn = z.input<typeof FeedbackIn>;

/** A stored feedback row. */
export const FeedbackOut = z
  .object({
    id: z.string(),
    trace_id: z.string(),
    span_id: z.string().nullable(),
    key: z.string(),
    score: z.number().nullable(),
    value: z.unknown().nullable(),
    comment: z.string().nullable(),
    correction: z.unknown().nullable(),
    source: z.string(),
    author: z.string().nullable(),
    evaluator_id: z.string().nullable(),
    evaluator_version: z.number().nullable(),
    queue_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Feedback' });
export type FeedbackOut = z.infer<typeof FeedbackOut>;

/** Per-key summary of a trace's feedback, as shown in trace lists. */
export const FeedbackSummary = z
  .record(z.string(), z.object({ avg: z.number().nullable(), count: z.number(), values: z.array(z.unknown()).optional() }))
  .meta({ id: 'FeedbackSummary', description: 'feedback key -> average score and count' });

/** GET /v1/feedback/keys: every feedback key in use, with counts and average scores. */
export const FeedbackKeyList = z
  .object({ keys: z.array(z.object({ key: z.string(), count: z.number(), avg: z.number().nullable(), sources: z.array(z.string()) })) })
  .meta({ id: 'FeedbackKeyList' });
export type FeedbackKeyList = z.infer<typeof FeedbackKeyList>;
