/**
 * The Insights engine's input: a small, bounded summary of one trace (its request, its
 * trajectory, its roll-ups, what reviewers wrote and whether it failed), built from the
 * TraceTree that GET /v1/traces/:id returns. Everything the engine computes reads these,
 * never the trace itself, so a 100,000-trace report keeps a few KB per trace, and a
 * summary is the unit stored between steps (JSON).
 *
 * Chat payloads are read with the shared message recogniser (schema/payload/messages.ts:
 * OpenAI, Anthropic, Gemini, LangChain shapes), the one the UI and the renderer use.
 */
import type { TraceTree } from '../../../schema/wire/trace.ts';
import type { SpanOut } from '../../../schema/wire/span.ts';
import { toConversation, type ChatMessage } from '../../../schema/payload/messages.ts';
import { hash32 } from './hash.ts';

/** One tool call of the trajectory. */
export interface ToolCallSummary {
  name: string;
  /** The call failed (its span has status error). */
  error: boolean;
  /** Hash of the call's arguments (canonical JSON), to spot the same call repeated. */
  args: string;
}

/** Where the request text came from. */
export type RequestSource = 'first_user_message' | 'conversation' | 'root_input' | 'none';

/** What the engine knows about one trace. JSON-serialisable. */
export interface TraceSummary {
  id: string;
  /** The user's request: the first user message (or the root input), extended with later user turns when thin; '' when there is none. */
  request: string;
  requestSource: RequestSource;
  /** Tool calls in start order (at most MAX_TOOL_CALLS). */
  tools: ToolCallSummary[];
  /** Tool calls came from tool spans (`spans`: filterable as has(kind=tool ...)) or from LLM output messages. */
  toolSource: 'spans' | 'messages' | 'none';
  /** LLM calls plus tool calls. */
  steps: number;
  latencyMs: number | null;
  /** Total tokens (the trace's total_tokens: what the filter field `tokens` compares). */
  tokens: number | null;
  costUsd: number | null;
  /** Models any span called. */
  models: string[];
  release: string | null;
  environment: string | null;
  /** Tags of the trace (all its spans). */
  tags: string[];
  /** Scalar values of the root span's metadata (see SummaryOptions.metadataKeys). */
  metadata: Record<string, string | number | boolean>;
  /** Names of spans that failed. */
  errorSpans: string[];
  /** How the conversation ended (see endingOf). */
  ending: string;
  /** Comments, corrections and text answers from feedback (reviewers, evaluators, end users). */
  reviewerTexts: string[];
  /** Average score per feedback key. */
  feedback: Record<string, number>;
  /** Some span failed. */
  error: boolean;
  /** The trace matches the report's failure definition (computed by the caller). */
  failed: boolean;
  /** Facets an LLM wrote for this trace, when a provider ran (see llm.ts). */
  facets?: TraceFacets;
}

/** What an LLM says a trace is about (see llm.ts). */
export interface TraceFacets {
  request: string;
  task: string;
  outcome: string;
  failureReason: string | null;
}

/** How to summarise. */
export interface SummaryOptions {
  /** The trace fails by the report's failure definition. */
  failed: boolean;
  /** Root metadata keys to keep; default every key with a scalar value of at most MAX_METADATA_VALUE characters. */
  metadataKeys?: string[];
}

/** Characters of request text kept. */
export const MAX_REQUEST_CHARS = 1000;
/** A first user message of fewer words than this is "thin": later user turns are added. */
export const THIN_REQUEST_WORDS = 20;
/** Tool calls kept per trace (a runaway agent can make thousands). */
export const MAX_TOOL_CALLS = 500;
/** Longest metadata value kept: longer values are prose or payloads, not categories. */
export const MAX_METADATA_VALUE = 100;
/** Metadata keys kept per trace. */
export const MAX_METADATA_KEYS = 32;
/** Reviewer texts kept per trace, and characters per text. */
export const MAX_REVIEWER_TEXTS = 10;
export const MAX_REVIEWER_TEXT_CHARS = 1000;
const MAX_LIST = 64;

