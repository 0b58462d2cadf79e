/**
 * The offline clustering pipeline shared by intents and failure clusters: documents
 * (n-gram lists) -> TF-IDF (vectorizer.ts) -> LSA (projection.ts) -> k-means with k by
 * silhouette (partition.ts) -> names by c-TF-IDF (naming.ts). Fitting happens once on a
 * bounded sample; the fitted `Embedding` and centroids are JSON, and assigning a new
 * document is a projection and a nearest-centroid search (microseconds, any step).
 */
import type { Gram } from './tokens.ts';
import { fitVectorizer, round, termCounts, vectorize, weigh, type SparseVector, type TextModel, type VectorizerOptions } from './vectorizer.ts';
import { fitProjection, project, type Projection } from './projection.ts';
import { nearest, partition, squaredDistance, type Partition, type PartitionOptions } from './partition.ts';
import { describeCluster, distinguishingTerms, nameOf, type ScoredTerm } from './naming.ts';

/** A document to cluster: an id (trace id), its n-grams (made on demand, see fitVectorizer), and its text for examples. */
export interface ClusterDocument {
  id: string;
  grams: () => Gram[];
  text: string;
}

/** TF-IDF plus projection: how a document becomes a point. JSON. */
export interface Embedding {
  text: TextModel;
  projection: Projection;
}

/** One cluster of a fitted model. JSON. */
export interface ClusterNode {
  id: string;
  parent: string | null;
  name: string;
  description: string;
  /** The distinguishing terms, best first. */
  terms: string[];
  /** Centre in the projected space. */
  centroid: number[];
  /** Sample documents in it at fit time. */
  sampleSize: number;
  /** Sample trace ids nearest the centre. */
  examples: string[];
}

/** How to fit an embedding. */
export interface EmbeddingOptions extends VectorizerOptions {
  rank: number;
  seed: number;
}

/**
 * Fits TF-IDF and LSA on `docs`; returns each document's point (null when it has no known
 * n-gram) and its term counts (for naming clusters by c-TF-IDF).
 */
export function fitEmbedding(docs: ClusterDocument[], options: EmbeddingOptions): { embedding: Embedding; points: (number[] | null)[]; counts: SparseVector[] } {
  const text = fitVectorizer(docs.length, (i) => docs[i].grams(), options);
  const counts = docs.map((d) => termCounts(text, d.grams()));
  const vectors = counts.map((c) => weigh(text, c));
  const projection = fitProjection(vectors.filter((v) => v.idx.length), text.columns.length, options.rank, options.seed);
  const points = vectors.map((v) => (v.idx.length ? project(projection, v).map(round) : null));
  return { embedding: { text, projection }, points, counts };
}

/** A document's point, or null when none of its n-grams is a feature (it then belongs to no text cluster). */
export function embed(embedding: Embedding, grams: Gram[]): number[] | null {
  const v = vectorize(embedding.text, grams);
  return v.idx.length ? project(embedding.projection, v).map(round) : null;
}

/** The nearest node to `point` among `nodes` (lowest index on ties). */
export function nearestNode(nodes: ClusterNode[], point: number[]): ClusterNode {
  return nodes[nearest(nodes.map((n) => n.centroid), point)];
}

/** How to name a set of groups. */
export interface GroupOptions {
  /** Prefix of the ids: "c" gives c1, c2, ... (numbered by size, largest first). */
  idPrefix: string;
  parent: string | null;
  /** What a document is, for descriptions ("Requests", "Failing traces"). */
  what: string;
  /** Terms kept per cluster. */
  terms?: number;
}

/** How to fit one level of clusters. */
export interface LevelOptions extends Omit<PartitionOptions, 'seed'>, GroupOptions {
  seed: number;
}

/** Clusters of one level, and the node index of each input point. */
export interface Level {
  nodes: ClusterNode[];
  /** nodes index per document. */
  labels: number[];
  partition: Partition;
}

/** Splits `docs` (with their points) into clusters by k-means (partition.ts) and names them (groupNodes). */
export function fitLevel(docs: ClusterDocument[], points: number[][], counts: SparseVector[], embedding: Embedding, options: LevelOptions): Level {
  const split = partition(points, options);
  const { nodes, labels } = groupNodes(docs, points, counts, split.labels, embedding, options);
  return { nodes, labels, partition: split };
}

/**
 * Nodes for documents already grouped (`groups[i]` is document i's group, any numbering):
 * numbered by size (largest first, ties by first document, so ids are stable), centred
 * on their members' mean, named by c-TF-IDF against the other groups passed in: a
 * subcategory's name says what sets it apart from its siblings, not from the whole report.
 */
export function groupNodes(docs: ClusterDocument[], points: number[][], counts: SparseVector[], groups: number[], embedding: Embedding, options: GroupOptions): { nodes: ClusterNode[]; labels: number[] } {
  const size = new Map<number, number>();
  const first = new Map<number, number>();
  groups.forEach((g, i) => {
    size.set(g, (size.get(g) ?? 0) + 1);
    if (!first.has(g)) first.set(g, i);
  });
  const order = [...size.keys()].sort((a, b) => size.get(b)! - size.get(a)! || first.get(a)! - first.get(b)!);
  const rank = new Map(order.map((g, i) => [g, i]));
  const labels = groups.map((g) => rank.get(g)!);
  const classCounts = order.map(() => new Map<number, number>());
  const sums = order.map(() => new Array<number>(points[0]?.length ?? 0).fill(0));
  counts.forEach((c, i) => {
    const m = classCounts[labels[i]];
    c.idx.forEach((col, k) => m.set(col, (m.get(col) ?? 0) + c.val[k]));
    const sum = sums[labels[i]];
    points[i].forEach((x, j) => (sum[j] += x));
  });
  const top = options.terms ?? 10;
  const scored: ScoredTerm[][] = order.length > 1 ? distinguishingTerms(classCounts, embedding.text.terms, top) : [topTerms(classCounts[0], embedding.text, top)];
  const nodes = order.map((_, i) => {
    const members = labels.map((l, j) => (l === i ? j : -1)).filter((j) => j >= 0);
    const centroid = sums[i].map((x) => round(x / members.length));
    const examples = members
      .map((j) => ({ j, d: squaredDistance(points[j], centroid) }))
      .sort((a, b) => a.d - b.d || docs[a.j].id.localeCompare(docs[b.j].id))
      .slice(0, 3)
      .map((e) => e.j);
    const id = `${options.idPrefix}${i + 1}`;
    return {
      id,
      parent: options.parent,
      name: nameOf(scored[i], id),
      description: describeCluster(options.what, scored[i], examples.length ? docs[examples[0]].text : null),
      terms: scored[i].map((t) => t.term),
      centroid,
      sampleSize: members.length,
      examples: examples.map((j) => docs[j].id),
    };
  });
  return { nodes, labels };
}

/** With one cluster there is nothing to contrast: its most frequent (idf-weighted) terms. */
function topTerms(counts: Map<number, number>, text: TextModel, top: number): ScoredTerm[] {
  return [...counts]
    .map(([col, n]) => ({ term: text.terms[col], score: Number((n * text.idf[col]).toFixed(6)) }))
    .sort((a, b) => b.score - a.score || a.term.localeCompare(b.term))
    .slice(0, top);
}
