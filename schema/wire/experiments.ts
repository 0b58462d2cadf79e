/**
 * Wire shapes of experiments: creating one over a pinned dataset version, posting its runs
 * (one per example and repetition, errored runs included), and what summaries,
 * comparisons and the gate answer. The OpenAPI source for /v1/experiments.
 */
import { z } from 'zod';
import { FeedbackKey } from './feedback.ts';

/** What is being tried: a prompt, a model, an agent build. */
export const Candidate = z
  .object({
    name: z.string().max(256).optional(),
    version: z.string().max(256).optional(),
    commit: z.string().max(256).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .meta({ id: 'Candidate', example: { name: 'support-agent', commit: '3f2a91c', metadata: { model: 'gpt-4.1' } } });

/**
 * A deployed endpoint Loupe calls server-side for each example (and repetition), through a
 * queue: POST the example's inputs as JSON, signed with HMAC-SHA256 (docs/experiments.md).
 */
export const ExperimentTarget = z
  .object({
    url: z.url().max(2000).meta({ description: 'HTTPS endpoint (plain http only for localhost)' }),
    secret: z.string().min(16).max(256).optional().meta({ description: 'HMAC-SHA256 signing secret (write-only): `x-loupe-signature: t=<unix s>,v1=<hex of HMAC(secret, "<t>.<body>")>`' }),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().max(1000)).optional().meta({ description: 'Extra non-secret headers' }),
    timeout_ms: z.number().int().min(100).max(300_000).default(30_000),
    concurrency: z.number().int().min(1).max(32).default(4).meta({ description: 'Calls in flight at once for this experiment' }),
    max_attempts: z.number().int().min(1).max(10).default(3).meta({ description: 'Attempts per run on 5xx, 429, timeouts and network errors before it is recorded as errored' }),
  })
  .strict()
  .meta({ id: 'ExperimentTarget' });

/**
 * Prompt and model replay: re-run each example's chat messages (a dataset of LLM calls)
 * through a configured provider, with the system prompt, model or parameters changed.
 */
export const ExperimentReplay = z
  .object({
    provider_id: z.string().min(1).max(64).meta({ description: 'A provider connection of the project (GET /v1/providers)' }),
    model: z.string().min(1).max(256).optional().meta({ description: "Default: the provider's default model" }),
    system: z.string().max(100_000).nullable().optional().meta({ description: 'Replaces the system message of every example (null removes it; absent keeps each example\'s own)' }),
    temperature: z.number().min(0).max(2).default(0),
    max_tokens: z.number().int().min(1).max(32_000).default(1024),
    messages_path: z.string().min(1).max(256).default('messages').meta({ description: "Where the chat messages are in the example's inputs (dot path; the inputs themselves when they are a list)" }),
    timeout_ms: z.number().int().min(1000).max(300_000).default(60_000),
    concurrency: z.number().int().min(1).max(32).default(4).meta({ description: "Calls in flight at once (also bounded by the provider's max_concurrency)" }),
    max_attempts: z.number().int().min(1).max(10).default(3),
  })
  .strict()
  .meta({ id: 'ExperimentReplay' });

export const ExperimentCreate = z
  .object({
    name: z.string().min(1).max(256),
    dataset_id: z.string().min(1).max(128),
    dataset_version: z.number().int().min(1).optional().meta({ description: 'The dataset version to run against; default the latest (pinned at creation)' }),
    description: z.string().max(4096).nullish(),
    candidate: Candidate.default({}),
    repetitions: z.number().int().min(1).max(100).default(1),
    evaluators: z.array(z.string().min(1).max(64)).max(50).default([]),
    metadata: z.record(z.string(), z.unknown()).optional(),
    target: ExperimentTarget.optional().meta({ description: 'Run server-side against this endpoint, one call per example and repetition (needs a Loupe dataset)' }),
    replay: ExperimentReplay.optional().meta({ description: "Run server-side as a prompt replay: each example's chat messages through a provider (needs a Loupe dataset; not with target)" }),
  })
  .strict()
  .meta({ id: 'ExperimentCreate' });

export const ExperimentOut = z
  .object({
    id: z.string(),
    name: z.string(),
    dataset_id: z.string(),
    dataset_version: z.number(),
    description: z.string().nullable(),
    candidate: Candidate,
    repetitions: z.number(),
    evaluators: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    status: z.enum(['running', 'completed']),
    baseline: z.boolean().meta({ description: "Pinned as its dataset's baseline" }),
    gate_failed: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    ended_at: z.string().nullable(),
  })
  .meta({ id: 'Experiment' });
export type ExperimentOut = z.infer<typeof ExperimentOut>;

/** One run as a runner posts it. Repeating (example_id, repetition) rewrites that run. */
export const ExperimentRunIn = z
  .object({
    example_id: z.string().min(1).max(128),
    repetition: z.number().int().min(0).max(99).default(0),
    trace_id: z.string().min(1).max(128).optional().meta({ description: "The run's trace; default an id derived from (experiment, example, repetition)" }),
    output: z.unknown().optional(),
    error: z.string().max(65536).nullish().meta({ description: 'Why the run failed (non-zero exit, timeout, no JSON): recorded, never dropped' }),
    latency_ms: z.number().min(0).nullish(),
    tokens: z.number().int().min(0).nullish(),
    cost: z.number().min(0).nullish(),
    scores: z
      .record(FeedbackKey, z.union([z.number(), z.boolean()]))
      .optional()
      .meta({ description: "Scores computed by the runner, stored as feedback on the run's trace" }),
  })
  .strict()
  .meta({ id: 'ExperimentRunIn' });
export type ExperimentRunIn = z.input<typeof ExperimentRunIn>;

export const ExperimentRunsIn = z.object({ runs: z.array(ExperimentRunIn).min(1).max(500) }).strict().meta({ id: 'ExperimentRunsIn' });

export const ExperimentRunOut = z
  .object({
    example_id: z.string(),
    repetition: z.number(),
    trace_id: z.string(),
    output: z.unknown().nullable(),
    error: z.string().nullable(),
    latency_ms: z.number().nullable(),
    tokens: z.number().nullable(),
    cost: z.number().nullable(),
    scores: z.record(z.string(), z.number()),
  })
  .meta({ id: 'ExperimentRun' });
export type ExperimentRunOut = z.infer<typeof ExperimentRunOut>;

const Interval = z.object({ low: z.number(), high: z.number() }).nullable();
const Estimate = z.object({ k: z.number(), mean: z.number().nullable(), interval: Interval });

export const MetricSummaryOut = z
  .object({
    key: z.string(),
    kind: z.enum(['pass_rate', 'mean']),
    mean: z.number().nullable(),
    interval: Interval,
    examples: z.number(),
    runs: z.number(),
    method: z.enum(['wilson', 't', 'clustered']),
    passAtK: Estimate.optional(),
    passHatK: Estimate.optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'MetricSummary' });

export const ExperimentSummaryOut = z
  .object({
    runs: z.number(),
    examples: z.number(),
    errors: z.number(),
    latencyMs: z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable() }),
    tokens: z.number(),
    cost: z.number(),
    metrics: z.array(MetricSummaryOut),
  })
  .meta({ id: 'ExperimentSummary' });
