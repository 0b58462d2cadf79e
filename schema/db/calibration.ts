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