/** The summary of `tree`. Pure: the same tree gives the same summary. */
export function summarizeTrace(tree: TraceTree, options: SummaryOptions): TraceSummary {
  const { trace } = tree;
  const spans = [...tree.spans].sort((a, b) => (a.start_time ?? '').localeCompare(b.start_time ?? '') || a.id.localeCompare(b.id));
  const root = tree.spans.find((s) => s.id === trace.root_span_id) ?? tree.spans.find((s) => !s.parent_id) ?? null;
  const { request, requestSource } = requestOf(root, spans);
  const { tools, toolSource } = toolCallsOf(spans);
  const llmCalls = spans.filter((s) => s.kind === 'llm').length;
  return {
    id: trace.id,
    request,
    requestSource,
    tools,
    toolSource,
    steps: llmCalls + tools.length,
    latencyMs: trace.latency_ms,
    // The trace's total_tokens, exactly what the filter field `tokens` compares.
    tokens: trace.usage.total_tokens,
    costUsd: trace.usage.cost_usd,
    models: distinct(spans.map((s) => s.model)),
    release: trace.release,
    environment: trace.environment,
    tags: distinct([...trace.tags, ...spans.flatMap((s) => s.tags)]),
    metadata: metadataOf(root?.metadata ?? trace.metadata, options.metadataKeys),
    errorSpans: distinct(spans.filter((s) => s.status === 'error').map((s) => s.name ?? '(unnamed)')),
    ending: endingOf(root, spans),
    reviewerTexts: reviewerTextsOf(tree),
    feedback: Object.fromEntries(Object.entries(trace.feedback).filter(([, v]) => v.avg != null).map(([k, v]) => [k, v.avg as number])),
    error: trace.status === 'error',
    failed: options.failed,
  };
}

function distinct(values: (string | null | undefined)[]): string[] {
  const out = [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
  return out.slice(0, MAX_LIST).map((v) => v.slice(0, 256));
}

/** Text of a message's text parts. */
function messageText(m: ChatMessage): string {
  return m.parts
    .filter((p) => p.type === 'text')
    .map((p) => (p as { text: string }).text)
    .join('\n');
}

/** The conversation a span's input holds (plus its output message, for LLM spans), or null. */
function conversationOf(span: SpanOut | null | undefined, withOutput: boolean): ChatMessage[] | null {
  if (!span) return null;
  const input = toConversation(span.input);
  if (!input) return null;
  const output = withOutput ? toConversation(span.output) : null;
  return output ? [...input, ...output] : input;
}

/**
 * The request: the first user message of the root's conversation (else of the first LLM
 * call's), or the root input's text; when that is thin, the user's later turns from the
 * longest conversation recorded (the last LLM call's input).
 */
function requestOf(root: SpanOut | null, spans: SpanOut[]): { request: string; requestSource: RequestSource } {
  const llms = spans.filter((s) => s.kind === 'llm');
  const firstConversation = conversationOf(root, false) ?? conversationOf(llms[0], false);
  // The last LLM call holds the longest conversation; parse backwards and stop at the first that is one.
  let lastConversation = firstConversation;
  for (let i = llms.length - 1; i >= 0; i--) {
    const c = conversationOf(llms[i], true);
    if (c) {
      lastConversation = c;
      break;
    }
  }
  const firstUser = firstConversation?.find((m) => m.role === 'user');
  let request = firstUser ? messageText(firstUser) : '';
  let source: RequestSource = request ? 'first_user_message' : 'none';
  if (!request && root && root.input != null && !firstConversation) {
    request = payloadText(root.input, MAX_REQUEST_CHARS);
    if (request) source = 'root_input';
  }
  if (wordCount(request) < THIN_REQUEST_WORDS && lastConversation) {
    const turns = lastConversation.filter((m) => m.role === 'user').map(messageText).filter(Boolean);
    const joined = turns.join('\n');
    if (wordCount(joined) > wordCount(request)) (request = joined), (source = 'conversation');
  }
  return { request: request.trim().slice(0, MAX_REQUEST_CHARS), requestSource: request.trim() ? source : 'none' };
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Keys that usually hold the user's words in a non-chat input. */
const INPUT_KEYS = ['input', 'question', 'query', 'prompt', 'text', 'message', 'content', 'request'];

/** The text of a non-chat payload: a string, a well-known key, else its string leaves (bounded walk). */
export function payloadText(value: unknown, max: number): string {
  if (typeof value === 'string') return value.slice(0, max);
  if (!value || typeof value !== 'object') return value == null ? '' : String(value);
  if (!Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const k of INPUT_KEYS) if (typeof o[k] === 'string' && o[k]) return (o[k] as string).slice(0, max);
  }
  const out: string[] = [];
  let size = 0;
  let visited = 0;
  const walk = (v: unknown, depth: number) => {
    // Bounded in depth, nodes and characters: a huge payload costs at most ~10k steps.
    if (size >= max || depth > 8 || ++visited > 10_000) return;
    if (typeof v === 'string') {
      out.push(v.slice(0, max - size));
      size += v.length + 1;
    } else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return out.join('\n').slice(0, max);
}

/**
 * Tool calls in start order: tool spans when there are any, else the tool calls in LLM
 * output messages (for agents that trace only their LLM calls; those carry no error flag).
 */
function toolCallsOf(spans: SpanOut[]): { tools: ToolCallSummary[]; toolSource: TraceSummary['toolSource'] } {
  const toolSpans = spans.filter((s) => s.kind === 'tool');
  if (toolSpans.length) {
    return {
      tools: toolSpans.slice(0, MAX_TOOL_CALLS).map((s) => ({ name: (s.name ?? '(unnamed)').slice(0, 256), error: s.status === 'error', args: argsKey(s.input) })),
      toolSource: 'spans',
    };
  }
  const tools: ToolCallSummary[] = [];
  for (const s of spans) {
    if (s.kind !== 'llm') continue;
    for (const m of toConversation(s.output) ?? []) {
      for (const p of m.parts) if (p.type === 'tool_call' && tools.length < MAX_TOOL_CALLS) tools.push({ name: p.name.slice(0, 256), error: false, args: argsKey(p.arguments) });
    }
  }
  return { tools, toolSource: tools.length ? 'messages' : 'none' };
}

/** A short key for a call's arguments: equal arguments (key order aside) give equal keys. */
function argsKey(args: unknown): string {
  const parsed = typeof args === 'string' ? parseJson(args) : args;
  return hash32(canonical(parsed ?? {}, 0)).toString(36);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function canonical(v: unknown, depth: number): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (depth > 16) return '…';
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k], depth + 1)}`)
    .join(',')}}`;
}

