/**
 * Checks on the numbers handed to the statistics room. A NaN, an Infinity or a count
 * that cannot be would poison every sum silently; a RangeError naming the field points at
 * the caller's bug instead. (Routes validate user input before it reaches these.)
 */

/** Throws unless `value` is a finite number (NaN and Infinity would poison every sum). */
export function checkFinite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

/** Throws unless `value` is a whole number >= 0 (a count). */
export function checkCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${value}`);
}
