/**
 * Trajectory checks over an agent's tool calls: was a tool (not) called, does the call
 * sequence match an expected one (strict, unordered, subset, superset), with arguments
 * compared exactly or as a JSON subset, and are identical calls repeated (a loop).
 * Modes follow LangChain's agentevals trajectory match, so LangSmith users get what they
 * expect. Pure functions.
 */
import type { SpanOut } from '../../schema/wire/span.ts';
import { toConversation } from '../../schema/payload/messages.ts';
import { parseJsonText } from '../../schema/values/read.ts';

/** One tool call as the agent made it. */
export interface ToolCall {
  name: string;
  args: unknown;
  spanId: string | null;
}

/** How arguments are compared. */
export type ArgsMatch = 'ignore' | 'exact' | 'subset';
/** How a sequence is compared. */
export type SequenceMode = 'strict' | 'unordered' | 'subset' | 'superset';

/**
 * The tool calls of a trajectory, in start order: `tool` spans when there are any,
 * otherwise the tool calls requested in LLM output messages (OpenAI chat and responses,
 * Anthropic tool_use, Gemini functionCall, LangChain tool_calls: the shapes
 * schema/payload/messages.ts reads), for agents that trace only their LLM calls.
 */
export function toolCallsOf(spans: SpanOut[]): ToolCall[] {
  const byStart = [...spans].sort((a, b) => (a.start_time ?? '').localeCompare(b.start_time ?? ''));
  const tools = byStart.filter((s) => s.kind === 'tool');
  if (tools.length) return tools.map((s) => ({ name: s.name ?? '(unnamed)', args: normalizeArgs(s.input), spanId: s.id }));
  const calls: ToolCall[] = [];
  for (const s of byStart) {
    if (s.kind !== 'llm') continue;
    for (const m of toConversation(s.output) ?? []) {
      for (const p of m.parts) if (p.type === 'tool_call') calls.push({ name: p.name, args: normalizeArgs(p.arguments), spanId: s.id });
    }
  }
  return calls;
}

/** Arguments as JSON: text that parses is parsed; absent is {}. */
export function normalizeArgs(args: unknown): unknown {
  if (args === undefined || args === null) return {};
  return typeof args === 'string' ? parseJsonText(args) : args;
}

/** An expected call from data: `{name, args}`, or tau-bench's `{name, kwargs}`, or `{name, arguments}`. */
export function expectedCall(raw: unknown, index: number): { name: string; args: unknown } {
  if (typeof raw === 'string') return { name: raw, args: undefined };
  if (!raw || typeof raw !== 'object' || typeof (raw as { name?: unknown }).name !== 'string') {
    throw new Error(`expected call ${index} has no name`);
  }
  const o = raw as { name: string; args?: unknown; kwargs?: unknown; arguments?: unknown };
  const args = o.args ?? o.kwargs ?? o.arguments;
  return { name: o.name, args: args === undefined ? undefined : normalizeArgs(args) };
}

/** Deep JSON equality, key order ignored, numbers by value. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * JSON subset: every key of `expected` is in `actual` with a subset value (recursively);
 * arrays match element by element with equal length; anything else by equality.
 */
export function jsonSubset(expected: unknown, actual: unknown): boolean {
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected as Record<string, unknown>).every(([k, v]) => v === undefined || (k in (actual as object) && jsonSubset(v, (actual as Record<string, unknown>)[k])));
  }
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.length === actual.length && expected.every((v, i) => jsonSubset(v, actual[i]));
  return jsonEqual(expected, actual);
}

/** Does an actual call satisfy an expected one? Expected calls without args match any args. */
export function callMatches(expected: { name: string; args?: unknown }, actual: ToolCall, mode: ArgsMatch): boolean {
  if (expected.name !== actual.name) return false;
  if (mode === 'ignore' || expected.args === undefined) return true;
  return mode === 'exact' ? jsonEqual(expected.args, actual.args) : jsonSubset(expected.args, actual.args);
}

/** The outcome of a trajectory check: pass/fail and a sentence saying why. */
export interface CheckVerdict {
  pass: boolean;
  comment: string;
}

/**
 * Matches expected calls to actual ones one-to-one (bipartite matching by augmenting
 * paths, so subset argument matching cannot be fooled by greedy choices). Returns, per
 * expected index, the matched actual index or -1.
 */
