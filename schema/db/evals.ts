/**
 * Automated evaluation: evaluators (versioned data), LLM provider connections, online
 * rules, their runs and per-job run log, and the daily judge spend per project.
 * Scores themselves are `feedback` rows (source = evaluator) so they show and filter like
 * any other feedback. Every table carries `project_id` and every query filters on it.
 */
import { sqliteTable, text, integer, real, primaryKey, index } from 'drizzle-orm/sqlite-core';

/** What an evaluator is: a code check, an LLM judge or the team's own webhook. */
export const EVALUATOR_KINDS = ['code', 'judge', 'webhook'] as const;
export type EvaluatorKind = (typeof EVALUATOR_KINDS)[number];

/**
 * An evaluator's identity and pointer to its newest version. The definition itself lives
 * in `evaluator_versions`; a change never edits a version, it adds one.
 */
export const evaluators = sqliteTable(
  'evaluators',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    /** The newest version (1-based). */
    version: integer('version').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: EVALUATOR_KINDS }).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Set when deleted: rules stop running it; its scores stay. */
    deletedAt: integer('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('evaluators_project_updated').on(t.projectId, t.updatedAt)],
);

/** One immutable version of an evaluator. Every score records the version that made it. */
export const evaluatorVersions = sqliteTable(
  'evaluator_versions',
  {
    projectId: text('project_id').notNull(),
    evaluatorId: text('evaluator_id').notNull(),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    /** The feedback key its scores are written under. */
    key: text('key').notNull(),
    kind: text('kind', { enum: EVALUATOR_KINDS }).notNull(),
    description: text('description'),
    /** JSON: {type: 'trace'} or {type: 'span', filter: '<filter language>'}. */
    target: text('target').notNull(),
    /** JSON: the kind's configuration (schema/wire/evaluators.ts). Secrets appear only encrypted. */
    config: text('config').notNull(),
    /** The template it was created from, if any. */
    template: text('template'),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.evaluatorId, t.version] })],
);