export type ExperimentSummaryOut = z.infer<typeof ExperimentSummaryOut>;
export type MetricSummaryOut = z.infer<typeof MetricSummaryOut>;

export const ExampleStatus = z.enum(['regressed', 'errored', 'missing', 'improved', 'unchanged']);
export type ExampleStatus = z.infer<typeof ExampleStatus>;

export const ExampleComparisonOut = z
  .object({
    exampleId: z.string(),
    status: ExampleStatus,
    metrics: z.record(z.string(), z.object({ baseline: z.number().nullable(), candidate: z.number().nullable(), delta: z.number().nullable() })),
    latencyDeltaMs: z.number().nullable(),
    costDelta: z.number().nullable(),
    tokensDelta: z.number().nullable(),
    baselineErrors: z.number(),
    candidateErrors: z.number(),
  })
  .meta({ id: 'ExampleComparison' });

export const MetricComparisonOut = z
  .object({
    key: z.string(),
    kind: z.enum(['pass_rate', 'mean']),
    baseline: MetricSummaryOut,
    candidate: MetricSummaryOut,
    delta: z.object({
      mean: z.number().nullable(),
      n: z.number(),
      se: z.number().nullable(),
      interval: Interval,
      method: z.enum(['paired', 'clustered']),
      reason: z.string().optional(),
      observations: z.number().optional(),
    }),
    mcnemar: z.object({ improved: z.number(), regressed: z.number(), p: z.number() }).optional(),
    improved: z.number(),
    regressed: z.number(),
  })
  .meta({ id: 'MetricComparison' });
export type MetricComparisonOut = z.infer<typeof MetricComparisonOut>;
export type ExampleComparisonOut = z.infer<typeof ExampleComparisonOut>;

/** A candidate against the baseline (the first experiment named). */
export const ComparisonOut = z
  .object({
    baseline: z.string(),
    candidate: z.string(),
    shared: z.number().meta({ description: 'Examples compared: both experiments ran them (different dataset versions: the shared ones)' }),
    same_version: z.boolean(),
    metrics: z.array(MetricComparisonOut),
    examples: z.array(ExampleComparisonOut).meta({ description: 'One page of the compared examples (regressions first), narrowed by status or example_id when asked' }),
    counts: z.record(ExampleStatus, z.number()),
    examples_total: z.number().meta({ description: 'Examples the status / example_id narrowing matches, over all pages' }),
    next_offset: z.number().nullable().meta({ description: 'examples_offset of the next page; null on the last' }),
  })
  .meta({ id: 'Comparison' });
