/**
 * Versioned datasets. A dataset's examples are stored as revisions (SCD type 2): each row
 * is one state of one example, visible from `valid_from` (the version that wrote it) until
 * `valid_to` (the version that replaced it; OPEN while current). Reading version N is one
 * indexed range scan (`valid_from <= N AND valid_to > N`) whatever N is, so old versions
 * cost the same as the latest (D1 has no snapshots; copying 100k rows per version would not fit).
 */
import { sqliteTable, text, integer, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** `valid_to` of the current revision: later than any version (kept NOT NULL so it indexes as a range). */
export const OPEN_VERSION = 2147483647;

export const datasets = sqliteTable(
  'datasets',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    /** JSON Schema (JSON text) every example's inputs must satisfy; null: any object. */
    inputsSchema: text('inputs_schema'),
    outputsSchema: text('outputs_schema'),
    /** 0 until the first change. */
    latestVersion: integer('latest_version').notNull(),
    createdAt: integer('created_at').notNull(),
    modifiedAt: integer('modified_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), uniqueIndex('datasets_project_name').on(t.projectId, t.name)],
);

/** One row per version: the primary key makes two concurrent writers of the same version collide (the batch rolls back). */
export const datasetVersions = sqliteTable(
  'dataset_versions',
  {
    projectId: text('project_id').notNull(),
    datasetId: text('dataset_id').notNull(),
    version: integer('version').notNull(),
    /** What changed, for humans (e.g. "added 3 examples"). */
    message: text('message').notNull(),
    changes: integer('changes').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.datasetId, t.version] }), index('dataset_versions_time').on(t.projectId, t.datasetId, t.createdAt)],
);

/** A named version (`prod`, `v1`): moving a tag is an upsert. */
export const datasetTags = sqliteTable(
  'dataset_tags',
  {
    projectId: text('project_id').notNull(),
    datasetId: text('dataset_id').notNull(),
    tag: text('tag').notNull(),
    version: integer('version').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.datasetId, t.tag] })],
);

export const datasetExampleRevisions = sqliteTable(
  'dataset_example_revisions',
  {
    projectId: text('project_id').notNull(),
    datasetId: text('dataset_id').notNull(),
    exampleId: text('example_id').notNull(),
    validFrom: integer('valid_from').notNull(),
    validTo: integer('valid_to').notNull(),
    /** JSON object. */
    inputs: text('inputs').notNull(),
    outputs: text('outputs'),
    criteria: text('criteria'),
    expectedTrajectory: text('expected_trajectory'),
    metadata: text('metadata').notNull(),
    /** JSON arrays of strings. */
    tags: text('tags').notNull(),
    splits: text('splits').notNull(),
    source: text('source'),
    archived: integer('archived').notNull(),
    /** Why it was archived (kept; required for `pinned` examples). */
    archiveReason: text('archive_reason'),
    createdAt: integer('created_at').notNull(),
    modifiedAt: integer('modified_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.datasetId, t.exampleId, t.validFrom] }),
    // Page reads at any version: walk example ids in order, keep the one visible revision.
    index('dataset_revisions_visible').on(t.projectId, t.datasetId, t.validTo, t.exampleId),
    index('dataset_revisions_changed').on(t.projectId, t.datasetId, t.validFrom),
    index('dataset_revisions_example').on(t.projectId, t.exampleId, t.validFrom),
  ],
);
