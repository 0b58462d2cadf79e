/**
 * Counts that one step takes over a chunk of traces and that merge by addition: per
 * candidate feature (traces with it, failing traces with it, a fingerprint of which
 * traces), and per cluster (size, failures, errors, sums for latency, tokens, cost and
 * feedback scores, the first failing examples). Merging is associative and commutative,
 * so chunks may be counted in any order, retried, or folded pairwise; the result is the
 * same. Sizes are bounded by the catalogue and the clusters, not by the traces (a tally
 * of 100,000 traces is as small as one of 1,000: it fits a Workflow step's 1 MiB result).
 */
import { hash32 } from './hash.ts';
import type { TraceSummary } from './summary.ts';

/** Sums for a mean: [sum, count]. */
export type Sum = [number, number];

/** What is counted for one cluster. */
export interface ClusterTally {
  size: number;
  failures: number;
  errors: number;
  latencyMs: Sum;
  tokens: Sum;
  costUsd: Sum;
  feedback: Record<string, Sum>;
  /** Failing trace ids with the smallest hashes: a deterministic sample whatever the chunking. */
  failingExamples: string[];
}

/** The per-feature counts, aligned with the model's catalogue. */
export interface FeatureCounts {
  total: number[];
  failures: number[];
  /** Two 32-bit sums of member-id hashes: equal membership gives equal fingerprints (used to fold duplicates). */
  fingerprintA: number[];
  fingerprintB: number[];
}

/** A mergeable tally. JSON. */
export interface Tally {
  traces: number;
  failures: number;
  /** Every trace's tool calls came from tool spans (tool filters are then exact). */
  toolsFromSpans: boolean;
  features: FeatureCounts;
  intents: Record<string, ClusterTally>;
  trajectoryClusters: Record<string, ClusterTally>;
  reviewClusters: Record<string, ClusterTally>;
}

/** Failing examples kept per cluster. */
export const FAILING_EXAMPLES = 5;

/** An empty tally for a catalogue of `features` candidates. */
export function emptyTally(features: number): Tally {
  const zeros = () => new Array<number>(features).fill(0);
  return { traces: 0, failures: 0, toolsFromSpans: true, features: { total: zeros(), failures: zeros(), fingerprintA: zeros(), fingerprintB: zeros() }, intents: {}, trajectoryClusters: {}, reviewClusters: {} };
}

function emptyCluster(): ClusterTally {
  return { size: 0, failures: 0, errors: 0, latencyMs: [0, 0], tokens: [0, 0], costUsd: [0, 0], feedback: {}, failingExamples: [] };
}

const add = (sum: Sum, v: number | null) => {
  if (v != null && Number.isFinite(v)) (sum[0] += v), sum[1]++;
};

/** Counts one trace into a cluster's tally. */
export function countIntoCluster(tallies: Record<string, ClusterTally>, id: string, s: TraceSummary): void {
  const c = (tallies[id] ??= emptyCluster());
  c.size++;
  if (s.failed) {
    c.failures++;
    c.failingExamples = keepExamples([...c.failingExamples, s.id]);
  }
  if (s.error) c.errors++;
  add(c.latencyMs, s.latencyMs);
  add(c.tokens, s.tokens);
  add(c.costUsd, s.costUsd);
  for (const [k, v] of Object.entries(s.feedback)) add((c.feedback[k] ??= [0, 0]), v);
}

/** Counts one trace's features (indices into the catalogue). */
export function countFeatures(t: Tally, s: TraceSummary, features: number[]): void {
  const a = hash32(s.id, 1);
  const b = hash32(s.id, 2);
  for (const f of features) {
    t.features.total[f]++;
    if (s.failed) t.features.failures[f]++;
    t.features.fingerprintA[f] = (t.features.fingerprintA[f] + a) >>> 0;
    t.features.fingerprintB[f] = (t.features.fingerprintB[f] + b) >>> 0;
  }
}

function keepExamples(ids: string[]): string[] {
  return [...new Set(ids)].sort((x, y) => hash32(x) - hash32(y) || (x < y ? -1 : 1)).slice(0, FAILING_EXAMPLES);
}

/** One cluster's tallies together. */
export function mergeClusterTally(a: ClusterTally, b: ClusterTally): ClusterTally {
  const sum = (x: Sum, y: Sum): Sum => [x[0] + y[0], x[1] + y[1]];
  const feedback: Record<string, Sum> = { ...a.feedback };
  for (const [k, v] of Object.entries(b.feedback)) feedback[k] = feedback[k] ? sum(feedback[k], v) : v;
  return {
    size: a.size + b.size,
    failures: a.failures + b.failures,
    errors: a.errors + b.errors,
    latencyMs: sum(a.latencyMs, b.latencyMs),
    tokens: sum(a.tokens, b.tokens),
    costUsd: sum(a.costUsd, b.costUsd),
    feedback,
    failingExamples: keepExamples([...a.failingExamples, ...b.failingExamples]),
  };
}

function mergeClusters(a: Record<string, ClusterTally>, b: Record<string, ClusterTally>): Record<string, ClusterTally> {
  const out: Record<string, ClusterTally> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? mergeClusterTally(out[k], v) : v;
  return out;
}

/** The tally of both chunks together. */
export function mergeTallies(a: Tally, b: Tally): Tally {
  if (a.features.total.length !== b.features.total.length) throw new Error('tallies of different catalogues cannot be merged');
  const pairwise = (x: number[], y: number[], wrap: boolean) => x.map((v, i) => (wrap ? (v + y[i]) >>> 0 : v + y[i]));
  return {
    traces: a.traces + b.traces,
    failures: a.failures + b.failures,
    toolsFromSpans: a.toolsFromSpans && b.toolsFromSpans,
    features: {
      total: pairwise(a.features.total, b.features.total, false),
      failures: pairwise(a.features.failures, b.features.failures, false),
      fingerprintA: pairwise(a.features.fingerprintA, b.features.fingerprintA, true),
      fingerprintB: pairwise(a.features.fingerprintB, b.features.fingerprintB, true),
    },
    intents: mergeClusters(a.intents, b.intents),
    trajectoryClusters: mergeClusters(a.trajectoryClusters, b.trajectoryClusters),
    reviewClusters: mergeClusters(a.reviewClusters, b.reviewClusters),
  };
}
