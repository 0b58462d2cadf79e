/**
 * Cluster names from class-based TF-IDF (c-TF-IDF, as BERTopic names topics): all the
 * documents of a cluster are one "class document"; a term scores
 * tf(t, c) / |c| * log(1 + A / f(t)), where tf(t, c) counts t in cluster c, |c| is the
 * cluster's word count, f(t) counts t in all clusters compared and A is the mean word
 * count per cluster. Terms frequent in a cluster and rare elsewhere win: the words that
 * distinguish it, not the words every request shares.
 */

/** A term and its c-TF-IDF score. */
export interface ScoredTerm {
  term: string;
  score: number;
}

/**
 * The distinguishing terms of each class. `counts[c]` maps a column (term index) to its
 * count in class c; `terms[column]` is the word shown.
 */
export function distinguishingTerms(counts: Map<number, number>[], terms: string[], top = 10): ScoredTerm[][] {
  const total = new Map<number, number>();
  const sizes = counts.map((m) => {
    let size = 0;
    for (const [col, n] of m) {
      total.set(col, (total.get(col) ?? 0) + n);
      size += n;
    }
    return size;
  });
  const average = sizes.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
  return counts.map((m, c) => {
    const scored: { col: number; score: number }[] = [];
    for (const [col, n] of m) scored.push({ col, score: (n / Math.max(1, sizes[c])) * Math.log(1 + average / total.get(col)!) });
    // Ties broken by term text, so names do not depend on map order.
    scored.sort((a, b) => b.score - a.score || terms[a.col].localeCompare(terms[b.col]));
    return pickDistinct(scored.map((s) => ({ term: terms[s.col], score: Number(s.score.toFixed(6)) })), top);
  });
}

/**
 * The best terms without repeats: a word already inside a chosen phrase is skipped, a
 * phrase whose words are all shown is skipped, and a phrase that extends a chosen word
 * takes that word's place ("cancel", then "cancel flight" -> "cancel flight").
 */
function pickDistinct(sorted: ScoredTerm[], top: number): ScoredTerm[] {
  const out: ScoredTerm[] = [];
  const shown = new Set<string>();
  for (const t of sorted) {
    if (out.length >= top) break;
    const words = t.term.split(' ');
    if (words.every((w) => shown.has(w))) continue;
    if (words.length === 1 && out.some((o) => o.term.split(' ').includes(t.term))) continue;
    const extended = words.length > 1 ? out.findIndex((o) => !o.term.includes(' ') && words.includes(o.term)) : -1;
    if (extended >= 0) out[extended] = { term: t.term, score: out[extended].score };
    else out.push(t);
    for (const w of words) shown.add(w);
  }
  return out;
}

/** A short name from the top terms: "cancel reservation · refund · insurance". */
export function nameOf(terms: ScoredTerm[], fallback: string): string {
  return terms.length ? terms.slice(0, 3).map((t) => t.term).join(' · ') : fallback;
}

/** A one-sentence description: what the cluster's traces mention most, and an example. */
export function describeCluster(what: string, terms: ScoredTerm[], example: string | null): string {
  const about = terms.length ? `${what} mentioning ${terms.slice(0, 6).map((t) => t.term).join(', ')}` : `${what} with no distinguishing words`;
  const sample = example ? ` For example: "${clip(example, 160)}"` : '';
  return `${about}.${sample}`;
}

/** `text` on one line, cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
