/**
 * The offline Insights engine: pure functions from trace summaries to intent clusters,
 * failure clusters and ranked failure patterns, in steps that fit a Worker invocation
 * each (steps.ts). No D1, R2 or HTTP here: the job in workers/insights/ does the I/O.
 */
export { summarizeTrace, type TraceSummary, type TraceFacets, type ToolCallSummary, type SummaryOptions } from './summary.ts';
export {
  planReport,
  sampleMembership,
  fitReport,
  assignChunk,
  mergeTallies,
  finalizeReport,
  patternMembers,
  runReport,
  type ReportOptions,
  type ReportPlan,
  type ReportModel,
  type TraceMembership,
} from './steps.ts';
export type { Tally } from './tally.ts';
export type { InsightsReport, ClusterReport, ReportMethod } from './report.ts';
export type { Pattern } from './patterns.ts';
export { NO_INPUT_ID } from './intents.ts';
export { describeFeature, parseFeatureKey, type FeatureKind } from './features.ts';
export { parseFacets, withFacets, labelRequests, applyClusterLabels, FACET_PROMPT, LABEL_PROMPT, FacetAnswer, type InsightsLlm, type FacetRequest, type ClusterLabelRequest, type ClusterLabel } from './llm.ts';