function matchCalls(expected: { name: string; args?: unknown }[], actual: ToolCall[], mode: ArgsMatch): number[] {
  const ownerOf = new Array<number>(actual.length).fill(-1);
  const tryAssign = (e: number, seen: boolean[]): boolean => {
    for (let a = 0; a < actual.length; a++) {
      if (seen[a] || !callMatches(expected[e], actual[a], mode)) continue;
      seen[a] = true;
      if (ownerOf[a] === -1 || tryAssign(ownerOf[a], seen)) {
        ownerOf[a] = e;
        return true;
      }
    }
    return false;
  };
  for (let e = 0; e < expected.length; e++) tryAssign(e, new Array<boolean>(actual.length).fill(false));
  const result = new Array<number>(expected.length).fill(-1);
  ownerOf.forEach((e, a) => {
    if (e >= 0) result[e] = a;
  });
  return result;
}

const describe = (c: { name: string; args?: unknown }) => (c.args === undefined ? c.name : `${c.name}(${JSON.stringify(c.args)})`);
const names = (calls: { name: string }[]) => (calls.length ? calls.map((c) => c.name).join(' → ') : '(no tool calls)');

/** Compares the actual calls with the expected ones in `mode`. */
export function matchSequence(expected: { name: string; args?: unknown }[], actual: ToolCall[], mode: SequenceMode, args: ArgsMatch): CheckVerdict {
  if (mode === 'strict') {
    if (expected.length !== actual.length) {
      return { pass: false, comment: `expected ${expected.length} tool calls, got ${actual.length}: expected ${names(expected)}; got ${names(actual)}` };
    }
    const bad = expected.findIndex((e, i) => !callMatches(e, actual[i], args));
    if (bad >= 0) return { pass: false, comment: `call ${bad + 1} differs: expected ${describe(expected[bad])}, got ${describe(actual[bad])}` };
    return { pass: true, comment: `the ${actual.length} tool calls match in order` };
  }
  const assigned = matchCalls(expected, actual, args);
  const missing = expected.filter((_, i) => assigned[i] < 0);
  const used = new Set(assigned.filter((a) => a >= 0));
  const extra = actual.filter((_, i) => !used.has(i));
  const missingText = missing.length ? `missing ${missing.map(describe).join(', ')}` : '';
  const extraText = extra.length ? `unexpected ${extra.map(describe).join(', ')}` : '';
  switch (mode) {
    case 'unordered': {
      const pass = !missing.length && !extra.length;
      return { pass, comment: pass ? `the ${actual.length} tool calls match (any order)` : [missingText, extraText].filter(Boolean).join('; ') };
    }
    case 'superset':
      return { pass: !missing.length, comment: missing.length ? missingText : `all ${expected.length} expected tool calls were made${extra.length ? ` (plus ${extra.length} others)` : ''}` };
    case 'subset':
      return { pass: !extra.length, comment: extra.length ? extraText : `every tool call (${actual.length}) was an expected one` };
  }
}

/** Finds tool calls repeated with the same arguments more than `max` times (in a row with `consecutiveOnly`). */
export function findLoops(calls: ToolCall[], max: number, consecutiveOnly: boolean): CheckVerdict {
  const key = (c: ToolCall) => `${c.name}\u0000${canonicalJson(c.args)}`;
  let worst: { call: ToolCall; count: number } | null = null;
  if (consecutiveOnly) {
    let run = 0;
    calls.forEach((c, i) => {
      run = i > 0 && key(calls[i - 1]) === key(c) ? run + 1 : 1;
      if (!worst || run > worst.count) worst = { call: c, count: run };
    });
  } else {
    const counts = new Map<string, { call: ToolCall; count: number }>();
    for (const c of calls) {
      const entry = counts.get(key(c)) ?? { call: c, count: 0 };
      entry.count++;
      counts.set(key(c), entry);
      if (!worst || entry.count > worst.count) worst = entry;
    }
  }
  const w = worst as { call: ToolCall; count: number } | null;
  if (w && w.count > max) {
    return { pass: false, comment: `${describe(w.call)} was called ${w.count} times${consecutiveOnly ? ' in a row' : ''} (at most ${max} allowed)` };
  }
  return { pass: true, comment: w ? `no tool call repeated more than ${max} times (most: ${w.count}× ${w.call.name})` : 'no tool calls' };
}

/** JSON with sorted keys, so equal arguments give equal text. */
export function canonicalJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}
