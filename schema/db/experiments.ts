/**
 * Experiments: a candidate run over a pinned dataset version, one run per example and
 * repetition (each run a trace; its scores are feedback on that trace), and the baseline
 * pinned per dataset. Every table carries `project_id` and every query filters on it.
 */
import { sqliteTable, text, integer, real, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Where an experiment is in its life. A `failed` gate never lets it become a baseline. */
export const EXPERIMENT_STATUSES = ['running', 'completed'] as const;

/** One experiment. Its id is a UUID, so it doubles as the LangSmith session id. */
export const experiments = sqliteTable(
  'experiments',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    /** Unique in the project (LangSmith session names are: a taken name is a 409). */
    name: text('name').notNull(),
    datasetId: text('dataset_id').notNull(),
    /** The dataset version the experiment ran against (pinned at creation). */
    datasetVersion: integer('dataset_version').notNull(),
    description: text('description'),
    /** JSON: {name, version, commit, metadata} of the candidate (prompt, model, agent build). */
    candidate: text('candidate').notNull(),
    repetitions: integer('repetitions').notNull(),
    /** JSON array of evaluator ids that score the runs. */
    evaluators: text('evaluators').notNull(),
    /** JSON object: free metadata (LangSmith session `extra.metadata`). */
    metadata: text('metadata'),
    status: text('status', { enum: EXPERIMENT_STATUSES }).notNull(),
    /** Set when the latest gate run on it failed: such a candidate is never pinned as baseline. */
    gateFailedAt: integer('gate_failed_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    endedAt: integer('ended_at'),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    uniqueIndex('experiments_project_name').on(t.projectId, t.name),
    index('experiments_project_dataset').on(t.projectId, t.datasetId, t.createdAt),
  ],
);

/**
 * One run: an example times a repetition. Keyed by (experiment, example, repetition), so a
 * retried or resumed post rewrites the row instead of adding one. Errored runs are kept.
 */
export const experimentRuns = sqliteTable(
  'experiment_runs',
  {
    projectId: text('project_id').notNull(),
    experimentId: text('experiment_id').notNull(),
    exampleId: text('example_id').notNull(),
    repetition: integer('repetition').notNull(),
    /** The run's trace; its feedback rows are the run's scores. */
    traceId: text('trace_id').notNull(),
    /** JSON: the candidate's output (also on the trace; kept here for comparisons without R2). */
    output: text('output'),
    error: text('error'),
    latencyMs: integer('latency_ms'),
    tokens: integer('tokens'),
    costUsd: real('cost_usd'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.experimentId, t.exampleId, t.repetition] }),
    index('experiment_runs_trace').on(t.projectId, t.traceId),
  ],
);

/** The baseline pinned for a dataset: what gates compare against unless told otherwise. */
export const experimentBaselines = sqliteTable(
  'experiment_baselines',
  {
    projectId: text('project_id').notNull(),
    datasetId: text('dataset_id').notNull(),
    experimentId: text('experiment_id').notNull(),
    pinnedAt: integer('pinned_at').notNull(),
    pinnedBy: text('pinned_by'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.datasetId] })],
);

/**
 * The baseline pinned for one dataset version: what `--baseline-tag <tag>` gates against
 * (the tag names a version). Pinning writes this row and the dataset-wide one together.
 */
export const experimentVersionBaselines = sqliteTable(
  'experiment_version_baselines',
  {
    projectId: text('project_id').notNull(),
    datasetId: text('dataset_id').notNull(),
    datasetVersion: integer('dataset_version').notNull(),
    experimentId: text('experiment_id').notNull(),
    pinnedAt: integer('pinned_at').notNull(),
    pinnedBy: text('pinned_by'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.datasetId, t.datasetVersion] })],
);

/** Where a server-side experiment's target stands. */
export const TARGET_STATUSES = ['running', 'done'] as const;

/** What a server-side experiment calls: a deployed endpoint, or an LLM provider replaying the examples' chat messages. */
export const TARGET_KINDS = ['endpoint', 'replay'] as const;

/**
 * A server-side experiment's target: the deployed endpoint Loupe calls once per example
 * and repetition through the "experiments" queue (or, for a prompt replay, the provider). The signing secret is sealed with
 * ENCRYPTION_KEY (never returned). The run state below lives in D1, not in the queue, so
 * a lost message is re-driven (scheduled handler) instead of losing the runs it carried.
 */
export const experimentTargets = sqliteTable(
  'experiment_targets',
  {
    projectId: text('project_id').notNull(),
    experimentId: text('experiment_id').notNull(),
    kind: text('kind', { enum: TARGET_KINDS }).notNull(),
    /** The endpoint (kind endpoint). */
    url: text('url'),
    /** JSON: the replay's provider, model, system prompt and parameters (kind replay). */
    replay: text('replay'),
    /** Sealed HMAC secret (platform/secrets.ts), or null for unsigned calls. */
    secretCiphertext: text('secret_ciphertext'),
    /** JSON object of extra request headers. */
    headers: text('headers'),
    timeoutMs: integer('timeout_ms').notNull(),
    /** Calls in flight at once for this experiment (checked in D1 at each claim). */
    concurrency: integer('concurrency').notNull(),
    maxAttempts: integer('max_attempts').notNull(),
    status: text('status', { enum: TARGET_STATUSES }).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.experimentId] }), index('experiment_targets_status').on(t.status, t.updatedAt)],
);

/** Where one target call stands. */
export const TARGET_RUN_STATES = ['pending', 'running', 'done', 'errored'] as const;

/** One call of a target: an example times a repetition, claimed with a lease so a crashed call is taken again. */
export const experimentTargetRuns = sqliteTable(
  'experiment_target_runs',
  {
    projectId: text('project_id').notNull(),
    experimentId: text('experiment_id').notNull(),
    exampleId: text('example_id').notNull(),
    repetition: integer('repetition').notNull(),
    state: text('state', { enum: TARGET_RUN_STATES }).notNull(),
    attempts: integer('attempts').notNull(),
    /** Epoch ms: a pending run waits until then (retry backoff); a running one is free to take again after it (lease). */
    notBefore: integer('not_before').notNull(),
    lastError: text('last_error'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.experimentId, t.exampleId, t.repetition] }),
    index('experiment_target_runs_state').on(t.projectId, t.experimentId, t.state, t.notBefore),
  ],
);
