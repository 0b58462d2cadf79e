/**
 * Candidate failure-pattern features of a trace, and what each one means: a label for
 * people and, where Loupe's filter language can say the same thing, the equivalent filter
 * (so "model gpt-4o" opens as `model=gpt-4o` on the traces page, in a rule, in a queue).
 */
import { formatFilter, type FilterNode } from '../../../schema/filter/index.ts';
import type { TraceSummary } from './summary.ts';
import { mineSkipRules, trajectoryFeatures, type SkipRule } from './trajectory.ts';
import { featureKey, parseFeatureKey, type FeatureKind } from './feature-key.ts';

export { featureKey, parseFeatureKey, type FeatureKind };


/** Numeric roll-ups bucketed into ranges for patterns. */
export type BucketField = 'steps' | 'latency' | 'tokens' | 'cost';

/** What the sample decided about features, applied unchanged to every later chunk. JSON. */
export interface FeatureSpace {
  skipRules: SkipRule[];
  /** Ascending bucket edges per numeric field: buckets are (-inf, e1), [e1, e2), ..., [em, inf). */
  edges: Record<BucketField, number[]>;
  /** Metadata keys kept as categories (few distinct values in the sample). */
  metadataKeys: string[];
}

/** A metadata key with more distinct values than this in the sample is an identifier, not a category. */
export const MAX_METADATA_CARDINALITY = 50;
/** Quantiles that cut numeric roll-ups into buckets. */
const BUCKET_QUANTILES = [0.2, 0.4, 0.6, 0.8, 0.95];

/** Fits the feature space on the sample: skip rules, bucket edges, categorical metadata keys. */
export function fitFeatureSpace(sample: TraceSummary[], minSupport: number): FeatureSpace {
  const values = new Map<string, Set<string>>();
  for (const s of sample) {
    for (const [k, v] of Object.entries(s.metadata)) {
      const set = values.get(k) ?? new Set<string>();
      values.set(k, set);
      if (set.size <= MAX_METADATA_CARDINALITY) set.add(JSON.stringify(v));
    }
  }
  const metadataKeys = [...values].filter(([, set]) => set.size <= MAX_METADATA_CARDINALITY).map(([k]) => k).sort();
  const numbers = (pick: (s: TraceSummary) => number | null) => sample.map(pick).filter((v): v is number => v != null && Number.isFinite(v));
  return {
    skipRules: mineSkipRules(sample.map((s) => s.tools), minSupport),
    edges: {
      steps: bucketEdges(numbers((s) => s.steps), true),
      latency: bucketEdges(numbers((s) => s.latencyMs), false),
      tokens: bucketEdges(numbers((s) => s.tokens), true),
      cost: bucketEdges(numbers((s) => s.costUsd), false),
    },
    metadataKeys,
  };
}

