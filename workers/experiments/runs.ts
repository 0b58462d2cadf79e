/**
 * The shape the comparison core reads: an experiment's runs, one per example and
 * repetition, each with its scores (feedback key -> number) and what it cost. Pure: the
 * routes load these rows from D1, the tests write them by hand.
 */

/** One run of the candidate on one example (one repetition). */
export interface RunScores {
  exampleId: string;
  repetition: number;
  /** Feedback key -> score. A key absent here was not scored on this run. */
  scores: Record<string, number>;
  /** The run failed (the target threw, timed out or printed no JSON): kept, never dropped. */
  error: string | null;
  latencyMs: number | null;
  tokens: number | null;
  cost: number | null;
}

/** The runs of one example, grouped. */
export interface ExampleRunGroup {
  exampleId: string;
  runs: RunScores[];
}

/** Runs grouped by example, in first-seen order. */
export function groupByExample(runs: readonly RunScores[]): Map<string, RunScores[]> {
  const out = new Map<string, RunScores[]>();
  for (const r of runs) {
    const list = out.get(r.exampleId);
    if (list) list.push(r);
    else out.set(r.exampleId, [r]);
  }
  return out;
}

/** The scores of `key` on the runs of one example that have it (errored runs score 0 when scored at all). */
export function scoresOf(runs: readonly RunScores[], key: string): number[] {
  const out: number[] = [];
  for (const r of runs) {
    const v = r.scores[key];
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** Whether every observed score of `key` is 0 or 1: a pass/fail metric, which gets Wilson intervals and McNemar. */
export function isBinaryMetric(runs: readonly RunScores[], key: string): boolean {
  let seen = false;
  for (const r of runs) {
    const v = r.scores[key];
    if (v === undefined) continue;
    if (v !== 0 && v !== 1) return false;
    seen = true;
  }
  return seen;
}

/** Every feedback key scored on any run, sorted. */
export function metricKeys(runs: readonly RunScores[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.scores)) keys.add(k);
  return [...keys].sort();
}

/** Mean of the non-null numbers, or null when there are none. */
export function meanOf(values: readonly (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n ? sum / n : null;
}
