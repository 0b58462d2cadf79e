/**
 * Reliability over repetitions. pass@k (Chen et al. 2021, "Evaluating Large Language
 * Models Trained on Code", arXiv:2107.03374): the chance that at least one of k runs
 * passes. pass^k (Yao et al. 2024, "τ-bench", arXiv:2406.12045): the chance that all k
 * runs pass, the measure of an agent that must work every time. Both are the unbiased
 * estimators from n runs of which c passed, computed as running products (never
 * factorials, which overflow past n = 170).
 */
import { checkCount } from './checks.ts';
import { DEFAULT_CONFIDENCE } from './interval.ts';
import { meanInterval, type MeanEstimate } from './means.ts';

function checkRuns(n: number, c: number, k: number): void {
  checkCount(n, 'n');
  checkCount(c, 'c');
  if (c > n) throw new RangeError(`c (passing runs) must not exceed n (runs), got c ${c} of n ${n}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number >= 1, got ${k}`);
}

/**
 * pass@k = 1 - C(n-c, k) / C(n, k) = 1 - Π_{i=n-c+1..n} (1 - k/i) (Chen et al.'s stable
 * form). Null when k > n: k runs cannot be drawn from n.
 */
export function passAtK(n: number, c: number, k: number): number | null {
  checkRuns(n, c, k);
  if (k > n) return null;
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/**
 * pass^k = C(c, k) / C(n, k) = Π_{i=0..k-1} (c - i) / (n - i) (τ-bench). Null when k > n.
 */
export function passHatK(n: number, c: number, k: number): number | null {
  checkRuns(n, c, k);
  if (k > n) return null;
  if (c < k) return 0;
  let all = 1;
  for (let i = 0; i < k; i++) all *= (c - i) / (n - i);
  return all;
}

/** An experiment's runs on one example: n runs, c of them passed. */
export interface ExampleRuns {
  n: number;
  c: number;
}

function across(examples: readonly ExampleRuns[], k: number, estimator: typeof passAtK, confidence: number): MeanEstimate & { skipped: number } {
  const values: number[] = [];
  for (const e of examples) {
    const v = estimator(e.n, e.c, k);
    if (v !== null) values.push(v);
  }
  const skipped = examples.length - values.length;
  const estimate = meanInterval(values, confidence);
  if (!examples.length) return { ...estimate, skipped, reason: 'no examples' };
  if (estimate.mean === null) return { ...estimate, skipped, reason: `no example has ${k} or more runs` };
  return { ...estimate, skipped };
}

/**
 * pass@k of an experiment: the mean of the per-example estimates, with a t interval over
 * examples. Examples with fewer than k runs are skipped and counted in `skipped`.
 */
export function meanPassAtK(examples: readonly ExampleRuns[], k: number, confidence = DEFAULT_CONFIDENCE): MeanEstimate & { skipped: number } {
  return across(examples, k, passAtK, confidence);
}

/** pass^k of an experiment, as meanPassAtK: the τ-bench figure (mean over tasks of C(c,k)/C(n,k)). */
export function meanPassHatK(examples: readonly ExampleRuns[], k: number, confidence = DEFAULT_CONFIDENCE): MeanEstimate & { skipped: number } {
  return across(examples, k, passHatK, confidence);
}
