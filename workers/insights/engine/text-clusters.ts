/**
 * The offline clustering pipeline shared by intents and failure clusters: documents
 * (n-gram lists) -> TF-IDF (vectorizer.ts) -> LSA (projection.ts) -> k-means with k by
 * silhouette (partition.ts) -> names by c-TF-IDF (naming.ts). Fitting happens once on a
 * bounded sample; the fitted `Embedding` and centroids are JSON, and assigning a new
 * document is a projection and a nearest-centroid search (microseconds, any step).
 */
import type { Gram } from './tokens.ts';
import { columnOf, fitVectorizer, round, vectorize, type TextModel, type VectorizerOptions } from './vectorizer.ts';
import { fitProjection, project, type Projection } from './projection.ts';
import { nearest, partition, squaredDistance, type Partition, type PartitionOptions } from './partition.ts';
import { describeCluster, distinguishingTerms, nameOf, type ScoredTerm } from './naming.ts';

/** A document to cluster: an id (trace id), its n-grams, and its text for examples. */
export interface ClusterDocument {
  id: string;
  grams: Gram[];
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

/** Fits TF-IDF and LSA on `docs`; returns each document's point (null when it has no known n-gram). */
export function fitEmbedding(docs: ClusterDocument[], options: EmbeddingOptions): { embedding: Embedding; points: (number[] | null)[] } {
  const text = fitVectorizer(docs.map((d) => d.grams), options);
  const vectors = docs.map((d) => vectorize(text, d.grams));
  const projection = fitProjection(vectors.filter((v) => v.idx.length), text.columns.length, options.rank, options.seed);
  const points = vectors.map((v) => (v.idx.length ? project(projection, v).map(round) : null));
  return { embedding: { text, projection }, points };
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

/** How to fit one level of clusters. */
export interface LevelOptions extends Omit<PartitionOptions, 'seed'> {
  seed: number;
  /** Prefix of the ids: "c" gives c1, c2, ... (numbered by size, largest first). */
  idPrefix: string;
  parent: string | null;
  /** What a document is, for descriptions ("Requests", "Failing traces"). */
  what: string;
  /** Terms kept per cluster. */
  terms?: number;
}

/** Clusters of one level, and the node index of each input point. */
export interface Level {
  nodes: ClusterNode[];
  /** nodes index per document. */
  labels: number[];
  partition: Partition;
}

/**
 * Splits `docs` (with their points) into clusters and names each by c-TF-IDF against the
 * others of the same level, so a subcategory's name says what sets it apart from its
 * siblings, not from the whole report.
 */
export function fitLevel(docs: ClusterDocument[], points: number[][], embedding: Embedding, options: LevelOptions): Level {
  const split = partition(points, options);
  // Number clusters by size (largest first), ties by their first document: stable ids.
  const sizes = new Array<number>(split.k).fill(0);
  const first = new Array<number>(split.k).fill(Infinity);
  split.labels.forEach((l, i) => {
    sizes[l]++;
    first[l] = Math.min(first[l], i);
  });
  const order = [...sizes.keys()].filter((c) => sizes[c] > 0).sort((a, b) => sizes[b] - sizes[a] || first[a] - first[b]);
  const rank = new Map(order.map((c, i) => [c, i]));
  const labels = split.labels.map((l) => rank.get(l)!);
  const counts = order.map(() => new Map<number, number>());
  docs.forEach((d, i) => {
    const m = counts[labels[i]];
    for (const g of d.grams) {
      const col = columnOf(embedding.text, g.key);
      if (col !== undefined) m.set(col, (m.get(col) ?? 0) + 1);
    }
  });
  const scored: ScoredTerm[][] = order.length > 1 ? distinguishingTerms(counts, embedding.text.terms, options.terms ?? 10) : [topTerms(counts[0], embedding.text, options.terms ?? 10)];
  const nodes = order.map((c, i) => {
    const members = docs.map((_, j) => j).filter((j) => labels[j] === i);
    const centroid = split.centroids[c].map(round);
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
  return { nodes, labels, partition: split };
}

/** With one cluster there is nothing to contrast: its most frequent (idf-weighted) terms. */
function topTerms(counts: Map<number, number>, text: TextModel, top: number): ScoredTerm[] {
  return [...counts]
    .map(([col, n]) => ({ term: text.terms[col], score: Number((n * text.idf[col]).toFixed(6)) }))
    .sort((a, b) => b.score - a.score || a.term.localeCompare(b.term))
    .slice(0, top);
}
