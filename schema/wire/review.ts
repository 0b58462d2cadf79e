/**
 * Wire schemas for human review: annotation queues with their rubric, routing rules, queue
 * items, claims, reviews, escalation, adjudication, progress and agreement. Also the OpenAPI
 * source for /v1/review-queues. Reference: docs/review-queues.md.
 */
import { z } from 'zod';
import { FeedbackKey } from './feedback.ts';
import { Timestamp } from './time.ts';

/** Roles a queue can ask for (owners and admins may review any queue). */
export const ReviewRole = z.enum(['reviewer', 'domain_expert', 'both']).meta({
  description: 'Who may review: members with the reviewer role (and engineers), domain experts, or both. Owners and admins may review any queue.',
});

/** Keys a rubric may not use: a review's comment and correction are written under them. */
export const RESERVED_RUBRIC_KEYS = ['comment', 'correction'] as const;

const rubricBase = {
  key: FeedbackKey.refine((k) => !(RESERVED_RUBRIC_KEYS as readonly string[]).includes(k), {
    message: `'comment' and 'correction' are reserved: a review's comment and correction are stored under them`,
  }).meta({ description: 'The feedback key the answer is stored under (filter with feedback.<key>)' }),
  label: z.string().min(1).max(200).optional().meta({ description: 'The question as reviewers read it (default: the key)' }),
  description: z.string().max(4000).default('').meta({ description: 'What the values mean, shown beside the question' }),
  required: z.boolean().default(true),
};

/** One categorical option. Digits 1–9 pick options in the review screen, so at most 9. */
export const RubricOption = z
  .object({
    value: z.string().min(1).max(200),
    label: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    score: z.number().optional().meta({ description: 'A number stored as the feedback score when this option is picked' }),
  })
  .strict();

/** A rubric key: boolean, categorical (labelled options), a number in a range, or free text. */
export const RubricKey = z
  .discriminatedUnion('type', [
    z.object({ ...rubricBase, type: z.literal('boolean'), true_label: z.string().min(1).max(100).default('Yes'), false_label: z.string().min(1).max(100).default('No') }).strict(),
    z
      .object({ ...rubricBase, type: z.literal('categorical'), options: z.array(RubricOption).min(2).max(9) })
      .strict()
      .refine((k) => new Set(k.options.map((o) => o.value)).size === k.options.length, { message: 'option values must be distinct', path: ['options'] }),
    z
      .object({ ...rubricBase, type: z.literal('number'), min: z.number(), max: z.number(), step: z.number().positive().optional() })
      .strict()
      .refine((k) => k.max > k.min, { message: 'max must be greater than min', path: ['max'] }),
    z.object({ ...rubricBase, type: z.literal('text'), max_length: z.number().int().min(1).max(65536).default(4000) }).strict(),
  ])
  .meta({ id: 'RubricKey' });
export type RubricKey = z.output<typeof RubricKey>;

const Rubric = z
  .array(RubricKey)
  .min(1)
  .max(20)
  .refine((r) => new Set(r.map((k) => k.key)).size === r.length, { message: 'rubric keys must be distinct' });

const queueFields = {
  name: z.string().trim().min(1).max(200),
  instructions: z.string().max(20000).default('').meta({ description: 'Markdown shown to reviewers above the rubric' }),
  rubric: Rubric,
  correction: z.boolean().default(false).meta({ description: 'Ask reviewers for a corrected output' }),
  reviewers_per_item: z.number().int().min(1).max(10).default(1).meta({ description: 'Distinct reviewers each item needs' }),
  review_role: ReviewRole.default('reviewer'),
  assigned_reviewers: z.array(z.string().min(1).max(128)).max(200).default([]).meta({ description: 'User ids; when set, only they (and owners/admins) may review' }),
  lease_seconds: z.number().int().min(30).max(86400).default(1800).meta({ description: 'How long a claim holds an item before it returns to the queue' }),
  dataset_id: z.string().min(1).max(200).nullable().default(null).meta({ description: 'A dataset of this project (id or name): every finished item with a correction or comment becomes (or updates) an example' }),
};

