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

/** Throws unless `value` is a finite number (NaN and Infinity would poison every sum). */
export function checkFinite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

/** Throws unless `value` is a whole number >= 0 (a count). */
export function checkCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${value}`);
}

/** `x` limited to [low, high]: rounding must not push a rate's bound past 0 or 1. */
export function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}
