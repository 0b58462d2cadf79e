/**
 * Splits points (unit vectors from the projection) into k groups with ml-kmeans (Lloyd's
 * iterations from seeded k-means++ centres, so the same points give the same groups), choosing k by the silhouette
 * coefficient on a bounded subsample: the k whose groups are tightest relative to their
 * nearest neighbour group. Silhouette is O(m^2) in the subsample, so m is capped
 * (1,500 points: a 9 MB distance matrix, well inside a Worker's 128 MB).
 */
import { kmeans } from 'ml-kmeans';
import { hash32, seededRandom } from './hash.ts';

/** How to split. */
export interface PartitionOptions {
  minK?: number;
  maxK: number;
  /** The k values to try (default every k from minK to maxK); those above maxK are skipped. */
  ks?: number[];
  seed: number;
  /** No k above points / minClusterSize is tried. */
  minClusterSize: number;
  /** Below this silhouette the points are left in one group (no structure worth naming). */
  minSilhouette?: number;
  /** Points used to score silhouettes. */
  evaluationSize?: number;
  /** k-means runs per k (different seeds); the one with the least inertia wins. */
  restarts?: number;
}

/** A split of the points. */
export interface Partition {
  k: number;
  centroids: number[][];
  /** Group of each point. */
  labels: number[];
  /** Silhouette of the chosen k (null when there was one group). */
  silhouette: number | null;
  /** Every k tried and its silhouette, for the report's notes. */
  tried: { k: number; silhouette: number }[];
}

/** The mean of `points` (one group). */
export function mean(points: number[][]): number[] {
  const out = new Array<number>(points[0]?.length ?? 0).fill(0);
  for (const p of points) for (let j = 0; j < p.length; j++) out[j] += p[j];
  return out.map((x) => x / Math.max(1, points.length));
}

/** Squared Euclidean distance. */
export function squaredDistance(a: number[], b: number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const d = a[j] - b[j];
    s += d * d;
  }
  return s;
}

/** The index of the centroid nearest to `p` (lowest index on ties, so assignment is deterministic). */
export function nearest(centroids: number[][], p: number[]): number {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const d = squaredDistance(centroids[c], p);
    if (d < bestD) (best = c), (bestD = d);
  }
  return best;
}

function distinctCount(points: number[][], cap: number): number {
  const seen = new Set<number>();
  for (const p of points) {
    seen.add(hash32(p.map((x) => x.toFixed(6)).join(',')));
    if (seen.size >= cap) break;
  }
  return seen.size;
}

/**
 * Splits `points` into the k (minK..maxK) with the best silhouette, or one group when none
 * is good enough. k is chosen on the evaluation subsample (k-means and silhouette both on
 * those points: trying seven values of k on 10,000 points would cost seven full fits);
 * the chosen k is then fitted on every point.
 */
export function partition(points: number[][], options: PartitionOptions): Partition {
  const one: Partition = { k: 1, centroids: [mean(points)], labels: points.map(() => 0), silhouette: null, tried: [] };
  const maxK = Math.min(options.maxK, Math.floor(points.length / Math.max(1, options.minClusterSize)), distinctCount(points, options.maxK + 1));
  const minK = Math.max(2, options.minK ?? 2);
  if (maxK < minK) return one;
  const evalIdx = evaluationSubset(points.length, options.evaluationSize ?? 1500);
  const evalPoints = evalIdx.map((i) => points[i]);
  const dist = distanceMatrix(evalPoints);
  const restarts = options.restarts ?? 3;
  let best: { k: number; silhouette: number; fit: { centroids: number[][]; labels: number[] } } | null = null;
  const tried: { k: number; silhouette: number }[] = [];
  const evalMaxK = Math.min(maxK, distinctCount(evalPoints, maxK + 1));
  const ks = (options.ks ?? Array.from({ length: evalMaxK - minK + 1 }, (_, i) => minK + i)).filter((k) => k >= minK && k <= evalMaxK);
  for (const k of ks) {
    const fit = bestOfRestarts(evalPoints, k, options.seed, restarts);
    const s = silhouette(dist, fit.labels, k);
    tried.push({ k, silhouette: Number(s.toFixed(4)) });
    if (!best || s > best.silhouette + 1e-9) best = { k, silhouette: s, fit };
  }
  if (!best || best.silhouette < (options.minSilhouette ?? 0)) return { ...one, tried };
  // When every point was evaluated, the selection's fit is the fit.
  const fit = evalIdx.length === points.length ? best.fit : bestOfRestarts(points, best.k, options.seed, restarts);
  return { k: best.k, centroids: fit.centroids, labels: fit.labels, silhouette: Number(best.silhouette.toFixed(4)), tried };
}

