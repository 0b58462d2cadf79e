/**
 * The one interval shape of the statistics room, and the confidence level check every
 * interval function shares. An interval is null, never NaN, where it is undefined.
 */

/** A two-sided confidence interval; null where it is undefined (the result says why). */
export type Interval = { low: number; high: number } | null;

/** The default confidence of every interval: 95%. */
export const DEFAULT_CONFIDENCE = 0.95;

/** Throws unless `confidence` is a level strictly between 0 and 1. */
export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1 (exclusive), got ${confidence}`);
}

/** `x` limited to [low, high]: rounding must not push a rate's bound past 0 or 1. */
export function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}