/** POST /v1/review-queues. */
export const QueueCreate = z.object(queueFields).strict().meta({
  id: 'ReviewQueueCreate',
  example: {
    name: 'Failed bookings',
    instructions: 'Read the whole conversation. Was the booking right?',
    rubric: [
      { key: 'correct', type: 'boolean', description: 'Yes: the agent did what the policy allows' },
      { key: 'failure_mode', type: 'categorical', required: false, options: [{ value: 'policy' }, { value: 'tool_args' }, { value: 'other' }] },
    ],
    correction: true,
  },
});
export type QueueCreate = z.output<typeof QueueCreate>;

/** PATCH /v1/review-queues/{id}: any subset of the fields. */
export const QueuePatch = z
  .object({
    name: queueFields.name.optional(),
    instructions: z.string().max(20000).optional(),
    rubric: Rubric.optional(),
    correction: z.boolean().optional(),
    reviewers_per_item: z.number().int().min(1).max(10).optional(),
    review_role: ReviewRole.optional(),
    assigned_reviewers: z.array(z.string().min(1).max(128)).max(200).optional(),
    lease_seconds: z.number().int().min(30).max(86400).optional(),
    dataset_id: z.string().min(1).max(200).nullable().optional().meta({ description: 'A dataset of this project (id or name), or null to stop adding examples' }),
  })
  .strict()
  .meta({ id: 'ReviewQueuePatch' });
export type QueuePatch = z.output<typeof QueuePatch>;

/** Item counts of a queue. `pending` items wait for reviews (`in_progress` of them are claimed now). */
export const QueueProgress = z
  .object({
    items: z.number(),
    pending: z.number(),
    in_progress: z.number(),
    complete: z.number(),
    conflict: z.number(),
    escalated: z.number(),
    reviews: z.number(),
  })
  .meta({ id: 'ReviewQueueProgress' });
export type QueueProgress = z.infer<typeof QueueProgress>;

/** One reviewer's part in a queue. */
export const ReviewerProgress = z
  .object({
    user_id: z.string(),
    email: z.string().nullable(),
    submitted: z.number(),
    skipped: z.number(),
    holding: z.string().nullable().meta({ description: 'The trace the reviewer holds a claim on now' }),
    connected: z.boolean().meta({ description: 'Has the queue open (live connection)' }),
  })
  .meta({ id: 'ReviewerProgress' });
export type ReviewerProgress = z.infer<typeof ReviewerProgress>;

/** A queue as the API shows it. */
export const QueueOut = z
  .object({
    id: z.string(),
    name: z.string(),
    instructions: z.string(),
    rubric: z.array(RubricKey),
    correction: z.boolean(),
    reviewers_per_item: z.number(),
    review_role: ReviewRole,
    assigned_reviewers: z.array(z.string()),
    lease_seconds: z.number(),
    dataset_id: z.string().nullable().meta({ description: 'The dataset finished reviews add examples to' }),
    created_at: z.string(),
    updated_at: z.string(),
    progress: QueueProgress.optional(),
  })
  .meta({ id: 'ReviewQueue' });
export type QueueOut = z.infer<typeof QueueOut>;

/** Queue stats: progress, reviewers, agreement per rubric key. */
export const KeyAgreement = z
  .object({
    key: z.string(),
    type: z.string(),
    items: z.number().meta({ description: 'Items with at least two answers for this key' }),
    raters: z.number().meta({ description: 'Distinct reviewers among them' }),
    percent_agreement: z.number().nullable().meta({ description: 'Mean share of agreeing reviewer pairs per item (0–1)' }),
    kappa: z.number().nullable().meta({ description: "Cohen's kappa (the same two reviewers on every item) or Fleiss' kappa (otherwise)" }),
    method: z.enum(['cohen', 'fleiss']).nullable(),
  })
  .meta({ id: 'ReviewKeyAgreement' });
