/**
 * A feature key is the JSON of [kind, ...parts]: unambiguous whatever characters a tool
 * or tag name holds, and readable back without a lookup table. Its own file, so the
 * feature table (features.ts) and the trajectory miner (trajectory.ts) can both name keys.
 */

/** What a feature is about. */
export type FeatureKind =
  | 'intent' | 'intent_group' | 'tool' | 'tool_error' | 'no_tools' | 'seq' | 'loop' | 'any_loop' | 'skip'
  | 'steps' | 'latency' | 'tokens' | 'cost' | 'model' | 'release' | 'env' | 'tag' | 'metadata' | 'span_error' | 'ending';

export type Part = string | number | boolean | null;

/** The key of a feature. */
export function featureKey(kind: FeatureKind, ...parts: Part[]): string {
  return JSON.stringify([kind, ...parts]);
}

/** A key read back. */
export function parseFeatureKey(key: string): { kind: FeatureKind; parts: Part[] } {
  const [kind, ...parts] = JSON.parse(key) as [FeatureKind, ...Part[]];
  return { kind, parts };
}
