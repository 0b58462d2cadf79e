/**
 * The finished Insights report, as stored and served: intent clusters as a hierarchy with
 * their stats, failure clusters, ranked failure patterns, how it was computed and what to
 * know about it (notes). Plain JSON; memberships (which traces are in which cluster or
 * pattern) travel separately (see steps.ts), since they grow with the traces.
 */
import { wilsonInterval } from '../../stats/proportions.ts';
import type { ClusterNode } from './text-clusters.ts';
import type { ClusterTally, Sum } from './tally.ts';
import type { Pattern } from './patterns.ts';

/** A cluster with its stats. */
export interface ClusterReport {
  id: string;
  parent: string | null;
  name: string;
  description: string;
  terms: string[];
  /** Who named it: c-TF-IDF offline, or an LLM. */
  namedBy: 'c-tf-idf' | 'llm' | 'fixed';
  size: number;
  /** Of all traces in the report. */
  share: number;
  failures: number;
  failureRate: number | null;
  /** Wilson interval of the failure rate. */
  failureInterval: { low: number; high: number } | null;
  errorRate: number | null;
  meanLatencyMs: number | null;
  meanTokens: number | null;
  meanCostUsd: number | null;
  totalCostUsd: number | null;
  /** Average score per feedback key. */
  feedback: Record<string, { avg: number; count: number }>;
  /** Sample traces nearest the cluster's centre. */
  examples: string[];
  /** Some failing traces of the cluster. */
  failingExamples: string[];
  children?: ClusterReport[];
}

/** How the report was computed (say which path ran, as the issue asks). */
export interface ReportMethod {
  features: string;
  clustering: string;
  naming: 'c-tf-idf' | 'llm';
  facets: 'none' | 'llm';
  seed: number;
}

/** The report. */
export interface InsightsReport {
  traces: number;
  failures: number;
  baseRate: number | null;
  /** Traces the clusters were fitted on, and failing traces the failure clusters were fitted on. */
  sample: { traces: number; failing: number; sampled: boolean };
  intents: ClusterReport[];
  failureClusters: { byTrajectory: ClusterReport[]; byReview: ClusterReport[] };
  patterns: Pattern[];
  /** Distinct candidate patterns tested (the Benjamini-Hochberg family). */
  patternsTested: number;
  patternsSignificant: number;
  method: ReportMethod;
  notes: string[];
}

const mean = (s: Sum) => (s[1] ? Number((s[0] / s[1]).toPrecision(6)) : null);

/** The stats of a cluster from its tally (or an empty one). */
export function clusterReport(node: Pick<ClusterNode, 'id' | 'parent' | 'name' | 'description' | 'terms' | 'examples'>, tally: ClusterTally | undefined, traces: number, namedBy: ClusterReport['namedBy']): ClusterReport {
  const t = tally ?? { size: 0, failures: 0, errors: 0, latencyMs: [0, 0], tokens: [0, 0], costUsd: [0, 0], feedback: {}, failingExamples: [] };
  return {
    id: node.id,
    parent: node.parent,
    name: node.name,
    description: node.description,
    terms: node.terms,
    namedBy,
    size: t.size,
    share: traces ? Number((t.size / traces).toFixed(4)) : 0,
    failures: t.failures,
    failureRate: t.size ? Number((t.failures / t.size).toFixed(4)) : null,
    failureInterval: t.size ? roundInterval(wilsonInterval(t.failures, t.size)) : null,
    errorRate: t.size ? Number((t.errors / t.size).toFixed(4)) : null,
    meanLatencyMs: mean(t.latencyMs),
    meanTokens: mean(t.tokens),
    meanCostUsd: mean(t.costUsd),
    totalCostUsd: t.costUsd[1] ? Number(t.costUsd[0].toPrecision(6)) : null,
    feedback: Object.fromEntries(Object.entries(t.feedback).map(([k, s]) => [k, { avg: mean(s)!, count: s[1] }])),
    examples: node.examples,
    failingExamples: t.failingExamples,
  };
}

function roundInterval(i: { low: number; high: number } | null): { low: number; high: number } | null {
  return i ? { low: Number(i.low.toFixed(4)), high: Number(i.high.toFixed(4)) } : null;
}
