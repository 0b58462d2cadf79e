/**
 * Wire schemas for evaluation rules: which traces (a filter and a sampling rate) which
 * evaluators score as they arrive. Reference: docs/evaluators.md.
 */
import { z } from 'zod';

/** Longest idle time a thread rule waits for (a week). */
export const MAX_IDLE_MINUTES = 7 * 24 * 60;
/** Idle time of a thread rule that names none. */
export const DEFAULT_IDLE_MINUTES = 30;

const IdleMinutes = z
  .number()
  .int()
  .min(1)
  .max(MAX_IDLE_MINUTES)
  .meta({ description: `Thread rules: minutes without a new turn after which the thread is evaluated (1 to ${MAX_IDLE_MINUTES}; default ${DEFAULT_IDLE_MINUTES})` });

/** POST /v1/rules. */
export const RuleCreate = z
  .object({
    name: z.string().min(1).max(128),
    filter: z.string().max(4000).default('').meta({ description: "Traces to evaluate, in the filter language ('' = every trace)" }),
    sampling_rate: z.number().min(0).max(1).default(1).meta({ description: 'Share of matching traces to evaluate, decided per trace (the same trace always gets the same answer)' }),
    evaluator_ids: z.array(z.string().min(1).max(64)).max(20).default([]).meta({ description: 'Evaluators to run on matching traces (at least one, unless add_to_dataset is set)' }),
    add_to_dataset: z.string().min(1).max(200).nullable().optional().meta({ description: 'Action: add matching traces to this dataset (id or name) as examples as they complete, each trace once' }),
    active: z.boolean().default(true),
    target: z.enum(['trace', 'thread']).default('trace').meta({
      description: '`trace`: each matching trace as it completes. `thread`: each conversation (traces sharing a session_id) with a matching trace, once it has been idle `idle_minutes`; again after new turns. Fixed at creation.',
    }),
    idle_minutes: IdleMinutes.optional(),
  })
  .strict()
  .refine((r) => r.evaluator_ids.length > 0 || !!r.add_to_dataset, { path: ['evaluator_ids'], message: 'give at least one evaluator, or add_to_dataset' })
  .refine((r) => r.target === 'thread' || r.idle_minutes === undefined, { path: ['idle_minutes'], message: "only a rule with target 'thread' waits for idle threads" })
  .refine((r) => r.target === 'trace' || !r.add_to_dataset, { path: ['add_to_dataset'], message: "the dataset action adds traces: it needs target 'trace'" })
  .refine((r) => r.target === 'trace' || r.evaluator_ids.length > 0, { path: ['evaluator_ids'], message: 'a thread rule needs at least one evaluator' })
  .meta({ id: 'RuleCreate', example: { name: 'judge production', filter: 'env=production', sampling_rate: 0.1, evaluator_ids: ['ev_123'] } });

/** PATCH /v1/rules/{id}. */
export const RulePatch = z
  .object({
    name: z.string().min(1).max(128).optional(),
    filter: z.string().max(4000).optional(),
    sampling_rate: z.number().min(0).max(1).optional(),
    evaluator_ids: z.array(z.string().min(1).max(64)).max(20).optional(),
    add_to_dataset: z.string().min(1).max(200).nullable().optional().meta({ description: 'Set or (null) remove the dataset action' }),
    active: z.boolean().optional(),
    idle_minutes: IdleMinutes.optional(),
  })
  .strict()
  .meta({ id: 'RulePatch' });

/** A rule. */
export const RuleOut = z
  .object({
    id: z.string(),
    name: z.string(),
    filter: z.string(),
    sampling_rate: z.number(),
    evaluator_ids: z.array(z.string()),
    add_to_dataset: z.string().nullable().meta({ description: 'The dataset (id) matching traces are added to, or null' }),
    active: z.boolean(),
    target: z.enum(['trace', 'thread']),
    idle_minutes: z.number().nullable().meta({ description: 'Thread rules: minutes a thread must be idle; null for trace rules' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Rule' });
export type RuleOut = z.infer<typeof RuleOut>;