/** Quantile edges rounded to two significant digits (readable filters: latency>=12000, not 11873), deduplicated. */
export function bucketEdges(values: number[], integer: boolean): number[] {
  if (values.length < 10) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (const q of BUCKET_QUANTILES) {
    let e = roundTwo(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    if (integer) e = Math.max(1, Math.round(e));
    if (e > sorted[0] && (!edges.length || e > edges[edges.length - 1])) edges.push(e);
  }
  return edges;
}

function roundTwo(x: number): number {
  if (x <= 0) return x;
  const p = Math.pow(10, Math.floor(Math.log10(x)) - 1);
  return Math.round(x / p) * p;
}

/** The bucket of `value`: its [low, high) bounds (null = open). */
function bucketOf(edges: number[], value: number): [number | null, number | null] {
  let i = 0;
  while (i < edges.length && value >= edges[i]) i++;
  return [i === 0 ? null : edges[i - 1], i === edges.length ? null : edges[i]];
}

/** Every candidate feature of a trace except its intent clusters (those come from the intent model). */
export function traceFeatures(s: TraceSummary, space: FeatureSpace): string[] {
  const out = trajectoryFeatures(s.tools, space.skipRules);
  const bucket = (field: BucketField, v: number | null) => {
    if (v == null || !Number.isFinite(v) || !space.edges[field].length) return;
    out.push(featureKey(field, ...bucketOf(space.edges[field], v)));
  };
  bucket('steps', s.steps);
  bucket('latency', s.latencyMs);
  bucket('tokens', s.tokens);
  bucket('cost', s.costUsd);
  for (const m of s.models) out.push(featureKey('model', m));
  if (s.release) out.push(featureKey('release', s.release));
  if (s.environment) out.push(featureKey('env', s.environment));
  for (const t of s.tags) out.push(featureKey('tag', t));
  for (const k of space.metadataKeys) if (k in s.metadata) out.push(featureKey('metadata', k, s.metadata[k]));
  for (const n of s.errorSpans) out.push(featureKey('span_error', n));
  out.push(featureKey('ending', s.ending));
  return out;
}

/** How a feature reads, and the filter that selects the same traces (null where the language has none). */
export interface FeatureMeaning {
  kind: FeatureKind;
  label: string;
  filter: string | null;
}

/** What the describer needs to know about the report. */
export interface DescribeContext {
  /** Every trace's tool calls came from tool spans, so tool filters (has(kind=tool ...)) select them exactly. */
  toolsFromSpans: boolean;
  /** Intent cluster names by id. */
  intentNames: Record<string, string>;
}

const word = (text: string) => ({ type: 'word' as const, text });
const text = (t: string) => ({ type: 'string' as const, text: t });
const eq = (name: string, value: { type: 'word' | 'string'; text: string }, key?: string): FilterNode => ({ type: 'compare', field: key === undefined ? { name } : { name, key }, op: '=', value });
const cmp = (name: string, op: '>=' | '<', v: number): FilterNode => ({ type: 'compare', field: { name }, op, value: word(String(v)) });
const and = (...children: FilterNode[]): FilterNode => (children.length === 1 ? children[0] : { type: 'and', children });
const has = (child: FilterNode): FilterNode => ({ type: 'has', child });

const UNITS: Record<BucketField, (v: number) => string> = {
  steps: (v) => `${v}`,
  latency: (v) => (v >= 60_000 ? `${+(v / 60_000).toFixed(1)} min` : v >= 1000 ? `${+(v / 1000).toFixed(1)} s` : `${v} ms`),
  tokens: (v) => v.toLocaleString('en-US'),
  cost: (v) => `$${v}`,
};

function range(field: BucketField, low: number | null, high: number | null): string {
  const f = UNITS[field];
  const what = field === 'steps' ? 'steps' : field;
  if (low == null) return `${what} < ${f(high!)}`;
  if (high == null) return `${what} ≥ ${f(low)}`;
  return `${what} ${f(low)}–${f(high)}`;
}

/** The label and equivalent filter of a feature key. */
export function describeFeature(key: string, ctx: DescribeContext): FeatureMeaning {
  const { kind, parts } = parseFeatureKey(key);
  const [a, b, c] = parts as string[];
  const filter = (node: FilterNode | null) => (node ? formatFilter(node) : null);
  const toolFilter = (node: FilterNode) => (ctx.toolsFromSpans ? filter(node) : null);
  switch (kind) {
    case 'intent':
    case 'intent_group':
      return { kind, label: `${kind === 'intent' ? 'intent' : 'intent category'}: ${ctx.intentNames[a] ?? a}`, filter: null };
    case 'tool':
      return { kind, label: `calls ${a}`, filter: toolFilter(has(and(eq('kind', word('tool')), eq('name', word(a))))) };
    case 'tool_error':
      return { kind, label: `${a} failed`, filter: toolFilter(has(and(eq('kind', word('tool')), eq('name', word(a)), eq('status', word('error'))))) };
    case 'no_tools':
      return { kind, label: 'no tool calls', filter: toolFilter({ type: 'not', child: has(eq('kind', word('tool'))) }) };
    case 'seq':
      return { kind, label: (parts as string[]).join(' → '), filter: null };
    case 'loop':
      return { kind, label: `repeats ${a} with the same arguments`, filter: null };
    case 'any_loop':
      return { kind, label: 'repeats a call with the same arguments', filter: null };
    case 'skip':
      return { kind, label: c ? `${c} → ${a} without ${b} before it` : `${a} without ${b} before it`, filter: null };
    case 'steps':
    case 'latency':
    case 'tokens':
    case 'cost': {
      const [low, high] = parts as (number | null)[];
      const field = kind === 'steps' ? null : kind;
      const bounds = field ? [...(low != null ? [cmp(field, '>=', low)] : []), ...(high != null ? [cmp(field, '<', high)] : [])] : [];
      return { kind, label: range(kind, low, high), filter: bounds.length ? filter(and(...bounds)) : null };
    }
    case 'model':
    case 'release':
    case 'env':
    case 'tag':
      return { kind, label: `${kind} ${a}`, filter: filter(eq(kind, word(a))) };
    case 'metadata': {
      const v = parts[1];
      // A quoted value compares JSON strings only; a bare number or true/false compares that JSON type.
      const value = typeof v === 'string' ? text(v) : word(String(v));
      return { kind, label: `metadata.${a} = ${typeof v === 'string' ? v : String(v)}`, filter: filter(eq('metadata', value, a)) };
    }
    case 'span_error':
      return { kind, label: `span ${a} failed`, filter: filter(has(and(eq('name', word(a)), eq('status', word('error'))))) };
    case 'ending':
      return { kind, label: `ended: ${endingLabel(a)}`, filter: null };
  }
}

function endingLabel(ending: string): string {
  if (ending === 'reply') return 'the agent replied';
  if (ending === 'unfinished') return 'never finished';
  if (ending === 'no_output') return 'no output';
  const [how, name] = [ending.slice(0, ending.indexOf(':')), ending.slice(ending.indexOf(':') + 1)];
  if (how === 'tool') return `on a ${name} call`;
  if (how === 'tool_request') return `asking for ${name}, never run`;
  if (how === 'error') return `${name} failed`;
  return ending;
}
