/**
 * Intent clusters: what users ask for, in two levels, built bottom-up as BERTopic builds
 * topic hierarchies. First the leaves: k-means over the requests with k chosen by
 * silhouette from a grid (2..48). Then the categories: the leaves' centres merged by
 * Ward agglomerative clustering (ml-hclust), cut where the leaves' own
 * silhouette is best (2..8 groups). Cutting top-down by silhouette instead always picked
 * the largest k on real requests (near-identical phrasings are the tightest groups), so
 * "a few categories" came out as many; leaves of one theme lie near each other, so their
 * grouping recovers the themes. A category with one leaf is a leaf itself.
 * Traces with no usable request text (no user input, or nothing but ids and numbers)
 * form their own "(no input)" group: kept and counted, never dropped.
 */
import { agnes } from 'ml-hclust';
import { textGrams, type Gram } from './tokens.ts';
import type { TraceSummary } from './summary.ts';
import { embed, fitEmbedding, groupNodes, nearestNode, type ClusterDocument, type ClusterNode, type Embedding } from './text-clusters.ts';
import { partition } from './partition.ts';

/** The id of the group of traces without request text. */
export const NO_INPUT_ID = 'none';

/** How intents are fitted. */
export interface IntentOptions {
  seed: number;
  /** Most top-level categories. */
  maxCategories?: number;
  /** Most leaf clusters. */
  maxLeaves?: number;
  /** LSA dimensions. */
  rank?: number;
  /** TF-IDF columns. */
  maxFeatures?: number;
  /** No k above (sample size x this share) leaves is tried: leaves hold about this share at least. */
  minClusterShare?: number;
  /** Leaves are grouped into categories only when the grouping's silhouette reaches this. */
  minCategorySilhouette?: number;
}

/** The leaf counts tried: dense where choices matter, sparse above (each k is a k-means fit). */
const LEAF_KS = [2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48];

/** A fitted intent model: JSON, a few MB at most (the projection dominates: columns x rank numbers). */
export interface IntentModel {
  embedding: Embedding;
  /** Top-level categories, largest first. */
  categories: ClusterNode[];
  /** Subcategories (parent = a category id); a category without any is a leaf itself. */
  subcategories: ClusterNode[];
  /** The "(no input)" group as fitted (its stats come from the tally). */
  noInput: ClusterNode;
  /** How k was chosen, for the report's notes. */
  notes: string[];
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
  const docs: ClusterDocument[] = sorted.map((s) => ({ id: s.id, grams: () => intentGrams(s), text: s.request }));
  const { embedding, points, counts } = fitEmbedding(docs, { seed: options.seed, rank: options.rank ?? 48, maxFeatures: options.maxFeatures ?? 4096 });
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
  if (!withText.length) return { embedding, categories: [], subcategories: [], noInput, notes: ['no trace in the sample has request text: every trace is in (no input)'] };
  const minClusterSize = Math.max(2, Math.ceil((options.minClusterShare ?? 0.02) * withText.length));
  const textDocs = withText.map((i) => docs[i]);
  const textPoints = withText.map((i) => points[i]!);
  const textCounts = withText.map((i) => counts[i]);
  const leaves = partition(textPoints, { seed: options.seed, maxK: options.maxLeaves ?? 48, ks: LEAF_KS, minClusterSize, minSilhouette: 0 });
  notes.push(`leaves: k=${leaves.k} by silhouette (${leaves.tried.map((t) => `${t.k}:${t.silhouette}`).join(' ') || 'one group: too few distinct requests'})`);
  const grouping = groupLeaves(leaves.centroids, leaves.labels, options.maxCategories ?? 8, options.minCategorySilhouette ?? 0.05);
  notes.push(grouping.note);
  const categoryOf = leaves.labels.map((l) => grouping.groups[l]);
  const top = groupNodes(textDocs, textPoints, textCounts, categoryOf, embedding, { idPrefix: 'c', parent: null, what: 'Requests' });
  const subcategories: ClusterNode[] = [];
  top.nodes.forEach((category, c) => {
    const members = top.labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
    if (new Set(members.map((i) => leaves.labels[i])).size < 2) return;
    const sub = groupNodes(
      members.map((i) => textDocs[i]),
      members.map((i) => textPoints[i]),
      members.map((i) => textCounts[i]),
      members.map((i) => leaves.labels[i]),
      embedding,
      { idPrefix: `${category.id}.`, parent: category.id, what: 'Requests' },
    );
    subcategories.push(...sub.nodes);
  });
  return { embedding, categories: top.nodes, subcategories, noInput, notes };
}