function bestOfRestarts(points: number[][], k: number, seed: number, restarts: number): { centroids: number[][]; labels: number[] } {
  let best: { centroids: number[][]; labels: number[]; inertia: number } | null = null;
  for (let r = 0; r < restarts; r++) {
    const result = kmeans(points, k, { initialization: kmeansPlusPlus(points, k, seed + r * 7919), maxIterations: 100 });
    const centroids = result.centroids;
    // Relabel by nearest centroid: the library's last labels belong to the previous centroids.
    const labels = points.map((p) => nearest(centroids, p));
    const inertia = points.reduce((s, p, i) => s + squaredDistance(p, centroids[labels[i]]), 0);
    if (!best || inertia < best.inertia - 1e-12) best = { centroids, labels, inertia };
  }
  return best!;
}

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with scikit-learn's 2 + ln k
 * candidates per centre), seeded. ml-kmeans has the same seeding built in, but it copies
 * every point once per candidate (Matrix.getRow): on 10,000 points and k = 48 that was
 * 15 of a fit's 17 CPU seconds. ml-kmeans then runs Lloyd's iterations from these centres.
 */
export function kmeansPlusPlus(points: number[][], k: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const n = points.length;
  const trials = 2 + Math.floor(Math.log(k));
  const centres = [points[Math.floor(random() * n)]];
  const closest = Float64Array.from(points, (p) => squaredDistance(p, centres[0]));
  const next = new Float64Array(n);
  while (centres.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += closest[i];
    let bestCandidate = -1;
    let bestPotential = Infinity;
    let bestDistances: Float64Array | null = null;
    for (let t = 0; t < trials; t++) {
      // Draw a point with probability proportional to its squared distance to the nearest centre.
      let target = random() * total;
      let c = 0;
      while (c < n - 1 && target >= closest[c]) target -= closest[c++];
      let potential = 0;
      for (let i = 0; i < n; i++) {
        next[i] = Math.min(closest[i], squaredDistance(points[i], points[c]));
        potential += next[i];
      }
      if (potential < bestPotential) {
        bestPotential = potential;
        bestCandidate = c;
        bestDistances = Float64Array.from(next);
      }
    }
    centres.push(points[bestCandidate]);
    closest.set(bestDistances!);
  }
  return centres.map((c) => [...c]);
}

/** Every ⌈n/m⌉-th index: deterministic, spread over the (already deterministically ordered) points. */
function evaluationSubset(n: number, m: number): number[] {
  const step = Math.max(1, Math.ceil(n / m));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

/** Euclidean distances between all pairs of `points` (m x m, row-major). */
function distanceMatrix(points: number[][]): Float32Array {
  const m = points.length;
  const d = new Float32Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const v = Math.sqrt(squaredDistance(points[a], points[b]));
      d[a * m + b] = v;
      d[b * m + a] = v;
    }
  }
  return d;
}

/** Mean silhouette coefficient (Rousseeuw 1987) of `labels` given a precomputed distance matrix. */
export function silhouette(dist: Float32Array, labels: number[], k: number): number {
  const m = labels.length;
  const size = new Array<number>(k).fill(0);
  for (const l of labels) size[l]++;
  let total = 0;
  const sums = new Float64Array(k);
  for (let a = 0; a < m; a++) {
    sums.fill(0);
    for (let b = 0; b < m; b++) if (a !== b) sums[labels[b]] += dist[a * m + b];
    const own = labels[a];
    if (size[own] <= 1) continue; // a singleton scores 0
    const inner = sums[own] / (size[own] - 1);
    let outer = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && size[c] > 0) outer = Math.min(outer, sums[c] / size[c]);
    if (!Number.isFinite(outer)) continue;
    const s = (outer - inner) / Math.max(inner, outer);
    total += Number.isFinite(s) ? s : 0;
  }
  return m ? total / m : 0;
}