/** Provider protocols a judge can speak. */
export const PROVIDER_TYPES = ['openai', 'anthropic', 'workers_ai'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/**
 * An LLM provider connection used by judges. The API key is stored only as AES-GCM
 * ciphertext (key from the ENCRYPTION_KEY secret) and is never returned by the API.
 */
export const evalProviders = sqliteTable(
  'eval_providers',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    type: text('type', { enum: PROVIDER_TYPES }).notNull(),
    baseUrl: text('base_url'),
    defaultModel: text('default_model'),
    /** base64(iv || ciphertext) of the API key, bound to (project, provider) as associated data. */
    keyCiphertext: text('key_ciphertext'),
    /** JSON: max_concurrency, prices, structured_output, extra headers. */
    options: text('options').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deletedAt: integer('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

/** What an online rule evaluates: each trace, or each thread (conversation) once idle. */
export const RULE_TARGETS = ['trace', 'thread'] as const;
export type RuleTarget = (typeof RULE_TARGETS)[number];

/** An online rule: which traces or threads (filter, sampling) get which evaluators. */
export const evalRules = sqliteTable(
  'eval_rules',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    /** The filter in the shared language ('' matches every trace). Parsed at creation. */
    filter: text('filter').notNull(),
    /** 0..1, decided per trace by a hash of (rule id, trace id), so reruns agree. */
    samplingRate: real('sampling_rate').notNull(),
    /** JSON array of evaluator ids (each runs its newest version). */
    evaluatorIds: text('evaluator_ids').notNull(),
    /** The rule's dataset action: matching traces are added to this dataset (its id) as they complete; null: none. */
    datasetId: text('dataset_id'),
    /**
     * What the rule evaluates: `trace` (each matching trace as it completes) or `thread`
     * (a conversation of traces sharing a session_id, once it has been idle `idle_minutes`).
     */
    target: text('target', { enum: RULE_TARGETS }).notNull().default('trace'),
    /** Thread rules: minutes without a new turn after which the thread is evaluated. */
    idleMinutes: integer('idle_minutes'),
    active: integer('active').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deletedAt: integer('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('eval_rules_active').on(t.projectId, t.active)],
);

/**
 * A run of a rule: `online` (one per rule, new traces as they complete) or a backfill
 * over a time range (paged by `cursor` so a redelivered page resumes where it left off).
 */
export const evalRuns = sqliteTable(
  'eval_runs',
  {
    projectId: text('project_id').notNull(),
    ruleId: text('rule_id').notNull(),
    /** `online`, or `bf_<uuid>` for a backfill. */
    id: text('id').notNull(),
    kind: text('kind', { enum: ['online', 'backfill'] }).notNull(),
    fromTime: integer('from_time'),
    toTime: integer('to_time'),
    maxTraces: integer('max_traces'),
    /** scanning | scanned (every trace of the range matched and queued) | failed. */
    status: text('status').notNull(),
    /** Keyset position of a backfill: JSON [start_time, trace_id] of the last trace scanned. */
    cursor: text('cursor'),
    scanned: integer('scanned').notNull(),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.ruleId, t.id] })],
);

/**
 * A trace a rule's filter matched in a run, with the sampling decision. The primary key
 * makes matching idempotent (online: a trace is matched once per rule); `queued_at` is
 * set once its jobs are on the queue, so a redelivered message re-sends only unsent ones.
 */
export const evalMatches = sqliteTable(
  'eval_matches',
  {
    projectId: text('project_id').notNull(),
    ruleId: text('rule_id').notNull(),
    runId: text('run_id').notNull(),
    traceId: text('trace_id').notNull(),
    sampled: integer('sampled').notNull(),
    queuedAt: integer('queued_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.ruleId, t.runId, t.traceId] }), index('eval_matches_unqueued').on(t.projectId, t.ruleId, t.runId, t.queuedAt), index('eval_matches_pending').on(t.queuedAt, t.createdAt)],
);

/** The state of one evaluation job in the run log. */
export const EVAL_RESULT_STATUSES = ['queued', 'scored', 'failed', 'skipped', 'expanded'] as const;
export type EvalResultStatus = (typeof EVAL_RESULT_STATUSES)[number];

/**
 * The run log: one row per (rule, run, trace, span, evaluator) job. `span_id` is '' for a
 * whole-trace job; a span-targeted evaluator's trace row becomes `expanded` and each
 * matching span gets its own row. Errors are kept here, never written as scores.
 */
export const evalResults = sqliteTable(
  'eval_results',
  {
    projectId: text('project_id').notNull(),
    ruleId: text('rule_id').notNull(),
    runId: text('run_id').notNull(),
    traceId: text('trace_id').notNull(),
    spanId: text('span_id').notNull(),
    evaluatorId: text('evaluator_id').notNull(),
    evaluatorVersion: integer('evaluator_version'),
    status: text('status', { enum: EVAL_RESULT_STATUSES }).notNull(),
    score: real('score'),
    /** JSON. */
    value: text('value'),
    errorCode: text('error_code'),
    error: text('error'),
    attempts: integer('attempts').notNull(),
    feedbackId: text('feedback_id'),
    /** The judge call's trace in the organisation's system project. */
    judgeTraceId: text('judge_trace_id'),
    durationMs: integer('duration_ms'),
    costUsd: real('cost_usd'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.ruleId, t.runId, t.traceId, t.spanId, t.evaluatorId] }),
    index('eval_results_status').on(t.projectId, t.ruleId, t.runId, t.status, t.updatedAt),
    // The sweeper's question across projects: which jobs have stayed queued too long.
    index('eval_results_stalled').on(t.status, t.updatedAt),
  ],
);

/** Judge calls and their cost per project and UTC day, for the daily spend cap. */
export const evalSpend = sqliteTable(
  'eval_spend',
  {
    projectId: text('project_id').notNull(),
    /** YYYY-MM-DD (UTC). */
    day: text('day').notNull(),
    calls: integer('calls').notNull(),
    costUsd: real('cost_usd').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day] })],
);

/** Per-project evaluation settings (absent: the Worker's defaults from [vars]). */
export const evalSettings = sqliteTable('eval_settings', {
  projectId: text('project_id').primaryKey(),
  dailySpendCapUsd: real('daily_spend_cap_usd'),
  dailyJudgeCallCap: integer('daily_judge_call_cap'),
  updatedAt: integer('updated_at').notNull(),
});