export type KeyAgreement = z.infer<typeof KeyAgreement>;

export const QueueStats = z
  .object({ queue_id: z.string(), progress: QueueProgress, reviewers: z.array(ReviewerProgress), agreement: z.array(KeyAgreement) })
  .meta({ id: 'ReviewQueueStats' });
export type QueueStats = z.infer<typeof QueueStats>;

/** A routing rule: which traces enter the queue. */
/** A routing rule's calibration option: send traces where a judge needs people's eyes. */
export const CalibrationRouting = z
  .object({
    evaluator_id: z.string().min(1).max(64).meta({ description: 'The evaluator (judge) whose scores are checked' }),
    human_key: z.string().min(1).max(200).optional().meta({ description: "People's feedback key compared with its scores (default: the score's own key)" }),
    disagreement: z.boolean().default(true).meta({ description: 'Route traces where the judge and a person (source human) disagree' }),
    tolerance: z.number().min(0).default(0).meta({ description: 'Numbers: |judge - human| above this is a disagreement (0/1 verdicts: any difference)' }),
    near_threshold: z
      .object({ threshold: z.number().finite(), margin: z.number().positive().finite() })
      .strict()
      .optional()
      .meta({ description: "Route traces whose judge score is within `margin` of `threshold` (the judge was unsure)" }),
    sample_rate: z.number().min(0).max(1).default(0).meta({ description: 'A calibration sample: this share of judged traces (e.g. 0.02), decided per trace' }),
  })
  .strict()
  .meta({ id: 'CalibrationRouting' });

export const RoutingRuleCreate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    filter: z.string().max(4000).default('').meta({ description: "The shared filter language ('' matches every trace), e.g. feedback.thumbs=0 or score.helpfulness<0.5" }),
    sampling_rate: z.number().min(0).max(1).default(1),
    active: z.boolean().default(true),
    calibration: CalibrationRouting.optional().meta({ description: 'With it, a trace matching the filter (and sampled) is routed only when the judge needs people: a disagreement, a score near the threshold, or the calibration sample' }),
  })
  .strict()
  .meta({ id: 'ReviewRoutingRuleCreate', example: { filter: 'feedback.thumbs=0 or score.helpfulness<0.5', sampling_rate: 1 } });

export const RoutingRulePatch = z
  .object({ name: z.string().trim().min(1).max(200).optional(), filter: z.string().max(4000).optional(), sampling_rate: z.number().min(0).max(1).optional(), active: z.boolean().optional(), calibration: CalibrationRouting.nullable().optional() })
  .strict()
  .meta({ id: 'ReviewRoutingRulePatch' });

export const RoutingRuleOut = z
  .object({ id: z.string(), queue_id: z.string(), name: z.string(), filter: z.string(), sampling_rate: z.number(), active: z.boolean(), calibration: CalibrationRouting.nullable(), created_at: z.string(), updated_at: z.string() })
  .meta({ id: 'ReviewRoutingRule' });
export type RoutingRuleOut = z.infer<typeof RoutingRuleOut>;

/** POST /v1/review-queues/{id}/items: some traces by id, or every trace a filter matches. */
export const AddItems = z
  .object({
    trace_ids: z.array(z.string().min(1).max(128)).min(1).max(1000).optional(),
    filter: z.string().max(4000).optional().meta({ description: 'Add the traces this filter matches (newest first, up to `limit`)' }),
    from: Timestamp.optional(),
    to: Timestamp.optional(),
    limit: z.number().int().min(1).max(10000).default(1000),
    note: z.string().max(4000).optional(),
  })
  .strict()
  .refine((b) => (b.trace_ids === undefined) !== (b.filter === undefined), { message: 'give either trace_ids or filter', path: ['trace_ids'] })
  .meta({ id: 'ReviewItemsAdd', example: { filter: 'feedback.outcome=0 tag=tau-bench', limit: 100 } });

