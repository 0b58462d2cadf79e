/**
 * Many patterns tested at once: Benjamini & Hochberg's (1995) false discovery rate. Of
 * 500 candidate patterns, 25 would reach p < 0.05 by chance alone; the q value of a
 * pattern is the smallest false discovery rate at which it would still be reported.
 */

/**
 * Benjamini-Hochberg adjusted p values (q values), in the order given: q_(i) =
 * min_{j >= i} min(1, m·p_(j)/j) over the p values sorted ascending, as R's
 * p.adjust(p, "BH"). Empty in, empty out.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`pValues[${i}] must be a probability between 0 and 1, got ${p}`);
  });
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((x, y) => pValues[x] - pValues[y] || x - y);
  const q = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const i = order[rank - 1];
    running = Math.min(running, (pValues[i] * m) / rank);
    // m·p/rank >= p in exact arithmetic; max() only undoes a rounding of m·p/m below p.
    q[i] = Math.max(pValues[i], running);
  }
  return q;
}
