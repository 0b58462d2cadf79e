/**
 * Failure clusters: the failing traces grouped two ways. By trajectory: what the agent did
 * (calls, failed calls, 2-step sequences, repeats, how it ended), so "looked the order up,
 * then cancelled without asking" separates from "looped on search". By what reviewers
 * wrote: comments, corrections, rubric answers (failure_mode: ...) and, when an LLM ran,
 * its failure-reason facet: the free text that scores alone never summarise. Failing
 * traces without reviewer text form a "(no reviewer text)" group.
 */
import { textGrams, type Gram } from './tokens.ts';
import type { TraceSummary } from './summary.ts';
import { collapsed, trajectoryTokens } from './trajectory.ts';
import { embed, fitEmbedding, fitLevel, nearestNode, type ClusterDocument, type ClusterNode, type Embedding } from './text-clusters.ts';

/** The id of failing traces with no reviewer text (or none that says anything distinguishing). */
export const NO_REVIEW_ID = 'none';

/** One flat set of failure clusters. JSON. */
export interface FailureClustering {
  embedding: Embedding;
  clusters: ClusterNode[];
  notes: string[];
}

/** Both failure clusterings. JSON. */
export interface FailureModel {
  byTrajectory: FailureClustering;
  byReview: FailureClustering;
}

/** How failure clusters are fitted. */
export interface FailureOptions {
  seed: number;
  maxClusters?: number;
  minClusterShare?: number;
}

/** A trajectory as n-grams: each token is one feature, shown as written. */
export function trajectoryGrams(s: TraceSummary): Gram[] {
  return trajectoryTokens(s.tools, s.ending).map((t) => ({ key: t, surface: t }));
}

/** What reviewers (and the LLM's failure reason, when present) wrote about a trace, as n-grams. */
export function reviewGrams(s: TraceSummary): Gram[] {
  const texts = [...s.reviewerTexts, ...(s.facets?.failureReason ? [s.facets.failureReason] : [])];
  return textGrams(texts.join('\n'));
}

function reviewText(s: TraceSummary): string {
  return [...s.reviewerTexts, ...(s.facets?.failureReason ? [s.facets.failureReason] : [])].join(' / ');
}

function fitOne(failing: TraceSummary[], grams: (s: TraceSummary) => Gram[], text: (s: TraceSummary) => string, prefix: string, what: string, options: FailureOptions): FailureClustering {
  const docs: ClusterDocument[] = failing.map((s) => ({ id: s.id, grams: () => grams(s), text: text(s) }));
  const { embedding, points, counts } = fitEmbedding(docs, { seed: options.seed, rank: 32, maxFeatures: 2048 });
  const kept = docs.map((_, i) => i).filter((i) => points[i]);
  if (!kept.length) return { embedding, clusters: [], notes: [`${what}: nothing to cluster`] };
  const level = fitLevel(
    kept.map((i) => docs[i]),
    kept.map((i) => points[i]!),
    kept.map((i) => counts[i]),
    embedding,
    {
      seed: options.seed,
      maxK: options.maxClusters ?? 8,
      minClusterSize: Math.max(2, Math.ceil((options.minClusterShare ?? 0.03) * kept.length)),
      minSilhouette: 0,
      idPrefix: prefix,
      parent: null,
      what,
    },
  );
  return { embedding, clusters: level.nodes, notes: [`${what}: k=${level.nodes.length} of ${level.partition.tried.map((t) => `${t.k}:${t.silhouette}`).join(' ') || 'one'} (silhouette)`] };
}

/** Fits both failure clusterings on a sample of failing traces (sorted by id: input order never matters). */
export function fitFailures(failingSample: TraceSummary[], options: FailureOptions): FailureModel {
  const failing = [...failingSample].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byTrajectory = fitOne(failing, trajectoryGrams, (s) => collapsed(s.tools).join(' → ') || 'no tool calls', 't', 'Failing traces', options);
  const withReview = failing.filter((s) => reviewGrams(s).length);
  const byReview = fitOne(withReview, reviewGrams, reviewText, 'r', 'Reviews', options);
  return { byTrajectory, byReview };
}

/** The failure clusters of a failing trace (null for a clustering with no clusters). */
export function assignFailure(model: FailureModel, s: TraceSummary): { trajectory: string | null; review: string | null } {
  const t = model.byTrajectory.clusters.length ? embed(model.byTrajectory.embedding, trajectoryGrams(s)) : null;
  const r = model.byReview.clusters.length ? embed(model.byReview.embedding, reviewGrams(s)) : null;
  return {
    trajectory: t ? nearestNode(model.byTrajectory.clusters, t).id : model.byTrajectory.clusters.length ? NO_REVIEW_ID : null,
    review: r ? nearestNode(model.byReview.clusters, r).id : NO_REVIEW_ID,
  };
}