function metadataOf(metadata: Record<string, unknown>, keys: string[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  let count = 0;
  for (const k of keys ?? Object.keys(metadata).sort()) {
    const v = metadata[k];
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v === 'string' ? v.length === 0 || v.length > MAX_METADATA_VALUE : typeof v !== 'boolean') continue;
    out[k] = v as string | number | boolean;
    if (++count >= MAX_METADATA_KEYS) break;
  }
  return out;
}

/**
 * How the conversation ended: `unfinished` (the root never ended), `error:<span>` (the
 * last step failed), `tool:<name>` (the agent's last step was a tool call, e.g. a hand-off),
 * `tool_request:<name>` (the last LLM call asked for a tool that never ran), `reply` (the
 * agent answered), or `no_output`.
 */
export function endingOf(root: SpanOut | null, spans: SpanOut[]): string {
  if (root && root.end_time == null) return 'unfinished';
  const steps = spans.filter((s) => s.kind === 'llm' || s.kind === 'tool');
  const last = steps[steps.length - 1];
  if (!last) return root?.output == null ? 'no_output' : 'reply';
  if (last.status === 'error') return `error:${(last.name ?? '(unnamed)').slice(0, 128)}`;
  if (last.kind === 'tool') return `tool:${(last.name ?? '(unnamed)').slice(0, 128)}`;
  const requested = (toConversation(last.output) ?? []).flatMap((m) => m.parts).find((p) => p.type === 'tool_call');
  if (requested && requested.type === 'tool_call') return `tool_request:${requested.name.slice(0, 128)}`;
  return last.output == null ? 'no_output' : 'reply';
}

/** Comments, corrections and text values of the trace's feedback, bounded. */
function reviewerTextsOf(tree: TraceTree): string[] {
  const out: string[] = [];
  const push = (text: string) => {
    const t = text.trim();
    if (t && out.length < MAX_REVIEWER_TEXTS) out.push(t.slice(0, MAX_REVIEWER_TEXT_CHARS));
  };
  const feedback = [...tree.feedback].sort((a, b) => a.id.localeCompare(b.id));
  for (const f of feedback) {
    // A text value is a rubric answer (failure_mode: wrong_flight): keep the key with it.
    if (typeof f.value === 'string') push(`${f.key}: ${f.value}`);
    if (f.comment) push(f.comment);
    if (f.correction != null) push(typeof f.correction === 'string' ? f.correction : payloadText(f.correction, MAX_REVIEWER_TEXT_CHARS));
  }
  return out;
}
