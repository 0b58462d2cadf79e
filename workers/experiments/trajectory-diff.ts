/**
 * The trajectory diff of one example between two runs: the tool-call sequences aligned
 * (a longest common subsequence on tool names, so one extra lookup does not shift every
 * later call into "changed"), the first step where they diverge, calls added, removed or
 * changed (same tool, other arguments, with the argument paths that differ), and the
 * output diff as lines (jsdiff, the diff library git-style tools use). Pure.
 */
import { diffLines } from 'diff';
import { canonicalJson, type ToolCall } from '../evals/trajectory.ts';

/** One step of the aligned sequences. Indexes point into the a (baseline) and b (candidate) calls. */
export type AlignedStep =
  | { op: 'same'; a: number; b: number; name: string }
  | { op: 'changed'; a: number; b: number; name: string; args: ArgChange[] }
  | { op: 'removed'; a: number; name: string }
  | { op: 'added'; b: number; name: string };

/** One argument that differs, by JSON path (`order.items.0.id`). */
export interface ArgChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  a?: unknown;
  b?: unknown;
}

/** A line-level piece of the output diff. */
export interface OutputPart {
  op: 'same' | 'added' | 'removed';
  text: string;
}

export interface TrajectoryDiff {
  steps: AlignedStep[];
  /** The first aligned step that is not `same` (its index in `steps`), null when the sequences agree. */
  firstDivergence: number | null;
  added: number;
  removed: number;
  changed: number;
  output: OutputPart[];
  outputEqual: boolean;
}

// A trajectory of thousands of calls would make the LCS table quadratic in memory; agent
// runs are tens of calls, and past this bound the alignment falls back to position order.
const MAX_LCS_CELLS = 4_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every argument path whose value differs between a and b (objects and arrays walked, leaves compared as JSON). */
export function argumentChanges(a: unknown, b: unknown, path = ''): ArgChange[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const walkable = (isObject(a) && isObject(b)) || (Array.isArray(a) && Array.isArray(b));
  if (!walkable) return [{ path: path || '(root)', kind: 'changed', a, b }];
  const keys = Array.isArray(a)
    ? Array.from({ length: Math.max(a.length, (b as unknown[]).length) }, (_, i) => String(i))
    : [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
  const out: ArgChange[] = [];
  for (const k of keys) {
    const p = path ? `${path}.${k}` : k;
    const av = (a as Record<string, unknown>)[k];
    const bv = (b as Record<string, unknown>)[k];
    const inA = Array.isArray(a) ? Number(k) < a.length : Object.hasOwn(a as object, k);
    const inB = Array.isArray(b) ? Number(k) < (b as unknown[]).length : Object.hasOwn(b as object, k);
    if (!inB) out.push({ path: p, kind: 'removed', a: av });
    else if (!inA) out.push({ path: p, kind: 'added', b: bv });
    else out.push(...argumentChanges(av, bv, p));
  }
  return out;
}

/** Index pairs of a longest common subsequence of the two name lists. */
function lcsPairs(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  if ((n + 1) * (m + 1) > MAX_LCS_CELLS) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < Math.min(n, m); i++) if (a[i] === b[i]) pairs.push([i, i]);
    return pairs;
  }
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (table[i + 1][j] >= table[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

/** The aligned steps of two tool-call sequences. */
export function alignToolCalls(a: readonly Pick<ToolCall, 'name' | 'args'>[], b: readonly Pick<ToolCall, 'name' | 'args'>[]): AlignedStep[] {
  const pairs = lcsPairs(
    a.map((c) => c.name),
    b.map((c) => c.name),
  );
  const steps: AlignedStep[] = [];
  let i = 0;
  let j = 0;
  const flush = (untilA: number, untilB: number) => {
    // Between two matched calls, removed calls come before added ones, as in a unified diff.
    for (; i < untilA; i++) steps.push({ op: 'removed', a: i, name: a[i].name });
    for (; j < untilB; j++) steps.push({ op: 'added', b: j, name: b[j].name });
  };
  for (const [pa, pb] of pairs) {
    flush(pa, pb);
    const args = argumentChanges(a[pa].args ?? {}, b[pb].args ?? {});
    steps.push(args.length ? { op: 'changed', a: pa, b: pb, name: a[pa].name, args } : { op: 'same', a: pa, b: pb, name: a[pa].name });
    i = pa + 1;
    j = pb + 1;
  }
  flush(a.length, b.length);
  return steps;
}

/** Output as text for a line diff: strings as they are, anything else as indented JSON with sorted keys. */
function outputText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v.endsWith('\n') ? v : `${v}\n`;
  return `${JSON.stringify(JSON.parse(canonicalJson(v)), null, 2)}\n`;
}

/** The diff of one example's two runs: tool calls aligned, and the outputs line by line. */
export function diffTrajectories(
  a: { calls: readonly Pick<ToolCall, 'name' | 'args'>[]; output: unknown },
  b: { calls: readonly Pick<ToolCall, 'name' | 'args'>[]; output: unknown },
): TrajectoryDiff {
  const steps = alignToolCalls(a.calls, b.calls);
  const first = steps.findIndex((s) => s.op !== 'same');
  const output: OutputPart[] = diffLines(outputText(a.output), outputText(b.output)).map((p) => ({
    op: p.added ? 'added' : p.removed ? 'removed' : 'same',
    text: p.value,
  }));
  return {
    steps,
    firstDivergence: first === -1 ? null : first,
    added: steps.filter((s) => s.op === 'added').length,
    removed: steps.filter((s) => s.op === 'removed').length,
    changed: steps.filter((s) => s.op === 'changed').length,
    output,
    outputEqual: output.every((p) => p.op === 'same'),
  };
}
