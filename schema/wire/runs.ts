/**
 * Wire schemas for what evaluation does: a rule's runs (online, backfills) with their
 * counters and per-job log, and try-it (an evaluator run on a few traces, answered at
 * once). Reference: docs/evaluators.md.
 */
import { z } from 'zod';
import { EvaluatorCreate } from './evaluators.ts';

// ---------------------------------------------------------------------------------------
// Runs and the run log
// ---------------------------------------------------------------------------------------

/** Counters of a run: traces matched and sampled, jobs queued / scored / failed / skipped. */
export const RunCounts = z
  .object({ matched: z.number(), sampled: z.number(), queued: z.number(), scored: z.number(), failed: z.number(), skipped: z.number() })
  .meta({ id: 'RunCounts' });

/** A run of a rule: `online` or a backfill. */
export const RunOut = z
  .object({
    id: z.string(),
    rule_id: z.string(),
    kind: z.enum(['online', 'backfill']),
    from: z.string().nullable(),
    to: z.string().nullable(),
    status: z.string().meta({ description: 'online: `active`/`paused`; backfill: `scanning`, `running` (scanned, jobs pending), `done`, `failed`' }),
    scanned: z.number(),
    counts: RunCounts,
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Run' });
export type RunOut = z.infer<typeof RunOut>;

/** POST /v1/rules/{id}/backfill. */
export const BackfillCreate = z
  .object({
    from: z.union([z.string(), z.number()]).meta({ description: 'RFC 3339 or epoch ms: traces starting at or after' }),
    to: z.union([z.string(), z.number()]).optional().meta({ description: 'RFC 3339 or epoch ms: traces starting before (default now)' }),
    max_traces: z.number().int().min(1).max(100_000).default(10_000),
    rescore: z.boolean().default(false).meta({ description: 'Score again traces this evaluator version already scored (by default they are skipped, so an overlap with online matching is not paid twice)' }),
  })
  .strict()
  .meta({ id: 'BackfillCreate' });

/** One job of the run log. */
export const RunResultOut = z
  .object({
    trace_id: z.string(),
    span_id: z.string().nullable(),
    evaluator_id: z.string(),
    evaluator_version: z.number().nullable(),
    status: z.enum(['queued', 'scored', 'failed', 'skipped', 'expanded']),
    score: z.number().nullable(),
    value: z.unknown().nullable(),
    error_code: z.string().nullable(),
    error: z.string().nullable(),
    attempts: z.number(),
    feedback_id: z.string().nullable(),
    judge_trace_id: z.string().nullable(),
    duration_ms: z.number().nullable(),
    cost_usd: z.number().nullable(),
    updated_at: z.string(),
  })
  .meta({ id: 'RunResult' });
export type RunResultOut = z.infer<typeof RunResultOut>;

// ---------------------------------------------------------------------------------------
// Try it
// ---------------------------------------------------------------------------------------

/** Most traces one try-it call runs on (it answers synchronously). */
export const MAX_TRY_TRACES = 10;

/** POST /v1/evaluators/try: an unsaved definition or a saved evaluator (optionally a version). */
export const TryIn = z
  .object({
    evaluator: EvaluatorCreate.optional().meta({ description: 'An unsaved definition (same body as POST /v1/evaluators)' }),
    evaluator_id: z.string().min(1).max(64).optional(),
    version: z.number().int().positive().optional(),
    trace_ids: z.array(z.string().min(1).max(128)).min(1).max(MAX_TRY_TRACES),
  })
  .strict()
  .refine((b) => (b.evaluator === undefined) !== (b.evaluator_id === undefined), { message: 'give exactly one of evaluator or evaluator_id', path: ['evaluator'] })
  .meta({ id: 'TryIn' });

/** What the judge saw and said (try-it only). */
export const JudgeExchange = z
  .object({
    provider: z.string(),
    model: z.string(),
    messages: z.array(z.object({ role: z.string(), content: z.string() })),
    raw: z.string().nullable().meta({ description: "The provider's answer text (or tool input) before validation" }),
    usage: z.object({ input_tokens: z.number().nullable(), output_tokens: z.number().nullable() }),
    cost_usd: z.number().nullable(),
  })
  .meta({ id: 'JudgeExchange' });
export type JudgeExchange = z.infer<typeof JudgeExchange>;

/** One try-it result: a score, or an error (never both). */
export const TryResult = z
  .object({
    trace_id: z.string(),
    span_id: z.string().nullable(),
    score: z.number().nullable(),
    value: z.unknown().nullable(),
    comment: z.string().nullable(),
    error_code: z.string().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number(),
    judge: JudgeExchange.optional(),
  })
  .meta({ id: 'TryResult' });
export type TryResult = z.infer<typeof TryResult>;
