/**
 * Wire schemas for evaluation rules: which traces (a filter and a sampling rate) which
 * evaluators score as they arrive. Reference: docs/evaluators.md.
 */
import { z } from 'zod';

/** POST /v1/rules. */
export const RuleCreate = z
  .object({
    name: z.string().min(1).max(128),
    filter: z.string().max(4000).default('').meta({ description: "Traces to evaluate, in the filter language ('' = every trace)" }),
    sampling_rate: z.number().min(0).max(1).default(1).meta({ description: 'Share of matching traces to evaluate, decided per trace (the same trace always gets the same answer)' }),
    evaluator_ids: z.array(z.string().min(1).max(64)).max(20).default([]).meta({ description: 'Evaluators to run on matching traces (at least one, unless add_to_dataset is set)' }),
    add_to_dataset: z.string().min(1).max(200).nullable().optional().meta({ description: 'Action: add matching traces to this dataset (id or name) as examples as they complete, each trace once' }),
    active: z.boolean().default(true),
  })
  .strict()
  .refine((r) => r.evaluator_ids.length > 0 || !!r.add_to_dataset, { path: ['evaluator_ids'], message: 'give at least one evaluator, or add_to_dataset' })
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
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Rule' });
export type RuleOut = z.infer<typeof RuleOut>;
