/**
 * Reads values out of a trace by value source (`output`, `trace.metadata.reference`,
 * `trajectory`, ...; grammar in schema/values/source.ts): what checks and judge variables
 * see. Pure functions over a loaded TraceTree, kept in schema/ so that whatever else reads
 * trace fields by source reads them as evaluators do.
 */
import type { TraceTree } from '../wire/trace.ts';
import type { SpanOut } from '../wire/span.ts';
import type { FeedbackOut } from '../wire/feedback.ts';
import { parseValueSource, type ParsedSource } from './source.ts';
import { renderTrace } from '../render/trajectory.ts';
import { renderConversation, type ConversationTurn } from '../render/conversation.ts';

/** The dataset example an experiment run was made from: what `example.*` sources read. */
export interface SubjectExample {
  id: string;
  inputs: unknown;
  outputs: unknown;
  criteria: string | null;
  expected_trajectory: unknown;
  metadata: unknown;
}

/** What a value source is read from: a trace, and the span in focus (null for the whole trace; for evaluators, the span being evaluated). */
export interface TraceSubject {
  tree: TraceTree;
  span: SpanOut | null;
  /** The example, when the trace is an experiment run (absent otherwise: `example.*` reads nothing). */
  example?: SubjectExample | null;
  /** The conversation, when a thread rule evaluates the thread the trace ends (what `conversation` reads). */
  thread?: SubjectThread | null;
}

/** A thread being evaluated: its id and its (latest) turns in time order. */
export interface SubjectThread {
  id: string;
  turns: ConversationTurn[];
  /** Turns the thread has (more than `turns` when only the latest were loaded). */
  totalTurns: number;
}

/** How to render the trajectory variable. */
export interface SourceOptions {
  trajectoryMaxTokens?: number;
}

/** The trace's root span: the one the trace row names, else the first span without a parent. */
export function rootSpan(tree: TraceTree): SpanOut | null {
  return tree.spans.find((s) => s.id === tree.trace.root_span_id) ?? tree.spans.find((s) => !s.parent_id) ?? null;
}

/** The span and its descendants (tree.spans is depth-first, so one pass suffices). */
export function subtree(tree: TraceTree, span: SpanOut | null): SpanOut[] {
  if (!span) return tree.spans;
  const ids = new Set([span.id]);
  const out: SpanOut[] = [];
  for (const s of tree.spans) {
    if (ids.has(s.id) || (s.parent_id && ids.has(s.parent_id))) {
      ids.add(s.id);
      out.push(s);
    }
  }
  return out;
}

/** Reads `source` for the subject; undefined when the trace does not carry it. */
export function readSource(subject: TraceSubject, source: string, opts: SourceOptions = {}): unknown {
  const parsed = parseValueSource(source);
  if (typeof parsed === 'string') throw new Error(`invalid value source '${source}': ${parsed}`);
  return readParsed(subject, parsed, opts);
}

/** Why `source` read nothing, as a sentence tail: "the trace has no X" (and, for example.*, that it is no experiment run). */
export function missingSource(subject: TraceSubject, source: string): string {
  const what = `the ${subject.span ? 'span' : 'trace'} has no ${source}`;
  return source.includes('example.') && !subject.example ? `${what} (it is not a run of an experiment on a Loupe dataset, so it has no example)` : what;
}

function readParsed(subject: TraceSubject, p: ParsedSource, opts: SourceOptions): unknown {
  const { tree } = subject;
  switch (p.root) {
    case 'first':
      for (const option of p.options) {
        const v = readParsed(subject, option, opts);
        if (v !== undefined && v !== null) return v;
      }
      return undefined;
    case 'example': {
      const v = subject.example?.[p.field];
      return v === null || v === undefined ? undefined : walk(v, p.path);
    }
    case 'target':
    case 'trace': {
      const span = p.root === 'target' && subject.span ? subject.span : rootSpan(tree);
      return walk(fieldOf(tree, span, p.field, p.root === 'trace' || !subject.span), p.path);
    }
    case 'trajectory':
      return renderTrace(tree, {
        maxTokens: opts.trajectoryMaxTokens ?? 4000,
        spanId: subject.span?.id,
        spanRef: (id) => `span ${id}`,
        expandHint: (id) => `the whole trace ${id} is in Loupe`,
      });
    case 'conversation': {
      const maxTokens = opts.trajectoryMaxTokens ?? 4000;
      if (subject.thread) return renderConversation(subject.thread.turns, { maxTokens, totalTurns: subject.thread.totalTurns });
      // A trace outside a thread rule is a one-turn conversation: its root's input and output.
      const root = rootSpan(tree);
      if (!root) return undefined;
      const start = tree.trace.start_time ? Date.parse(tree.trace.start_time) : null;
      return renderConversation([{ trace_id: tree.trace.id, start_time: start, name: tree.trace.name, input: root.input ?? tree.trace.input_preview, output: root.output ?? tree.trace.output_preview }], { maxTokens });
    }
    case 'retrieved_context':
      return retrievedContext(subtree(tree, subject.span));
    case 'correction': {
      const f = latest(tree.feedback.filter((f) => f.correction != null && ownedBy(f, subject)));
      return f ? walk(f.correction, p.path) : undefined;
    }
    case 'feedback': {
      const f = latest(tree.feedback.filter((f) => f.key === p.key && ownedBy(f, subject)));
      if (!f) return undefined;
      if (p.part === null) return f.score ?? f.value ?? undefined;
      return f[p.part] ?? undefined;
    }
  }
}

