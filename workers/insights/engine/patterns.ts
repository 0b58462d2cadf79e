/**
 * Failure patterns: every candidate feature with enough support is tested for how much
 * more often its traces fail than all traces do (lift = rate / base rate), with a
 * confidence interval and a p-value from workers/stats, and the p-values are corrected
 * for testing hundreds of candidates at once (Benjamini-Hochberg false discovery rate).
 * Candidates with exactly the same traces (`calls book_reservation` and `book_reservation
 * → ...` when one always implies the other) are one test, shown once with the others
 * listed, so the correction is not inflated by duplicates.
 */
import { lift } from '../../stats/lift.ts';
import { benjaminiHochberg } from '../../stats/multiple.ts';
import { describeFeature, parseFeatureKey, type DescribeContext, type FeatureKind } from './features.ts';
import type { Tally } from './tally.ts';

/** A ranked failure pattern. */
export interface Pattern {
  key: string;
  kind: FeatureKind;
  label: string;
  /** The equivalent filter in Loupe's language, or null (then membership is the report's). */
  filter: string | null;
  /** Traces with the pattern. */
  support: number;
  /** ... of which failed. */
  failures: number;
  rate: number;
  baseRate: number;
  lift: number;
  /** Confidence interval of the lift. */
  interval: { low: number; high: number } | null;
  p: number;
  /** Benjamini-Hochberg adjusted p-value (false discovery rate) over every pattern tested. */
  q: number;
  significant: boolean;
  /** Labels of candidates with exactly the same traces, folded into this one. */
  sameAs: string[];
}

/** How patterns are ranked. */
export interface RankOptions {
  /** Least traces a pattern needs to be tested. */
  minSupport: number;
  /** False discovery rate accepted (q threshold). */
  alpha?: number;
  /** Patterns returned. */
  top?: number;
  confidence?: number;
}

/** The ranking. */
export interface PatternRanking {
  /** Significant patterns that fail more first (by the interval's lower bound, a lift that accounts for support), then the rest. */
  patterns: Pattern[];
  /** Distinct candidates tested (after folding duplicates). */
  tested: number;
  significant: number;
}

/** Which of several identical candidates represents them: the simplest to read and to filter. */
const KIND_ORDER: FeatureKind[] = ['tool', 'tool_error', 'no_tools', 'model', 'release', 'env', 'tag', 'metadata', 'span_error', 'intent_group', 'intent', 'ending', 'seq', 'skip', 'loop', 'any_loop', 'steps', 'latency', 'tokens', 'cost'];

/** Ranks the catalogue's candidates by lift over the tally. */
export function rankPatterns(catalogue: string[], tally: Tally, ctx: DescribeContext, options: RankOptions): PatternRanking {
  const alpha = options.alpha ?? 0.05;
  const { total, failures, fingerprintA, fingerprintB } = tally.features;
  if (tally.failures === 0 || tally.failures === tally.traces) return { patterns: [], tested: 0, significant: 0 };
  const groups = new Map<string, number[]>();
  catalogue.forEach((_, i) => {
    if (total[i] < options.minSupport || total[i] >= tally.traces) return;
    const id = `${total[i]}:${failures[i]}:${fingerprintA[i]}:${fingerprintB[i]}`;
    const g = groups.get(id);
    if (g) g.push(i);
    else groups.set(id, [i]);
  });
  const rank = (i: number) => KIND_ORDER.indexOf(parseFeatureKey(catalogue[i]).kind);
  const tests = [...groups.values()].map((members) => {
    const meanings = members.map((i) => ({ i, meaning: describeFeature(catalogue[i], ctx) }));
    meanings.sort((a, b) => rank(a.i) - rank(b.i) || a.meaning.label.length - b.meaning.label.length || a.meaning.label.localeCompare(b.meaning.label));
    const head = meanings[0];
    const stats = lift({ failuresWith: failures[head.i], totalWith: total[head.i], failuresAll: tally.failures, totalAll: tally.traces }, options.confidence);
    return { head, sameAs: meanings.slice(1).map((m) => m.meaning.label), stats };
  });
  const q = benjaminiHochberg(tests.map((t) => t.stats.p));
  const patterns: Pattern[] = tests.map((t, j) => ({
    key: catalogue[t.head.i],
    kind: t.head.meaning.kind,
    label: t.head.meaning.label,
    filter: t.head.meaning.filter,
    support: total[t.head.i],
    failures: failures[t.head.i],
    // Tested candidates have 0 < support < traces and some failures, so these are numbers.
    rate: t.stats.rate ?? 0,
    baseRate: t.stats.baseRate ?? 0,
    lift: t.stats.lift ?? 0,
    interval: t.stats.interval,
    p: t.stats.p,
    q: q[j],
    significant: q[j] <= alpha,
    sameAs: t.sameAs,
  }));
  const worse = (p: Pattern) => p.significant && p.lift > 1;
  patterns.sort((a, b) => Number(worse(b)) - Number(worse(a)) || (b.interval?.low ?? 0) - (a.interval?.low ?? 0) || b.lift - a.lift || b.support - a.support || a.key.localeCompare(b.key));
  return { patterns: patterns.slice(0, options.top ?? 50), tested: tests.length, significant: patterns.filter(worse).length };
}
