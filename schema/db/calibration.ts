/**
 * Calibration: which human feedback key an evaluator's scores are compared with, and how
 * (a threshold turning numeric labels into booleans, a tolerance for numbers). One row per
 * evaluator; without one the agreement API compares with the same key from source=human.
 */
import { sqliteTable, text, integer, real, primaryKey } from 'drizzle-orm/sqlite-core';

export const calibrationMappings = sqliteTable(
  'calibration_mappings',
  {
    projectId: text('project_id').notNull(),
    evaluatorId: text('evaluator_id').notNull(),
    /** The human feedback key (source = human) the judge's key is compared with. */
    humanKey: text('human_key').notNull(),
    /** boolean | categorical | numeric, or null for the evaluator's own output type. */
    type: text('type', { enum: ['boolean', 'categorical', 'numeric'] }),
    threshold: real('threshold'),
    tolerance: real('tolerance'),
    updatedAt: integer('updated_at').notNull(),
    updatedBy: text('updated_by'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.evaluatorId] })],
);

/**
 * The agreement gate of an evaluator: rules run `live_version` (not the newest) until an
 * alignment measures a newer version at least as good as it on `metric`, or at least
 * `min_value` when set. The evals consumer reads `live_version` to pick what to run.
 */
export const evaluatorGates = sqliteTable(
  'evaluator_gates',
  {
    projectId: text('project_id').notNull(),
    evaluatorId: text('evaluator_id').notNull(),
    /** accuracy | kappa | spearman | within_tolerance (higher is better). */
    metric: text('metric').notNull(),
    /** A user threshold: a version measured at or above it passes whatever the live one scores. */
    minValue: real('min_value'),
    liveVersion: integer('live_version').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    updatedBy: text('updated_by'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.evaluatorId] })],
);

/** What the gate decided, kept: each measured candidate (promoted or blocked) and each owner override with its reason. */
export const evaluatorGateEvents = sqliteTable(
  'evaluator_gate_events',
  {
    projectId: text('project_id').notNull(),
    evaluatorId: text('evaluator_id').notNull(),
    id: text('id').notNull(),
    /** promoted | blocked | override */
    action: text('action').notNull(),
    fromVersion: integer('from_version').notNull(),
    version: integer('version').notNull(),
    metric: text('metric').notNull(),
    liveValue: real('live_value'),
    candidateValue: real('candidate_value'),
    n: integer('n'),
    reason: text('reason'),
    actor: text('actor'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.evaluatorId, t.id] })],
);
