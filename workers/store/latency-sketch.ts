/**
 * The latency sketch of the dashboard roll-ups: a DDSketch (Masson, Rim, Lee, "DDSketch: a
 * fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019) with
 * the logarithmic mapping at 1% relative accuracy. A duration d > 0 goes to bin
 * k = ceil(ln d / ln γ), γ = (1 + α) / (1 − α); the bin's value 2γ^k / (γ + 1) is within α of
 * every duration in (γ^(k−1), γ^k]. So a percentile read from a sketch is within 1% (relative)
 * of the exact nearest-rank percentile over the same durations (same rank, same bin).
 * Durations <= 0 share the zero bin `z` (value 0).
 *
 * Bins are computed in SQL (BIN_SQL), because the writers recompute roll-ups inside their own
 * D1 transaction (a D1 batch runs statements back to back, with no Worker code between them),
 * and kept as a JSON object {bin: count}, because merging hours into a day then stays in SQL
 * too (json_each + sum). That is why this is not @datadog/sketches-js: its sketches are built
 * and merged in JavaScript (protobuf encoding), and its quantile uses another rank rule than
 * the exact figures Loupe shows elsewhere (nearest rank, as the alert check computes it).
 */

/** Relative accuracy α of every percentile read from a sketch. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
/** 1 / ln γ, written out so SQL and JavaScript multiply by the same double. */
const MULTIPLIER = 1 / Math.log(GAMMA);

/** SQL: the bin key (text) of a duration expression `d` (not null). Needs SQLite's math functions (D1 has them). */
export function binSql(d: string): string {
  return `CASE WHEN ${d} <= 0 THEN 'z' ELSE CAST(CAST(ceil(ln(${d}) * ${MULTIPLIER}) AS INTEGER) AS TEXT) END`;
}

/** A sketch being merged: bin key -> count. */
export type Sketch = Map<string, number>;

/** Adds a stored sketch (JSON text from a roll-up row) into `into`. */
export function mergeSketch(into: Sketch, json: string | null): void {
  if (!json) return;
  const bins = JSON.parse(json) as Record<string, number>;
  for (const k in bins) into.set(k, (into.get(k) ?? 0) + bins[k]);
}

/** The value a bin stands for (within α of every duration in it). */
function binValue(k: string): number {
  if (k === 'z') return 0;
  return (2 * GAMMA ** Number(k)) / (GAMMA + 1);
}

/**
 * Percentiles `ps` (0..1) of a sketch by nearest rank (the ceil(p·n)-th smallest duration),
 * as the exact on-read figures rank them; null when the sketch is empty.
 */
export function sketchPercentiles(sketch: Sketch, ps: readonly number[]): (number | null)[] {
  const bins = [...sketch.entries()].map(([k, c]) => [k === 'z' ? -Infinity : Number(k), c, k] as const).sort((a, b) => a[0] - b[0]);
  let n = 0;
  for (const [, c] of bins) n += c;
  if (!n) return ps.map(() => null);
  return ps.map((p) => {
    const rank = Math.max(1, Math.floor(n * p + 0.999999999));
    let seen = 0;
    for (const [, c, k] of bins) {
      seen += c;
      if (seen >= rank) return binValue(k);
    }
    return binValue(bins[bins.length - 1][2]);
  });
}
