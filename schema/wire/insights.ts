/**
 * Wire schemas for Insights reports (docs/insights.md): running a report, its row with
 * progress, and the finished report (intent hierarchy, failure clusters, ranked failure
 * patterns), each cluster and pattern with the filter that reaches its traces.
 */
import { z } from 'zod';

/** POST /v1/insights/reports. */
export const ReportRun = z.strictObject({
  filter: z.string().max(4000).default('').meta({ description: 'Which traces (the filter language; empty: every trace)', example: 'env=production' }),
  since: z.string().max(40).default('30d').meta({ description: 'Start of the time range: a duration back from now (30d, 12h) or a date', example: '30d' }),
  until: z.string().max(40).optional().meta({ description: 'End of the time range (exclusive): a duration back from now or a date; default now' }),
  failure_filter: z.string().max(4000).optional().meta({
    description: 'What failing means (the filter language). Default: some feedback or score below 0.5 (thumbs-down, outcome=0, a low evaluator score) or error status',
    example: 'feedback.outcome=0',
  }),
  provider_id: z.string().max(64).optional().meta({ description: "LLM provider for facets and cluster names (judge calls, within the daily judge caps); default: the project's first provider, if any" }),
  offline: z.boolean().optional().meta({ description: 'true: no LLM even when a provider is configured' }),
});
export type ReportRun = z.input<typeof ReportRun>;

export const ReportStatus = z.enum(['queued', 'running', 'done', 'failed']);

export const ReportProgress = z.object({ step: z.string(), done: z.number().int(), total: z.number().int() });

/** A report's row: what it was asked, where it is. */
export const ReportRow = z.object({
  id: z.string(),
  status: ReportStatus,
  filter: z.string(),
  failure_filter: z.string().nullable().meta({ description: 'null: the default failure definition' }),
  since: z.number().nullable(),
  until: z.number().nullable(),
  progress: ReportProgress,
  source: z.enum(['api', 'schedule']),
  traces: z.number().int().nullable(),
  failures: z.number().int().nullable(),
  method: z.string().nullable().meta({ description: 'offline (TF-IDF + k-means, c-TF-IDF names) or llm (facets and names by the judge provider)' }),
  error: z.string().nullable(),
  created_at: z.number(),
  finished_at: z.number().nullable(),
});
export type ReportRow = z.infer<typeof ReportRow>;

const Interval = z.object({ low: z.number(), high: z.number() }).nullable();

/** A cluster with its stats; `membership_filter` reaches exactly its traces. */
const ClusterFields = z.object({
  id: z.string(),
  parent: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  terms: z.array(z.string()),
  namedBy: z.string(),
  size: z.number().int(),
  share: z.number(),
  failures: z.number().int(),
  failureRate: z.number().nullable(),
  failureInterval: Interval,
  errorRate: z.number().nullable(),
  meanLatencyMs: z.number().nullable(),
  meanTokens: z.number().nullable(),
  meanCostUsd: z.number().nullable(),
  totalCostUsd: z.number().nullable(),
  feedback: z.record(z.string(), z.object({ avg: z.number(), count: z.number() })),
  examples: z.array(z.string()),
  failingExamples: z.array(z.string()),
  membership_filter: z.string(),
});
/**
 * Two levels (categories, their subcategories), spelt out rather than recursive: a
 * recursive (lazy) schema sends the OpenAPI generator into endless recursion.
 */
export const ClusterOut = ClusterFields.extend({ children: z.array(ClusterFields).optional().meta({ description: 'Subcategories' }) });
export type ClusterOut = z.infer<typeof ClusterFields> & { children?: ClusterOut[] };

/** A ranked failure pattern. */
export const PatternOut = z.object({
  id: z.string().meta({ description: 'p1, p2, ... by rank: `insight.<report>=<id>` is its traces' }),
  key: z.string(),
  kind: z.string(),
  label: z.string(),
  filter: z.string().nullable().meta({ description: 'The equivalent filter (also finds new traces), when there is one' }),
  membership_filter: z.string(),
  support: z.number().int(),
  failures: z.number().int(),
  rate: z.number(),
  baseRate: z.number(),
  lift: z.number(),
  interval: Interval,
  p: z.number(),
  q: z.number(),
  significant: z.boolean(),
  sameAs: z.array(z.string()),
});
export type PatternOut = z.infer<typeof PatternOut>;

/** The finished report (absent while running). */
export const ReportBody = z.object({
  traces: z.number().int(),
  failures: z.number().int(),
  baseRate: z.number().nullable(),
  sample: z.object({ traces: z.number().int(), failing: z.number().int(), sampled: z.boolean(), capped: z.boolean().optional(), matched: z.number().int().optional() }),
  intents: z.array(ClusterOut),
  failureClusters: z.object({ byTrajectory: z.array(ClusterOut), byReview: z.array(ClusterOut) }),
  patterns: z.array(PatternOut),
  patternsTested: z.number().int(),
  patternsSignificant: z.number().int(),
  method: z.object({ features: z.string(), clustering: z.string(), naming: z.string(), facets: z.string(), seed: z.number(), path: z.string().optional() }),
  notes: z.array(z.string()),
});
export type ReportBody = z.infer<typeof ReportBody>;

export const ReportOut = ReportRow.extend({ report: ReportBody.nullable() });
export type ReportOut = z.infer<typeof ReportOut>;

/** A tracked pattern (POST/GET /v1/insights/tracked): its rate per later report and per release. */
export const TrackedOut = z.object({
  id: z.string(),
  report_id: z.string(),
  pattern_key: z.string(),
  label: z.string(),
  filter: z.string().nullable(),
  threshold: z.number(),
  status: z.enum(['open', 'fixed']),
  reports: z.array(z.object({ report_id: z.string(), created_at: z.number(), support: z.number(), failures: z.number(), rate: z.number() })),
  releases: z.array(z.object({ release: z.string().nullable(), traces: z.number(), failures: z.number(), rate: z.number() })),
  created_at: z.number(),
});
export type TrackedOut = z.infer<typeof TrackedOut>;
