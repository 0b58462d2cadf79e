/**
 * Intent clusters: what users ask for, in two levels. A few top-level categories (k by
 * silhouette, 2..8), each split into subcategories when its requests have structure of
 * their own (again by silhouette, with a floor, so a uniform category stays whole).
 * Traces with no usable request text (no user input, or nothing but ids and numbers)
 * form their own "(no input)" group: kept and counted, never dropped.
 */
import { textGrams, type Gram } from './tokens.ts';
import type { TraceSummary } from './summary.ts';
import { embed, fitEmbedding, fitLevel, nearestNode, type ClusterDocument, type ClusterNode, type Embedding } from './text-clusters.ts';

/** The id of the group of traces without request text. */
export const NO_INPUT_ID = 'none';

/** How intents are fitted. */
export interface IntentOptions {
  seed: number;
  /** Most top-level categories. */
  maxCategories?: number;
  /** Most subcategories per category. */
  maxSubcategories?: number;
  /** LSA dimensions (subcategories use them all). */
  rank?: number;
  /**
   * Leading LSA dimensions the categories are formed in. The first singular vectors carry
   * the broad themes of a corpus (airline vs retail), the later ones the specifics that
   * separate subcategories; categories cut on all dimensions split on rare shared words.
   */
  categoryRank?: number;
  /** TF-IDF columns. */
  maxFeatures?: number;
  /** Smallest cluster, as a share of the sample (floor 2 traces). */
  minClusterShare?: number;
  /** A category is split only if its best split reaches this silhouette. */
  minSubSilhouette?: number;
}

/** A fitted intent model: JSON, a few MB at most (the projection dominates: columns x rank numbers). */
export interface IntentModel {
  embedding: Embedding;
  /** Top-level categories, largest first. */
  categories: ClusterNode[];
  /** Subcategories (parent = a category id); a category without any is a leaf itself. */
  subcategories: ClusterNode[];
  /** The "(no input)" group as fitted (its stats come from the tally). */
  noInput: ClusterNode;
  /** Leading dimensions of a point that place it in a category (see IntentOptions.categoryRank). */
  categoryRank: number;
  /** How k was chosen, for the report's notes. */
  notes: string[];
}

/** The leading `rank` dimensions of a point, renormalised: its place among the categories. */
export function categoryPoint(point: number[], rank: number): number[] {
  const head = point.slice(0, rank);
  const norm = Math.sqrt(head.reduce((a, x) => a + x * x, 0));
  return norm > 0 ? head.map((x) => x / norm) : head;
}

/**
 * The text whose words define a trace's intent: the request, plus the LLM's request and
 * task facets when a provider summarised the trace. The request stays in, so traces
 * without facets (outside the LLM's sample, or after a provider failure) still share the
 * vocabulary the clusters were fitted on.
 */
export function intentText(s: TraceSummary): string {
  return s.facets ? `${s.request}\n${s.facets.request}\n${s.facets.task}` : s.request;
}

/** The n-grams of a trace's intent text. */
export function intentGrams(s: TraceSummary): Gram[] {
  return textGrams(intentText(s));
}

/** Fits the intent hierarchy on a sample (sorted by trace id first, so input order never matters). */
export function fitIntents(sample: TraceSummary[], options: IntentOptions): IntentModel {
  const sorted = [...sample].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const docs: ClusterDocument[] = sorted.map((s) => ({ id: s.id, grams: intentGrams(s), text: s.request }));
  const { embedding, points } = fitEmbedding(docs, { seed: options.seed, rank: options.rank ?? 48, maxFeatures: options.maxFeatures ?? 4096 });
  const withText = docs.map((_, i) => i).filter((i) => points[i]);
  const noInput: ClusterNode = {
    id: NO_INPUT_ID,
    parent: null,
    name: '(no input)',
    description: 'Traces with no user request text: no user message or root input, or one with only ids, numbers or filler words.',
    terms: [],
    centroid: [],
    sampleSize: docs.length - withText.length,
    examples: docs.filter((_, i) => !points[i]).slice(0, 3).map((d) => d.id),
  };
  const notes: string[] = [];
  const categoryRank = Math.min(options.categoryRank ?? 12, embedding.projection.rank);
  if (!withText.length) return { embedding, categories: [], subcategories: [], noInput, categoryRank, notes: ['no trace in the sample has request text: every trace is in (no input)'] };
  const minClusterSize = Math.max(2, Math.ceil((options.minClusterShare ?? 0.02) * withText.length));
  const textDocs = withText.map((i) => docs[i]);
  const textPoints = withText.map((i) => points[i]!);
  const top = fitLevel(textDocs, textPoints.map((p) => categoryPoint(p, categoryRank)), embedding, {
    seed: options.seed,
    maxK: options.maxCategories ?? 8,
    minClusterSize,
    minSilhouette: 0,
    idPrefix: 'c',
    parent: null,
    what: 'Requests',
  });
  notes.push(`categories: k=${top.nodes.length} of ${top.partition.tried.map((t) => `${t.k}:${t.silhouette}`).join(' ') || 'one (too few distinct requests)'} (silhouette)`);
  const subcategories: ClusterNode[] = [];
  top.nodes.forEach((category, c) => {
    const members = textDocs.map((_, i) => i).filter((i) => top.labels[i] === c);
    if (members.length < 2 * minClusterSize) return;
    const sub = fitLevel(
      members.map((i) => textDocs[i]),
      members.map((i) => textPoints[i]),
      embedding,
      {
        seed: options.seed + c + 1,
        maxK: options.maxSubcategories ?? 8,
        minClusterSize,
        minSilhouette: options.minSubSilhouette ?? 0.05,
        idPrefix: `${category.id}.`,
        parent: category.id,
        what: 'Requests',
      },
    );
    if (sub.nodes.length > 1) {
      subcategories.push(...sub.nodes);
      notes.push(`${category.id}: ${sub.nodes.length} subcategories (silhouette ${sub.partition.silhouette})`);
    }
  });
  return { embedding, categories: top.nodes, subcategories, noInput, categoryRank, notes };
}

/** A trace's intent: its leaf cluster (a subcategory, or a category without any) and its category. */
export interface IntentAssignment {
  leaf: string;
  category: string;
}

/** Assigns a trace to the nearest category, then to that category's nearest subcategory. */
export function assignIntent(model: IntentModel, s: TraceSummary): IntentAssignment {
  const point = model.categories.length ? embed(model.embedding, intentGrams(s)) : null;
  if (!point) return { leaf: NO_INPUT_ID, category: NO_INPUT_ID };
  const category = nearestNode(model.categories, categoryPoint(point, model.categoryRank));
  const subs = model.subcategories.filter((n) => n.parent === category.id);
  return { leaf: subs.length ? nearestNode(subs, point).id : category.id, category: category.id };
}