/** A field of a span; for the whole trace, the trace row's metadata and name. */
function fieldOf(tree: TraceTree, span: SpanOut | null, field: 'input' | 'output' | 'metadata' | 'error' | 'name', traceLevel: boolean): unknown {
  if (traceLevel) {
    if (field === 'metadata') return tree.trace.metadata;
    if (field === 'name') return tree.trace.name ?? span?.name ?? undefined;
    if (field === 'error') return span?.error ?? tree.spans.find((s) => s.error)?.error ?? undefined;
  }
  if (!span) return undefined;
  const v = span[field];
  return v === null ? undefined : v;
}

/** Feedback on the whole trace, or on the evaluated span. */
function ownedBy(f: FeedbackOut, subject: TraceSubject): boolean {
  return f.span_id === null || f.span_id === subject.span?.id || !subject.span;
}

function latest(rows: FeedbackOut[]): FeedbackOut | undefined {
  return rows.reduce<FeedbackOut | undefined>((best, f) => (!best || f.updated_at >= best.updated_at ? f : best), undefined);
}

/**
 * Walks a JSON path: object keys, array indexes (negative from the end). A JSON string on
 * the way is parsed first, since tools and LLM outputs often carry JSON as text.
 */
export function walk(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const seg of path) {
    if (typeof cur === 'string') cur = parseJsonText(cur);
    if (Array.isArray(cur) && /^-?\d+$/.test(seg)) {
      const i = Number(seg);
      cur = cur[i < 0 ? cur.length + i : i];
    } else if (cur && typeof cur === 'object' && !Array.isArray(cur)) {
      cur = (cur as Record<string, unknown>)[seg];
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Parses JSON text, or returns the text unchanged when it is not JSON. */
export function parseJsonText(text: string): unknown {
  const t = text.trim();
  if (!t || !'{["0123456789-tfn'.includes(t[0])) return text;
  try {
    return JSON.parse(t);
  } catch {
    return text;
  }
}

/** Retriever outputs as numbered documents: `[1] text`. Common shapes: strings, {page_content|content|text}. */
function retrievedContext(spans: SpanOut[]): string | undefined {
  const docs: string[] = [];
  for (const s of spans) {
    if (s.kind !== 'retriever' || s.output === undefined) continue;
    const out = typeof s.output === 'string' ? parseJsonText(s.output) : s.output;
    const list = Array.isArray(out) ? out : out && typeof out === 'object' && Array.isArray((out as { documents?: unknown }).documents) ? (out as { documents: unknown[] }).documents : [out];
    for (const d of list) docs.push(documentText(d));
  }
  return docs.length ? docs.map((d, i) => `[${i + 1}] ${d}`).join('\n') : undefined;
}

function documentText(d: unknown): string {
  if (typeof d === 'string') return d;
  if (d && typeof d === 'object') {
    const o = d as Record<string, unknown>;
    for (const k of ['page_content', 'content', 'text']) if (typeof o[k] === 'string') return o[k] as string;
  }
  return JSON.stringify(d);
}

/** A value as text for prompts and text checks: strings as they are, the rest as JSON. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  // An LLM message: its text content is what people mean by "the output".
  if (typeof value === 'object' && !Array.isArray(value)) {
    const m = value as { role?: unknown; content?: unknown };
    if (typeof m.role === 'string' && typeof m.content === 'string') return m.content;
  }
  return JSON.stringify(value);
}
