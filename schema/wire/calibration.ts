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

/** The metrics a gate can compare on (higher is better for each). */
export const GateMetric = z.enum(['accuracy', 'kappa', 'spearman', 'within_tolerance']);
export type GateMetric = z.infer<typeof GateMetric>;

/** Most items one alignment runs on (see `limit`). */
export const MAX_ALIGN_ITEMS = 250;

/** POST /v1/evaluators/{id}/align: measure a draft (or a saved version) against people without writing scores. */
export const AlignIn = z
  .object({
    draft: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Changes to try, as the PATCH /v1/evaluators/{id} body (e.g. {"config": {"prompt": {"user": "..."}}} or {"config": {"model": "..."}})' }),
    version: z.number().int().positive().optional().meta({ description: "A saved version to measure instead of a draft; with a gate on the evaluator, the result decides whether rules switch to it" }),
    // Workers: 1,000 D1 queries and 1,000 subrequests per request on the paid plan; each judge
    // call is one fetch plus one spend reservation, and the current version may be rerun too.
    limit: z.number().int().min(1).max(MAX_ALIGN_ITEMS).default(200).meta({ description: `Most human-labelled items to run on (the newest; at most ${MAX_ALIGN_ITEMS})` }),
    human_key: z.string().min(1).max(200).optional(),
    type: LabelType.optional(),
    threshold: z.number().finite().optional(),
    tolerance: z.number().finite().min(0).optional(),
    changed: z.number().int().min(0).max(MAX_ALIGN_ITEMS).default(50).meta({ description: 'How many changed verdicts to list' }),
  })
  .strict()
  .meta({ id: 'EvaluatorAlignIn' });

const AlignErrors = z.object({
  count: z.number(),
  by_code: z.record(z.string(), z.number()),
  examples: z.array(z.object({ trace_id: z.string(), span_id: z.string().nullable(), error_code: z.string(), error: z.string() })),
});

const GateDecision = z
  .object({
    action: z.enum(['promoted', 'blocked', 'unchanged']),
    metric: GateMetric,
    live_version: z.number(),
    candidate_version: z.number(),
    live_value: z.number().nullable(),
    candidate_value: z.number().nullable(),
    min_value: z.number().nullable(),
    reason: z.string(),
  })
  .meta({ id: 'EvaluatorGateDecision' });

export const AlignOut = z
  .object({
    evaluator_id: z.string(),
    type: LabelType,
    human_key: z.string(),
    items: z.number().meta({ description: 'Human-labelled items the run covered' }),
    current: z.object({ version: z.number(), stats: AgreementStats, rerun: z.number().meta({ description: 'Items the current version had not scored, run now (not written)' }), errors: AlignErrors }),
    draft: z.object({ version: z.number().nullable().meta({ description: 'null for an unsaved draft' }), stats: AgreementStats, errors: AlignErrors }),
    changed: z.array(
      z.object({
        trace_id: z.string(),
        span_id: z.string().nullable(),
        human: z.unknown(),
        current: z.object({ label: z.unknown(), reasoning: z.string().nullable() }),
        draft: z.object({ label: z.unknown(), reasoning: z.string().nullable() }),
        now_agrees: z.boolean().meta({ description: 'The draft agrees with people where the current version did not' }),
        link: z.string(),
      }),
    ),
    changed_count: z.number(),
    gate: GateDecision.nullable(),
  })
  .meta({ id: 'EvaluatorAlignment' });
export type AlignOut = z.infer<typeof AlignOut>;
export type GateDecision = z.infer<typeof GateDecision>;

/** PUT /v1/evaluators/{id}/gate: gate the evaluator's rules on agreement. */
export const GateIn = z
  .object({
    metric: GateMetric.optional().meta({ description: 'Compared metric (default accuracy; within_tolerance for numeric)' }),
    min_value: z.number().finite().nullish().meta({ description: 'A version measured at or above this passes even if below the live one' }),
  })
  .strict()
  .meta({ id: 'EvaluatorGateIn' });

/** POST /v1/evaluators/{id}/gate/override: an owner switches rules to a version regardless, with a reason kept. */
export const GateOverride = z
  .object({ version: z.number().int().positive(), reason: z.string().trim().min(1, 'a reason is required').max(2000) })
  .strict()
  .meta({ id: 'EvaluatorGateOverride' });

export const GateEvent = z.object({
  action: z.enum(['promoted', 'blocked', 'override']),
  from_version: z.number(),
  version: z.number(),
  metric: z.string(),
  live_value: z.number().nullable(),
  candidate_value: z.number().nullable(),
  n: z.number().nullable(),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  at: z.string(),
});

export const GateOut = z
  .object({
    evaluator_id: z.string(),
    metric: GateMetric,
    min_value: z.number().nullable(),
    live_version: z.number().meta({ description: 'The version rules run' }),
    newest_version: z.number(),
    events: z.array(GateEvent),
  })
  .meta({ id: 'EvaluatorGate' });
export type GateOut = z.infer<typeof GateOut>;
