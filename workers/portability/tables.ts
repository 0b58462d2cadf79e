/**
 * The D1 tables a project export carries, and what is scrubbed from them. Only tables that
 * hold what a user made (feedback, evaluators, rules, datasets, experiments, review queues,
 * insights, settings) are here: spans and traces are not, because they are derived from the
 * R2 batches and travel as those batches' lines (see export.ts). Left out on purpose:
 * secrets (api_keys, eval_providers' sealed keys, alerts' signing secrets), job and queue
 * state that belongs to the running instance (eval_runs, eval_spend,
 * experiment_target_runs, ingest_batches, ingest_failures, trace_signals, deletion_jobs,
 * langsmith_pending), and the org-wide audit log.
 *
 * Every table here has `project_id` in its primary key, so rows keep their ids in another
 * project without clashing with the source project's rows in the same database.
 */
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as t from '../../schema/db/index.ts';

/** One exported table: its columns (without project_id) and how a row is cleaned before it leaves. */
export interface PortableTable {
  name: string;
  columns: readonly string[];
  /** Removes secrets from a row, in place. */
  scrub?: (row: Record<string, unknown>) => void;
}

/**
 * Webhook evaluators keep their sealed signing secret inside the version's config JSON. It
 * is sealed to (project, evaluator), so it could not be opened in another project anyway;
 * it is dropped, and the imported evaluator gets a fresh secret when it is next updated.
 */
function scrubEvaluatorConfig(row: Record<string, unknown>): void {
  if (typeof row.config !== 'string') return;
  try {
    const config = JSON.parse(row.config) as Record<string, unknown>;
    if ('secret_ciphertext' in config) {
      delete config.secret_ciphertext;
      row.config = JSON.stringify(config);
    }
  } catch {
    // Not JSON: left as stored (the evaluator code never writes such a config).
  }
}

function portable(table: SQLiteTable, scrub?: PortableTable['scrub']): PortableTable {
  const columns = Object.values(getTableColumns(table))
    .map((c) => c.name)
    .filter((c) => c !== 'project_id');
  return { name: getTableName(table), columns, scrub };
}

/** In import order: a table's rows come after those they refer to (nothing enforces it in D1; it keeps a half-read file sensible). */
export const PORTABLE_TABLES: readonly PortableTable[] = [
  portable(t.retentionSettings),
  portable(t.redactionSettings, (row) => {
    // The hash key is a secret (sealed to the project); the import makes a new one when hashing is next configured.
    row.hash_key_sealed = null;
  }),
  portable(t.evalSettings),
  portable(t.evaluators),
  portable(t.evaluatorVersions, scrubEvaluatorConfig),
  portable(t.evaluatorGates),
  portable(t.evaluatorGateEvents),
  portable(t.calibrationMappings),
  portable(t.evalRules),
  // Before the spans: imported traces complete again on import (they go through ingest), and
  // rules then find their matches and finished results already there, so nothing is judged twice.
  portable(t.evalMatches),
  portable(t.evalResults),
  portable(t.feedback),
  portable(t.reviewQueues),
  portable(t.reviewRoutingRules),
  portable(t.datasets),
  portable(t.datasetVersions),
  portable(t.datasetTags),
  portable(t.datasetExampleRevisions),
  portable(t.experiments),
  portable(t.experimentRuns),
  portable(t.experimentBaselines),
  portable(t.experimentVersionBaselines),
  portable(t.experimentTargets, (row) => {
    // Sealed to the source project; an imported target calls unsigned until a secret is set again.
    row.secret_ciphertext = null;
  }),
  portable(t.langsmithRuns),
  portable(t.insightReports),
  portable(t.insightMembers),
  portable(t.insightTracked),
  portable(t.insightSchedules),
];

/** The portable table named `name`, or undefined. */
export function portableTable(name: string): PortableTable | undefined {
  return PORTABLE_TABLES.find((p) => p.name === name);
}
