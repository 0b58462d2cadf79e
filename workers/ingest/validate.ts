/**
 * Validates and normalizes a batch of native spans item by item: valid spans are kept,
 * invalid ones are reported with their index, id, field path and reason. Also used by the
 * OTLP and LangSmith translators after they map their formats onto SpanIn.
 */
import { MAX_JSON_DEPTH, SpanIn, type NormalizedSpan } from '../../schema/wire/span.ts';
import type { ItemError } from '../../schema/wire/errors.ts';
import { formatPath } from '../platform/errors.ts';

/** Largest metadata object (as JSON text) a span may carry. */
export const MAX_METADATA_CHARS = 65_536;

/** The outcome of validating a batch. */
export interface ValidatedBatch {
  spans: NormalizedSpan[];
  /** Index into the input of each kept span (parallel to `spans`). */
  indexes: number[];
  rejected: ItemError[];
}

/** Validates raw items (as parsed JSON) against SpanIn and the structural rules. */
export function validateSpans(items: readonly unknown[], pathPrefix = 'spans'): ValidatedBatch {
  const spans: NormalizedSpan[] = [];
  const indexes: number[] = [];
  const rejected: ItemError[] = [];
  items.forEach((item, index) => {
    const rawId = item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string' ? (item as { id: string }).id : null;
    const reject = (path: string, message: string) => rejected.push({ index, id: rawId, path: `${pathPrefix}[${index}]${path ? `.${path}` : ''}`, message });
    const parsed = SpanIn.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reject(formatPath(issue.path), issue.message);
    }
    const span = parsed.data;
    for (const field of ['input', 'output', 'metadata'] as const) {
      const problem = jsonValueIsClean(span[field]) ? null : checkJsonValue(span[field]);
      if (problem) return reject(problem.path ? `${field}${problem.path}` : field, problem.message);
    }
    if (span.metadata && JSON.stringify(span.metadata).length > MAX_METADATA_CHARS) {
      // D1 rows are capped at 2 MB and metadata is indexed in D1, unlike input/output (R2).
      return reject('metadata', `is over ${MAX_METADATA_CHARS} characters as JSON; put large data in input or output`);
    }
    if (span.parent_id && span.parent_id === span.id) return reject('parent_id', 'a span cannot be its own parent');
    if (span.start_time != null && span.end_time != null && span.end_time < span.start_time) {
      return reject('end_time', 'must not be before start_time');
    }
    spans.push(normalize(span));
    indexes.push(index);
  });
  rejectParentLoops(spans, indexes, rejected, pathPrefix);
  return { spans, indexes, rejected };
}

/** Drops `unset` status, derives total_tokens, omits absent fields. */
function normalize(span: ReturnType<typeof SpanIn.parse>): NormalizedSpan {
  const out: NormalizedSpan = { id: span.id, trace_id: span.trace_id };
  for (const [k, v] of Object.entries(span)) {
    if (v === undefined || k === 'id' || k === 'trace_id') continue;
    (out as unknown as Record<string, unknown>)[k] = v;
  }
  if (span.status === 'unset') delete out.status;
  const usage = span.usage;
  if (usage && usage.total_tokens == null && (usage.input_tokens != null || usage.output_tokens != null)) {
    out.usage = { ...usage, total_tokens: (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0) };
  }
  return out;
}

/**
 * The fast path of checkJsonValue for the common case, a value with no problem: the same
 * walk, but without building a path string per node (which cost more than the walk itself
 * on chat-sized payloads). Only when it finds a problem does checkJsonValue run to name it.
 */
function jsonValueIsClean(value: unknown): boolean {
  if (value === undefined || value === null || typeof value !== 'object') return typeof value !== 'string' || value.isWellFormed();
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return false;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) values.push(v[i]), depths.push(depth + 1);
    } else {
      for (const k of Object.keys(v)) {
        if (!k.isWellFormed()) return false;
        values.push((v as Record<string, unknown>)[k]), depths.push(depth + 1);
      }
    }
  }
  return true;
}

/**
 * Walks a JSON value without recursion (so hostile nesting cannot overflow the stack),
 * rejecting nesting deeper than MAX_JSON_DEPTH and strings with lone surrogates (which
 * cannot be stored as UTF-8 and would not round-trip).
 */
function checkJsonValue(value: unknown): { path: string; message: string } | null {
  if (value === undefined || value === null || typeof value !== 'object') {
    return typeof value === 'string' && !value.isWellFormed() ? { path: '', message: 'contains an unpaired UTF-16 surrogate (invalid Unicode)' } : null;
  }
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: value, depth: 1, path: '' }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return { path, message: 'contains an unpaired UTF-16 surrogate (invalid Unicode)' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return { path, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, path: `${path}[${i}]` });
    } else {
      for (const [k, child] of Object.entries(v)) {
        if (!k.isWellFormed()) return { path, message: 'has a key with an unpaired UTF-16 surrogate (invalid Unicode)' };
        stack.push({ v: child, depth: depth + 1, path: `${path}.${k}` });
      }
    }
  }
  return null;
}

/**
 * Rejects every span whose parent chain, within this batch, comes back to itself
 * (a -> b -> a). Chains through spans stored earlier are broken at read time instead,
 * so a loop can never hang the tree view.
 */
function rejectParentLoops(spans: NormalizedSpan[], indexes: number[], rejected: ItemError[], pathPrefix: string): void {
  const byKey = new Map<string, number>();
  spans.forEach((s, i) => byKey.set(`${s.trace_id}\u0000${s.id}`, i));
  const inLoop = new Set<number>();
  const state = new Uint8Array(spans.length); // 0 unvisited, 1 on current path, 2 done
  for (let start = 0; start < spans.length; start++) {
    if (state[start]) continue;
    const path: number[] = [];
    let cur: number | undefined = start;
    while (cur !== undefined && state[cur] === 0) {
      state[cur] = 1;
      path.push(cur);
      const s: NormalizedSpan = spans[cur];
      cur = s.parent_id ? byKey.get(`${s.trace_id}\u0000${s.parent_id}`) : undefined;
    }
    if (cur !== undefined && state[cur] === 1) {
      for (let i = path.indexOf(cur); i < path.length; i++) inLoop.add(path[i]);
    }
    for (const i of path) state[i] = 2;
  }
  if (!inLoop.size) return;
  const keep = spans.map((_, i) => !inLoop.has(i));
  for (const i of [...inLoop].sort((a, b) => a - b)) {
    const chain: string[] = [];
    let cur: number | undefined = i;
    do {
      chain.push(spans[cur!].id);
      const s: NormalizedSpan = spans[cur!];
      cur = s.parent_id ? byKey.get(`${s.trace_id}\u0000${s.parent_id}`) : undefined;
    } while (cur !== undefined && cur !== i && chain.length < 20);
    rejected.push({ index: indexes[i], id: spans[i].id, path: `${pathPrefix}[${indexes[i]}].parent_id`, message: `parent chain loops: ${[...chain, spans[i].id].join(' -> ')}` });
  }
  rejected.sort((a, b) => a.index - b.index);
  let w = 0;
  for (let r = 0; r < spans.length; r++) {
    if (keep[r]) {
      spans[w] = spans[r];
      indexes[w] = indexes[r];
      w++;
    }
  }
  spans.length = w;
  indexes.length = w;
}