export type ComparisonOut = z.infer<typeof ComparisonOut>;

export const GateIn = z
  .object({
    baseline: z.string().min(1).max(256).optional().meta({ description: "Baseline experiment (id or name); default the dataset's pinned baseline" }),
    baseline_tag: z.string().min(1).max(128).optional().meta({ description: 'The baseline pinned for the dataset version this tag names (the candidate\'s dataset); not with `baseline`' }),
    metrics: z.array(FeedbackKey).max(50).optional(),
    max_regressions: z.number().optional(),
    min_delta: z.number().optional(),
    confidence: z.number().optional(),
  })
  .strict()
  .meta({ id: 'GateIn' });

export const GateOut = z
  .object({
    pass: z.boolean(),
    reasons: z.array(z.string()),
    baseline: z.string(),
    candidate: z.string(),
    /** How the baseline was chosen. */
    baseline_from: z.enum(['named', 'pinned', 'tag']).optional(),
    confidence: z.number(),
    metrics: z.array(
      z.object({
        key: z.string(),
        baseline: z.number().nullable(),
        candidate: z.number().nullable(),
        delta: z.number().nullable(),
        interval: Interval,
        improved: z.number(),
        regressed: z.number(),
        pass: z.boolean(),
        reason: z.string(),
      }),
    ),
    regressed: z.array(z.string()),
    errored: z.array(z.string()),
    missing: z.array(z.string()),
    pinned_regressed: z.array(z.string()),
  })
  .meta({ id: 'GateResult' });
export type GateOut = z.infer<typeof GateOut>;

/** Score an existing experiment with more evaluators (POST /v1/experiments/{id}/score). */
export const ExperimentScoreIn = z
  .object({
    evaluators: z.array(z.string().min(1).max(64)).min(1).max(50).meta({ description: 'Evaluator ids; each is added to the experiment and scores every run that has a trace' }),
  })
  .strict()
  .meta({ id: 'ExperimentScoreIn' });

export const ExperimentScoreOut = z
  .object({
    experiment_id: z.string(),
    evaluators: z.array(z.string()),
    queued: z.number().meta({ description: 'Jobs sent; a run already scored by the same evaluator version keeps its one score' }),
    runs_without_trace: z.number(),
  })
  .meta({ id: 'ExperimentScoreResult' });

export const ExperimentScoringOut = z
  .object({
    experiment_id: z.string(),
    evaluators: z.array(z.object({ evaluator_id: z.string(), queued: z.number(), scored: z.number(), failed: z.number(), skipped: z.number() })),
    done: z.boolean(),
  })
  .meta({ id: 'ExperimentScoring' });

/** A server-side experiment's progress (GET /v1/experiments/{id}/target). */
export const ExperimentTargetOut = z
  .object({
    experiment_id: z.string(),
    kind: z.enum(['endpoint', 'replay']),
    url: z.string().nullable(),
    signed: z.boolean(),
    replay: z.object({ provider_id: z.string(), model: z.string().nullable(), system: z.string().nullable().optional(), temperature: z.number(), max_tokens: z.number() }).nullable(),
    timeout_ms: z.number(),
    concurrency: z.number(),
    max_attempts: z.number(),
    status: z.enum(['running', 'done']),
    runs: z.object({ pending: z.number(), running: z.number(), done: z.number(), errored: z.number() }),
  })
  .meta({ id: 'ExperimentTargetProgress' });
export type ExperimentTargetOut = z.infer<typeof ExperimentTargetOut>;

/** One example's trajectory diff: both runs' tool calls and the aligned steps (workers/experiments/trajectory-diff.ts). */
const DiffCall = z.object({ name: z.string(), args: z.unknown() });
const DiffSide = z.object({ experiment_id: z.string(), trace_id: z.string(), error: z.string().nullable(), scores: z.record(z.string(), z.number()), calls: z.array(DiffCall) });
export const TrajectoryDiffOut = z
  .object({
    example_id: z.string(),
    repetition: z.number(),
    baseline: DiffSide,
    candidate: DiffSide,
    diff: z.object({
      steps: z.array(z.object({ op: z.enum(['same', 'changed', 'removed', 'added']), a: z.number().optional(), b: z.number().optional(), name: z.string(), args: z.array(z.object({ path: z.string(), kind: z.enum(['added', 'removed', 'changed']), a: z.unknown().optional(), b: z.unknown().optional() })).optional() })),
      firstDivergence: z.number().nullable(),
      added: z.number(),
      removed: z.number(),
      changed: z.number(),
      output: z.array(z.object({ op: z.enum(['same', 'added', 'removed']), text: z.string() })),
      outputEqual: z.boolean(),
    }),
  })
  .meta({ id: 'TrajectoryDiff' });
export type TrajectoryDiffOut = z.infer<typeof TrajectoryDiffOut>;
