/** What changed between two evaluator versions, as dotted paths ("config.prompt.user"). */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with sorted keys, so key order never reads as a change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** Paths whose values differ; objects are compared key by key, arrays and scalars as a whole. */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return canonical(before) === canonical(after) ? [] : [prefix || '(value)'];
}

/** The parts of an evaluator version a change can touch. */
export function versionShape(v: { name: string; key: string; description: string | null; target: unknown; config: unknown }) {
  return { name: v.name, key: v.key, description: v.description ?? null, target: v.target, config: v.config };
}

/**
 * The body that turns `base` into `next` under the API's merge rules (JSON merge patch on
 * the top level and `prompt`): `next` plus `null` for every field `base` has and `next`
 * lacks. Used for template overrides and same-kind config changes.
 */
export function mergePatch(base: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...next };
  for (const k of Object.keys(base)) if (!(k in next)) out[k] = null;
  if (isObject(base.prompt) && isObject(next.prompt)) {
    const prompt: Record<string, unknown> = { ...next.prompt };
    for (const k of Object.keys(base.prompt)) if (!(k in next.prompt)) prompt[k] = null;
    out.prompt = prompt;
  }
  return out;
}
