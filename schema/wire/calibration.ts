/**
 * Calibration: how well an evaluator (judge) agrees with people on the same traces/spans.
 * Statistics and their definitions: docs/calibration.md (maths in workers/stats/agreement.ts).
 */
import { z } from 'zod';

/** What kind of label the pairs are compared as. */
export const LabelType = z.enum(['boolean', 'categorical', 'numeric']);
export type LabelType = z.infer<typeof LabelType>;

/** How an evaluator's key is compared with people's (PUT /v1/evaluators/{id}/agreement/mapping). */
export const CalibrationMapping = z
  .object({
    human_key: z.string().min(1).max(200).meta({ description: 'The human feedback key (source human) compared with the judge key' }),
    type: LabelType.nullish().meta({ description: "Compare as this type (default: the evaluator's output type)" }),
    threshold: z.number().finite().nullish().meta({ description: 'A numeric label >= threshold counts as true in a boolean comparison' }),
    tolerance: z.number().finite().min(0).nullish().meta({ description: 'Numeric: |judge - human| <= tolerance counts as within (default 0.1)' }),
  })
  .strict()
  .meta({ id: 'CalibrationMapping' });
export type CalibrationMapping = z.infer<typeof CalibrationMapping>;
export const CalibrationMappingOut = z
  .object({ evaluator_id: z.string(), human_key: z.string(), type: LabelType.nullable(), threshold: z.number().nullable(), tolerance: z.number().nullable(), updated_at: z.string(), updated_by: z.string().nullable() })
  .meta({ id: 'CalibrationMappingOut' });

/** Query parameters override the stored mapping for one read. */
export const AgreementQuery = z.object({
  human_key: z.string().min(1).max(200).optional().meta({ description: "The human feedback key to compare with (default: the stored mapping, else the evaluator version's key)" }),
  type: LabelType.optional().meta({ description: "Compare as this type (default: the mapping's, else from the evaluator's output)" }),
  threshold: z.coerce.number().finite().optional().meta({ description: 'Boolean comparison of numeric labels: a score >= threshold counts as true' }),
  tolerance: z.coerce.number().finite().min(0).optional().meta({ description: 'Numeric: |judge - human| <= tolerance counts as within (default 0.1)' }),
  version: z.coerce.number().int().positive().optional().meta({ description: 'Only this version' }),
  bucket: z.enum(['day', 'week']).default('day').meta({ description: 'Width of the over-time buckets' }),
  disagreements: z.coerce.number().int().min(0).max(200).default(20).meta({ description: 'How many disagreements to list' }),
});

const Interval = z.object({ low: z.number(), high: z.number() }).nullable();
export const Estimate = z
  .object({ value: z.number().nullable(), n: z.number(), interval: Interval, reason: z.string().optional() })
  .meta({ id: 'AgreementEstimate', description: 'A statistic with its count and 95% interval; null with the reason when undefined' });

export const AgreementStats = z
  .object({
    n: z.number(),
    labels: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    matrix: z.array(z.array(z.number())).optional().meta({ description: 'matrix[i][j]: pairs people labelled labels[i] and the judge labels[j]' }),
    accuracy: Estimate.optional(),
    tpr: Estimate.optional(),
    tnr: Estimate.optional(),
    kappa: Estimate.optional(),
    spearman: Estimate.optional(),
    mae: Estimate.optional(),
    bias: Estimate.optional(),
    within_tolerance: Estimate.optional(),
  })
  .meta({ id: 'AgreementStats' });

export const Disagreement = z.object({
  trace_id: z.string(),
  span_id: z.string().nullable(),
  version: z.number(),
  judge: z.object({ label: z.unknown(), score: z.number().nullable(), reasoning: z.string().nullable(), feedback_id: z.string() }),
  humans: z.array(z.object({ label: z.unknown(), author: z.string().nullable(), comment: z.string().nullable(), queue_id: z.string().nullable(), feedback_id: z.string() })),
  link: z.string().meta({ description: 'The trace in the review UI' }),
});

export const AgreementOut = z
  .object({
    evaluator_id: z.string(),
    judge_key: z.string(),
    human_key: z.string(),
    type: LabelType,
    threshold: z.number().nullable(),
    tolerance: z.number(),
    overall: AgreementStats,
    versions: z.array(z.object({ version: z.number(), key: z.string(), stats: AgreementStats })),
    over_time: z.array(z.object({ start: z.string(), stats: AgreementStats })),
    disagreements: z.array(Disagreement),
    disagreement_count: z.number(),
    unpaired: z.object({ judge: z.number(), human: z.number() }).meta({ description: 'Scores without a human label on the same item, and the reverse' }),
  })
  .meta({ id: 'Agreement' });
export type AgreementOut = z.infer<typeof AgreementOut>;
export type AgreementStats = z.infer<typeof AgreementStats>;