/**
 * Groups leaf clusters into at most `maxGroups` categories: Ward agglomeration of the leaf
 * centres (ml-hclust; average linkage made one category of 98% and a few outliers), cut
 * into the number of groups whose silhouette over the leaves (each weighted by its size)
 * is best. When no cut reaches `minSilhouette` and there are few leaves, the leaves stay
 * categories of their own.
 */
function groupLeaves(centroids: number[][], labels: number[], maxGroups: number, minSilhouette: number): { groups: number[]; note: string } {
  const k = centroids.length;
  const alone = { groups: centroids.map((_, i) => i), note: `categories: the ${k} leaves, ungrouped` };
  if (k <= 2) return alone;
  const sizes = new Array<number>(k).fill(0);
  for (const l of labels) sizes[l]++;
  const unit = centroids.map((c) => {
    const n = Math.sqrt(c.reduce((s, x) => s + x * x, 0)) || 1;
    return c.map((x) => x / n);
  });
  // Euclidean distance between unit vectors, sqrt(2 - 2 cos): what Ward's criterion needs.
  const dist = unit.map((a) => unit.map((b) => Math.sqrt(Math.max(0, 2 - 2 * a.reduce((s, x, j) => s + x * b[j], 0)))));
  const tree = agnes(dist, { method: 'ward', isDistanceMatrix: true });
  let best: { groups: number[]; score: number; count: number } | null = null;
  const tried: string[] = [];
  for (let g = 2; g <= Math.min(maxGroups, k - 1); g++) {
    const groups = new Array<number>(k).fill(0);
    tree.group(g).children.forEach((child, gi) => {
      for (const leaf of child.indices()) groups[leaf] = gi;
    });
    const score = weightedSilhouette(dist, groups, sizes);
    tried.push(`${g}:${score.toFixed(4)}`);
    if (!best || score > best.score + 1e-9) best = { groups, score, count: g };
  }
  // A few leaves without a theme in common stay categories; more than maxGroups are always grouped (a report shows a few categories).
  if (!best || (best.score < minSilhouette && k <= maxGroups)) return { ...alone, note: `${alone.note} (best grouping silhouette below ${minSilhouette}: ${tried.join(' ')})` };
  return { groups: best.groups, note: `categories: ${best.count} groups of the ${k} leaves by Ward linkage, cut by silhouette (${tried.join(' ')})` };
}

/** Silhouette of a grouping of weighted points (leaves weighted by size) over a distance matrix. */
function weightedSilhouette(dist: number[][], groups: number[], weights: number[]): number {
  let total = 0;
  let weight = 0;
  for (let i = 0; i < dist.length; i++) {
    const within = new Map<number, [number, number]>();
    for (let j = 0; j < dist.length; j++) {
      if (j === i) continue;
      const w = within.get(groups[j]) ?? [0, 0];
      w[0] += dist[i][j] * weights[j];
      w[1] += weights[j];
      within.set(groups[j], w);
    }
    weight += weights[i];
    const own = within.get(groups[i]);
    // A leaf alone in its group scores 0 (as a singleton does in the usual silhouette).
    if (!own) continue;
    const a = own[0] / own[1];
    let b = Infinity;
    for (const [g, [d, w]] of within) if (g !== groups[i]) b = Math.min(b, d / w);
    if (Number.isFinite(b) && Math.max(a, b) > 0) total += ((b - a) / Math.max(a, b)) * weights[i];
  }
  return weight ? total / weight : 0;
}

/** A trace's intent: its leaf cluster (a subcategory, or a category without any) and its category. */
export interface IntentAssignment {
  leaf: string;
  category: string;
}

/** The leaf clusters: subcategories, and categories without any. */
export function leavesOf(model: IntentModel): ClusterNode[] {
  const parents = new Set(model.subcategories.map((n) => n.parent));
  return [...model.categories.filter((c) => !parents.has(c.id)), ...model.subcategories];
}

const leafCache = new WeakMap<IntentModel, ClusterNode[]>();

/** Assigns a trace to the nearest leaf cluster (and so to its category). */
export function assignIntent(model: IntentModel, s: TraceSummary): IntentAssignment {
  const point = model.categories.length ? embed(model.embedding, intentGrams(s)) : null;
  if (!point) return { leaf: NO_INPUT_ID, category: NO_INPUT_ID };
  let leaves = leafCache.get(model);
  if (!leaves) leafCache.set(model, (leaves = leavesOf(model)));
  const leaf = nearestNode(leaves, point);
  return { leaf: leaf.id, category: leaf.parent ?? leaf.id };
}
