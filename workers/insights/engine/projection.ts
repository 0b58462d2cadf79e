/**
 * Latent semantic analysis: a truncated SVD of the sample's TF-IDF matrix, computed by
 * randomized range finding (Halko, Martinsson & Tropp 2011), with ml-matrix's SVD for the
 * small dense part. Requests that share no word but share context ("cancel my
 * trip" / "refund the reservation") land near each other, and k-means runs on a few dozen
 * dense dimensions instead of thousands of sparse ones. Memory is O(documents x rank);
 * the sparse matrix is never made dense (a Worker has 128 MB).
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { seededRandom } from './hash.ts';
import { round, type SparseVector } from './vectorizer.ts';

/** A fitted projection from sparse TF-IDF columns to `rank` dense dimensions; JSON-serialisable. */
export interface Projection {
  columns: number;
  rank: number;
  /** columns x rank, row-major: the top right singular vectors. Empty when the columns are used as they are. */
  components: number[];
}

/** Extra random directions beyond the rank, and power iterations: the usual choices for text (Halko et al., section 4). */
const OVERSAMPLE = 10;
const POWER_ITERATIONS = 2;

/**
 * Fits a rank-`rank` projection to `vectors` (rows of a documents x `columns` matrix).
 * With no more columns than the rank, the columns are kept as they are (identity).
 */
export function fitProjection(vectors: SparseVector[], columns: number, rank: number, seed: number): Projection {
  if (columns <= rank || vectors.length <= rank + 1) return { columns, rank: columns, components: [] };
  const n = vectors.length;
  const l = Math.min(rank + OVERSAMPLE, columns, n);
  const random = seededRandom(seed);
  const gaussian = () => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const omega = Array.from({ length: columns }, () => Float64Array.from({ length: l }, gaussian));
  let y = times(vectors, omega, l);
  for (let q = 0; q < POWER_ITERATIONS; q++) {
    const z = orthonormal(transposeTimes(vectors, orthonormal(y), columns, l));
    y = times(vectors, z, l);
  }
  const qBasis = orthonormal(y);
  // B^T = A^T Q (columns x l); its left singular vectors are the right singular vectors of A.
  const bt = transposeTimes(vectors, qBasis, columns, l);
  const svd = new SingularValueDecomposition(new Matrix(bt.map((r) => Array.from(r))), { computeLeftSingularVectors: true, computeRightSingularVectors: false, autoTranspose: false });
  const u = svd.leftSingularVectors;
  const components = new Array<number>(columns * rank);
  for (let c = 0; c < columns; c++) for (let j = 0; j < rank; j++) components[c * rank + j] = round(u.get(c, j));
  return { columns, rank, components };
}

/** A document in the projected space, L2-normalised (so squared Euclidean distance is 2 - 2 cos). */
export function project(p: Projection, v: SparseVector): number[] {
  const out = new Array<number>(p.rank).fill(0);
  if (!p.components.length) for (let k = 0; k < v.idx.length; k++) out[v.idx[k]] = v.val[k];
  else {
    for (let k = 0; k < v.idx.length; k++) {
      const base = v.idx[k] * p.rank;
      const x = v.val[k];
      for (let j = 0; j < p.rank; j++) out[j] += x * p.components[base + j];
    }
  }
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? out.map((x) => x / norm) : out;
}

/** A (sparse rows) x M (columns x l): documents x l. */
function times(rows: SparseVector[], m: Float64Array[], l: number): Float64Array[] {
  return rows.map((v) => {
    const out = new Float64Array(l);
    for (let k = 0; k < v.idx.length; k++) {
      const r = m[v.idx[k]];
      const x = v.val[k];
      for (let j = 0; j < l; j++) out[j] += x * r[j];
    }
    return out;
  });
}

/** A^T M (M: documents x l): columns x l. */
function transposeTimes(rows: SparseVector[], m: Float64Array[], columns: number, l: number): Float64Array[] {
  const out = Array.from({ length: columns }, () => new Float64Array(l));
  rows.forEach((v, i) => {
    const r = m[i];
    for (let k = 0; k < v.idx.length; k++) {
      const o = out[v.idx[k]];
      const x = v.val[k];
      for (let j = 0; j < l; j++) o[j] += x * r[j];
    }
  });
  return out;
}

/**
 * An orthonormal basis of the columns of `m` (rows x l), by modified Gram-Schmidt applied
 * twice ("twice is enough": Giraud et al. 2005), on flat typed arrays. ml-matrix's
 * QrDecomposition gives the same basis but through per-element accessors: on a
 * 10,000 x 58 matrix it took ~2 s per call, this takes ~30 ms, and a fit makes five calls.
 * A column that is (numerically) dependent on earlier ones becomes zero.
 */
function orthonormal(m: Float64Array[]): Float64Array[] {
  const rows = m.length;
  const l = rows ? m[0].length : 0;
  const cols = Array.from({ length: l }, (_, j) => Float64Array.from(m, (r) => r[j]));
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      const v = cols[j];
      for (let k = 0; k < j; k++) {
        const q = cols[k];
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i] * v[i];
        for (let i = 0; i < rows; i++) v[i] -= dot * q[i];
      }
      let norm = 0;
      for (let i = 0; i < rows; i++) norm += v[i] * v[i];
      norm = Math.sqrt(norm);
      if (norm > 1e-10) for (let i = 0; i < rows; i++) v[i] /= norm;
      else v.fill(0);
    }
  }
  return Array.from({ length: rows }, (_, i) => Float64Array.from(cols, (c) => c[i]));
}
