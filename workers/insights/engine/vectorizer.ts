/**
 * TF-IDF over hashed n-grams. Document frequencies are counted in a fixed array of hash
 * buckets (4 MB for 2^20 buckets, whatever the vocabulary: a Worker has 128 MB), the most
 * frequent buckets become the columns, and each column keeps the words it most often
 * stood for, for names. Fitted on a sample; the fitted model is plain JSON, so a later
 * step (another Worker invocation) vectorises the rest of the traces with it.
 */
import { hash32 } from './hash.ts';
import type { Gram } from './tokens.ts';

/** A sparse vector: column indices (ascending) and their values. */
export interface SparseVector {
  idx: number[];
  val: number[];
}

/** How a vectoriser is fitted. */
export interface VectorizerOptions {
  /** Hash buckets (a power of two). Collisions merge n-grams; 2^20 keeps them rare for real vocabularies. */
  buckets?: number;
  /** Columns kept: the most frequent n-grams (by document frequency). */
  maxFeatures?: number;
  /** A column must occur in at least this many documents (default 2, or 1 under 50 documents). */
  minDf?: number;
  /** ... and in at most this share of them (words in nearly every request separate nothing). */
  maxDfRatio?: number;
}

/** A fitted vectoriser, JSON-serialisable. */
export interface TextModel {
  buckets: number;
  /** Hash bucket of each column. */
  columns: number[];
  /** Smoothed inverse document frequency of each column. */
  idf: number[];
  /** The words each column most often stood for. */
  terms: string[];
  /** Documents it was fitted on. */
  documents: number;
}

const DEFAULT_BUCKETS = 1 << 20;

/**
 * Fits a vectoriser on `n` documents, whose n-grams `gramsAt(i)` produces on demand: the
 * n-grams of 10,000 requests held at once would take ~200 MB of small objects, so each
 * pass makes them again and lets them go. Deterministic for the same documents in order.
 */
export function fitVectorizer(n: number, gramsAt: (i: number) => Gram[], options: VectorizerOptions = {}): TextModel {
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  if (buckets & (buckets - 1)) throw new Error('buckets must be a power of two');
  const minDf = options.minDf ?? (n >= 50 ? 2 : 1);
  const maxDf = Math.max(minDf, Math.floor((options.maxDfRatio ?? 0.9) * n));
  const maxFeatures = options.maxFeatures ?? 4096;
  const df = new Uint32Array(buckets);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    seen.clear();
    for (const g of gramsAt(i)) seen.add(hash32(g.key) & (buckets - 1));
    for (const b of seen) df[b]++;
  }
  const kept: number[] = [];
  for (let b = 0; b < buckets; b++) if (df[b] >= minDf && df[b] <= maxDf) kept.push(b);
  kept.sort((a, b) => df[b] - df[a] || a - b);
  const columns = kept.slice(0, maxFeatures);
  const column = new Map(columns.map((b, i) => [b, i]));
  // Second pass for display words, only for kept columns: bounded by columns x forms.
  const forms = columns.map(() => new Map<string, number>());
  for (let i = 0; i < n; i++) {
    for (const g of gramsAt(i)) {
      const c = column.get(hash32(g.key) & (buckets - 1));
      if (c !== undefined) forms[c].set(g.surface, (forms[c].get(g.surface) ?? 0) + 1);
    }
  }
  const terms = forms.map((m) => {
    let best = '';
    let count = -1;
    for (const [form, k] of m) if (k > count || (k === count && form < best)) (best = form), (count = k);
    return best;
  });
  const idf = columns.map((b) => round(Math.log((1 + n) / (1 + df[b])) + 1));
  return { buckets, columns, idf, terms, documents: n };
}

const lookups = new WeakMap<TextModel, Map<number, number>>();

function lookupOf(model: TextModel): Map<number, number> {
  let m = lookups.get(model);
  if (!m) lookups.set(model, (m = new Map(model.columns.map((b, i) => [b, i]))));
  return m;
}

/** The column of an n-gram key in `model`, or undefined when it is not a feature. */
export function columnOf(model: TextModel, key: string): number | undefined {
  return lookupOf(model).get(hash32(key) & (model.buckets - 1));
}

/** How often each column occurs in a document: `val` holds raw counts. */
export function termCounts(model: TextModel, doc: Gram[]): SparseVector {
  const lookup = lookupOf(model);
  const tf = new Map<number, number>();
  for (const g of doc) {
    const c = lookup.get(hash32(g.key) & (model.buckets - 1));
    if (c !== undefined) tf.set(c, (tf.get(c) ?? 0) + 1);
  }
  const idx = [...tf.keys()].sort((a, b) => a - b);
  return { idx, val: idx.map((c) => tf.get(c)!) };
}

/** TF-IDF from term counts: sublinear term frequency (1 + ln tf) times idf, L2-normalised. */
export function weigh(model: TextModel, counts: SparseVector): SparseVector {
  const val = counts.idx.map((c, k) => (1 + Math.log(counts.val[k])) * model.idf[c]);
  const norm = Math.sqrt(val.reduce((s, v) => s + v * v, 0));
  return { idx: counts.idx, val: norm > 0 ? val.map((v) => v / norm) : val };
}

/** The TF-IDF vector of a document. */
export function vectorize(model: TextModel, doc: Gram[]): SparseVector {
  return weigh(model, termCounts(model, doc));
}

/** Rounds to 6 significant digits: model JSON stays small, and rounding at fit time keeps the in-memory and stored model identical. */
export function round(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(6));
}
