/**
 * Human review: annotation queues and the routing rules that fill them. D1 holds only the
 * configuration; the live state of a queue (items, claims, leases, reviews, progress) lives
 * in the project's review hub Durable Object (workers/review/hub/), and finished reviews
 * land back in D1 as `feedback` rows (source = human, queue_id = the queue).
 */
import { sqliteTable, text, integer, real, primaryKey, index } from 'drizzle-orm/sqlite-core';

/** Which members may review a queue's items. Owners and admins may review any queue. */
export const REVIEW_ROLES = ['reviewer', 'domain_expert', 'both'] as const;
export type ReviewRole = (typeof REVIEW_ROLES)[number];

/** An annotation queue: what reviewers are asked (rubric) and how items are shared out. */
export const reviewQueues = sqliteTable(
  'review_queues',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    /** Markdown shown above the rubric. */
    instructions: text('instructions').notNull(),
    /** JSON array of rubric keys (schema/wire/review.ts RubricKey). */
    rubric: text('rubric').notNull(),
    /** 1 when reviewers are asked for a corrected output. */
    correction: integer('correction').notNull(),
    /** Distinct reviewers each item needs before it is complete. */
    reviewersPerItem: integer('reviewers_per_item').notNull(),
    reviewRole: text('review_role', { enum: REVIEW_ROLES }).notNull(),
    /** JSON array of user ids; empty: any member with the role. */
    assignedReviewers: text('assigned_reviewers').notNull(),
    /** How long a claim holds an item before it returns to the queue. */
    leaseSeconds: integer('lease_seconds').notNull(),
    /** A dataset (its id) that finished reviews with a correction or comment turn into examples; null: none. */
    datasetId: text('dataset_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Set when deleted: no new items, no claims; its feedback stays. */
    deletedAt: integer('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('review_queues_project_updated').on(t.projectId, t.updatedAt)],
);

/**
 * A routing rule: traces matching `filter` (the shared language), sampled at
 * `sampling_rate` (decided per trace by a hash of rule and trace id), enter the queue.
 * Matched when a trace completes and again whenever feedback or scores arrive on it.
 */
export const reviewRoutingRules = sqliteTable(
  'review_routing_rules',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    queueId: text('queue_id').notNull(),
    name: text('name').notNull(),
    filter: text('filter').notNull(),
    samplingRate: real('sampling_rate').notNull(),
    active: integer('active').notNull(),
    /** JSON CalibrationRouting: route where an evaluator and people disagree, scores near a threshold, a sample of judged traces. */
    calibration: text('calibration'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deletedAt: integer('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('review_routing_rules_active').on(t.projectId, t.active)],
);