export const AddItemsOut = z
  .object({ matched: z.number(), added: z.number(), already_queued: z.number() })
  .meta({ id: 'ReviewItemsAdded' });

/** Where an item came from. */
export const ItemSource = z.enum(['rule', 'manual', 'filter', 'escalation']);

/** An answer per rubric key: boolean, option value, number or text. */
export const ReviewValues = z.record(z.string(), z.union([z.boolean(), z.number(), z.string(), z.null()]));

/** One submitted review as the API shows it (values hidden from other reviewers until they submitted). */
export const ReviewOut = z
  .object({
    reviewer_id: z.string(),
    reviewer: z.string().nullable(),
    values: ReviewValues,
    correction: z.unknown().nullable(),
    comment: z.string().nullable(),
    submitted_at: z.string(),
  })
  .meta({ id: 'Review' });
export type ReviewOut = z.infer<typeof ReviewOut>;

/** An item: a trace in a queue. */
export const ItemOut = z
  .object({
    queue_id: z.string(),
    trace_id: z.string(),
    status: z.enum(['pending', 'complete', 'conflict', 'escalated']),
    source: ItemSource,
    source_ref: z.string().nullable(),
    note: z.string().nullable(),
    escalated_from: z.string().nullable(),
    escalated_to: z.string().nullable(),
    added_at: z.string(),
    completed_at: z.string().nullable(),
    reviews_needed: z.number(),
    reviews_done: z.number(),
    claims: z.number(),
    final: ReviewValues.nullable().meta({ description: 'The final label: the review (one reviewer), the agreed values, or the adjudication' }),
    adjudicated_by: z.string().nullable(),
    /** Only in answers to the reviewer: their claim's end. */
    lease_expires_at: z.string().nullable().optional(),
    my_review: ReviewOut.nullable().optional(),
    reviews: z.array(ReviewOut).optional().meta({ description: "Other reviewers' reviews: only once you submitted yours (or to owners/admins not reviewing it)" }),
    conflicts: z.array(z.string()).optional().meta({ description: 'Rubric keys the reviewers disagree on' }),
  })
  .meta({ id: 'ReviewItem' });
export type ItemOut = z.infer<typeof ItemOut>;

/** POST .../items/{traceId}/review. */
export const ReviewSubmit = z
  .object({
    idempotency_key: z.string().min(8).max(128).optional().meta({ description: 'Make one per review and resend it on retries: a retried submit is stored once' }),
    values: ReviewValues,
    correction: z.unknown().optional(),
    comment: z.string().max(65536).nullish(),
  })
  .strict()
  .meta({ id: 'ReviewSubmit', example: { idempotency_key: '5d0f3c1e-8a5b-4b8e-9f3e-2a6c1d7e9b10', values: { correct: false, failure_mode: 'policy' }, comment: 'refunded a basic economy fare' } });
export type ReviewSubmit = z.output<typeof ReviewSubmit>;

export const ReviewSubmitted = z
  .object({ review: ReviewOut, item: ItemOut, duplicate: z.boolean().meta({ description: 'true when this was a retry of a review already stored' }) })
  .meta({ id: 'ReviewSubmitted' });

/** POST .../items/{traceId}/escalate. */
export const EscalateIn = z
  .object({ target_queue_id: z.string().min(1).max(64), note: z.string().trim().min(1).max(4000) })
  .strict()
  .meta({ id: 'ReviewEscalate' });

/** POST .../items/{traceId}/adjudicate: the final label. */
export const AdjudicateIn = z
  .object({
    values: ReviewValues,
    comment: z.string().max(65536).nullish(),
    correction: z.unknown().optional().meta({ description: "The corrected output, overriding the reviewers' corrections in the queue's dataset" }),
  })
  .strict()
  .meta({ id: 'ReviewAdjudicate' });

/** The answer to "give me the next item". */
export const NextOut = z
  .object({ item: ItemOut.nullable(), progress: QueueProgress })
  .meta({ id: 'ReviewNext' });
export type NextOut = z.infer<typeof NextOut>;
