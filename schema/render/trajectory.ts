/**
 * Renders a trace as a compact markdown trajectory that an LLM (or a person in a
 * terminal) reads well: the span tree with kinds, each LLM step's new messages, each tool
 * call with its arguments and result, errors, and feedback. Long values are cut with a
 * marker saying how much was cut and how to get it; a token budget shrinks values, then
 * folds the middle of long trajectories, until the whole rendering fits.
 * Shared by the CLI, the MCP endpoint and the LLM judge, so all three see the same view.
 */
import type { TraceTree } from '../wire/trace.ts';
import type { SpanOut } from '../wire/span.ts';
import type { FeedbackOut } from '../wire/feedback.ts';

/** How to render. */
export interface RenderOptions {
  /** Keep the whole rendering within this many estimated tokens (see estimateTokens). */
  maxTokens?: number;
  /** Show every value whole (still folded by maxTokens if that is set). */
  full?: boolean;
  /** Render only this span and its descendants. */
  spanId?: string;
  /** Characters kept per value before it is cut (default 600; ignored with `full`). */
  valueChars?: number;
  /** How a cut marker names the span to expand (default `--span <id>`, the CLI flag). */
  spanRef?: (spanId: string) => string;
  /** The sentence in the footer saying how to see what was cut (default: the CLI command). */
  expandHint?: (traceId: string) => string;
}

/**
 * Estimated tokens of a text: characters ÷ 4, the usual rule of thumb for English with
 * OpenAI/Anthropic BPE tokenizers (JSON and code run a little higher, so budgets leave
 * slack). No tokenizer is bundled: they are large and model-specific.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The default footer hint: the CLI commands that show what was cut. */
export const cliExpandHint = (traceId: string) => `\`loupe traces get ${traceId} --span <id> --full\` shows one span whole; \`--full\` shows everything`;
/** The default marker reference: the CLI flag. */
export const cliSpanRef = (spanId: string) => `--span ${spanId}`;

/** Cut-down steps go through these widths before whole steps are folded. */
const SHRINK_STEPS = [600, 300, 150, 80, 40];

/** Renders a trace (or one span's subtree) as markdown. */
export function renderTrace(tree: TraceTree, opts: RenderOptions = {}): string {
  const hint = opts.expandHint ?? cliExpandHint;
  const ref = opts.spanRef ?? cliSpanRef;
  const spans = selectSpans(tree, opts.spanId);
  const base = opts.full ? Infinity : (opts.valueChars ?? SHRINK_STEPS[0]);
  const widths = opts.maxTokens ? [base, ...SHRINK_STEPS.filter((w) => w < base)] : [base];
  let text = '';
  for (const width of widths) {
    text = compose(tree, spans, { width, keep: null, hint, ref });
    if (!opts.maxTokens || estimateTokens(text) <= opts.maxTokens) return text;
  }
  // Still too long: keep the first and last steps, fold the middle (the search keeps the most that fit).
  const width = widths[widths.length - 1];
  let lo = 0;
  let hi = Math.ceil(spans.length / 2);
  let best = compose(tree, spans, { width, keep: 0, hint, ref });
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = compose(tree, spans, { width, keep: mid, hint, ref });
    if (estimateTokens(candidate) <= opts.maxTokens!) {
      best = candidate;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (estimateTokens(best) <= opts.maxTokens!) return best;
  // Even the header and feedback do not fit: cut the text itself, and say so.
  const marker = `\n…[rendering cut to fit ${opts.maxTokens} tokens; ${hint(tree.trace.id)}]`;
  return best.slice(0, Math.max(0, opts.maxTokens! * 4 - marker.length)) + marker;
}

/** The spans to render: all (tree order), or one span and its descendants. */
function selectSpans(tree: TraceTree, spanId?: string): SpanOut[] {
  if (!spanId) return tree.spans;
  const wanted = new Set([spanId]);
  const out: SpanOut[] = [];
  for (const s of tree.spans) {
    // tree.spans is depth-first, so a descendant always comes after its parent.
    if (wanted.has(s.id) || (s.parent_id && wanted.has(s.parent_id))) {
      wanted.add(s.id);
      out.push(s);
    }
  }
  return out;
}

interface ComposeOptions {
  width: number;
  /** null: every step; n: the first n and last n steps, the rest folded. */
  keep: number | null;
  hint: (traceId: string) => string;
  ref: (spanId: string) => string;
}

function compose(tree: TraceTree, spans: SpanOut[], o: ComposeOptions): string {
  const t = tree.trace;
  const lines: string[] = [];
  lines.push(`# Trace ${t.id}${t.name ? ` · ${t.name}` : ''}`);
  lines.push(
    [
      `status ${t.status}`,
      `${t.span_count} spans`,
      t.latency_ms != null ? `latency ${duration(t.latency_ms)}` : null,
      t.usage.total_tokens != null ? `${t.usage.total_tokens} tokens` : null,
      t.usage.cost_usd != null ? `$${t.usage.cost_usd.toFixed(4)}` : null,
      t.start_time ? `started ${t.start_time}` : null,
    ]
      .filter(Boolean)
      .join(' · '),
  );
  const context = [
    t.environment && `env ${t.environment}`,
    t.release && `release ${t.release}`,
    t.user_id && `user ${t.user_id}`,
    t.session_id && `session ${t.session_id}`,
    t.tags.length ? `tags ${t.tags.join(', ')}` : null,
  ].filter(Boolean);
  if (context.length) lines.push(context.join(' · '));
  const rootRef = () => (t.root_span_id ? o.ref(t.root_span_id) : 'full');
  if (Object.keys(t.metadata).length) lines.push(`metadata ${cut(JSON.stringify(t.metadata), o.width, rootRef)}`);

  if (tree.feedback.length) {
    lines.push('', '## Feedback');
    for (const f of tree.feedback) lines.push(`- ${feedbackLine(f, o.width, () => (f.span_id ? o.ref(f.span_id) : rootRef()))}`);
  }

  lines.push('', '## Steps');
  const depth = depthOf(spans);
  const seen = new Set<string>();
  const hasToolSpans = spans.some((s) => s.kind === 'tool');
  const n = spans.length;
  let folded = false;
  spans.forEach((s, i) => {
    if (o.keep !== null && i >= o.keep && i < n - o.keep) {
      // Messages of folded steps still count as seen, so later steps do not repeat them.
      markSeen(s, seen);
      if (!folded) {
        folded = true;
        lines.push(`- …[${n - 2 * o.keep} steps folded to fit the budget]`);
      }
      return;
    }
    lines.push(...stepLines(s, depth.get(s.id) ?? 0, i + 1, { ...o, seen, hasToolSpans }));
  });
  const shown = o.keep === null ? n : Math.min(n, 2 * o.keep);
  const body = lines.join('\n');
  const cutSomething = body.includes('chars; ') || shown < n;
  const footer = (tokens: number) =>
    `\n\n_≈${tokens} tokens (characters ÷ 4); ${shown} of ${n} steps shown${Number.isFinite(o.width) ? `; values cut at ${o.width} characters` : ''}.${cutSomething ? ` ${o.hint(t.id)}.` : ''}_`;
  return body + footer(estimateTokens(body + footer(estimateTokens(body))));
}

function depthOf(spans: SpanOut[]): Map<string, number> {
  const depth = new Map<string, number>();
  for (const s of spans) depth.set(s.id, s.parent_id && depth.has(s.parent_id) ? depth.get(s.parent_id)! + 1 : 0);
  return depth;
}

interface StepContext extends ComposeOptions {
  seen: Set<string>;
  hasToolSpans: boolean;
}

/** The lines of one span: a header, then its content indented beneath. */
function stepLines(s: SpanOut, depth: number, index: number, c: StepContext): string[] {
  const pad = '  '.repeat(depth);
  const inner = `${pad}  `;
  const more = () => c.ref(s.id);
  const facts = [
    s.model,
    s.status === 'error' ? 'ERROR' : null,
    s.latency_ms != null ? duration(s.latency_ms) : null,
    s.usage.input_tokens != null || s.usage.output_tokens != null ? `${s.usage.input_tokens ?? '?'}→${s.usage.output_tokens ?? '?'} tokens` : null,
  ].filter(Boolean);
  const lines = [`${pad}- ${index}. **[${s.kind}] ${s.name ?? '(unnamed)'}**${facts.length ? ` · ${facts.join(' · ')}` : ''}`];
  if (s.kind === 'llm') {
    const inputs = messagesOf(s.input);
    if (inputs) {
      for (const m of inputs) {
        const fp = fingerprint(m);
        if (c.seen.has(fp)) continue;
        c.seen.add(fp);
        if (m.role === 'tool' && c.hasToolSpans) continue; // shown as the tool step's result
        lines.push(`${inner}- ${messageLine(m, c.width, more, c.hasToolSpans)}`);
      }
    } else if (s.input !== undefined) lines.push(`${inner}- input: ${value(s.input, c.width, more)}`);
    const outputs = messagesOf(s.output);
    if (outputs) {
      for (const m of outputs) {
        c.seen.add(fingerprint(m));
        lines.push(`${inner}- ${messageLine(m, c.width, more, c.hasToolSpans)}`);
      }
    } else if (s.output !== undefined) lines.push(`${inner}- output: ${value(s.output, c.width, more)}`);
  } else if (s.kind === 'tool') {
    lines.push(`${inner}- args: ${value(s.input, c.width, more)}`);
    if (s.output !== undefined) lines.push(`${inner}- result: ${value(s.output, c.width, more)}`);
  } else {
    if (s.input !== undefined) lines.push(`${inner}- input: ${inputSummary(s.input, c.width, more)}`);
    if (s.output !== undefined) lines.push(`${inner}- output: ${inputSummary(s.output, c.width, more)}`);
  }
  // Tools often return their error as the result too; say it once.
  if (s.error && !(typeof s.output === 'string' && s.output.trim() === s.error.trim())) {
    lines.push(`${inner}- error: ${cut(oneLine(s.error), c.width, more)}`);
  }
  return lines;
}

/** Roots often carry a chat transcript: show its last message rather than the JSON. */
function inputSummary(v: unknown, width: number, more: () => string): string {
  const msgs = messagesOf(v);
  if (msgs && msgs.length) return messageLine(msgs[msgs.length - 1], width, more);
  return value(v, width, more);
}

interface Message {
  role: string;
  content?: unknown;
  tool_calls?: { function?: { name?: string; arguments?: unknown }; name?: string; args?: unknown }[];
  tool_call_id?: string;
  name?: string;
}

/** Chat messages in the common shapes: [..], {messages: [..]}, a single {role, content}. */
function messagesOf(v: unknown): Message[] | null {
  const isMsg = (m: unknown): m is Message => typeof m === 'object' && m !== null && typeof (m as Message).role === 'string';
  if (Array.isArray(v)) return v.length && v.every(isMsg) ? v : null;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.messages) && o.messages.every(isMsg)) return o.messages as Message[];
    if (isMsg(v)) return [v];
  }
  return null;
}

function fingerprint(m: Message): string {
  return JSON.stringify([m.role, m.content ?? null, m.tool_calls ?? null, m.tool_call_id ?? null]);
}

function markSeen(s: SpanOut, seen: Set<string>): void {
  for (const m of [...(messagesOf(s.input) ?? []), ...(messagesOf(s.output) ?? [])]) seen.add(fingerprint(m));
}

/** One message; with `callsShownAsSteps`, tool calls show by name only (their tool step has the arguments). */
function messageLine(m: Message, width: number, more: () => string, callsShownAsSteps = false): string {
  const parts: string[] = [];
  const text = contentText(m.content);
  if (text) parts.push(cut(oneLine(text), width, more));
  for (const call of m.tool_calls ?? []) {
    const name = call.function?.name ?? call.name ?? 'tool';
    const args = call.function?.arguments ?? call.args ?? '';
    parts.push(callsShownAsSteps ? `→ calls ${name}` : `→ calls ${name}(${cut(typeof args === 'string' ? args : JSON.stringify(args), width, more)})`);
  }
  const who = m.role === 'tool' ? `tool result${m.name ? ` (${m.name})` : ''}` : m.role;
  return `${who}: ${parts.join(' ') || '(empty)'}`;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : JSON.stringify(p))).join(' ');
  }
  return content == null ? '' : JSON.stringify(content);
}

function feedbackLine(f: FeedbackOut, width: number, more: () => string): string {
  const what = f.score != null ? `${f.key} = ${f.score}` : `${f.key} = ${JSON.stringify(f.value)}`;
  const bits = [`${what} (${f.source}${f.author ? ` ${f.author}` : ''})`];
  if (f.comment) bits.push(`"${cut(oneLine(f.comment), width, more)}"`);
  if (f.correction != null) bits.push(`correction: ${value(f.correction, width, more)}`);
  return bits.join(' ');
}

/** A value on one line: strings as they are, anything else as compact JSON, cut to width. */
function value(v: unknown, width: number, more: () => string): string {
  if (v === undefined) return '(none)';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return cut(oneLine(text), width, more);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
}

/** Cuts text to `width` characters with a marker saying how much was cut and how to see it. */
function cut(text: string, width: number, more: () => string): string {
  if (text.length <= width) return text;
  return `${text.slice(0, width)}…[+${(text.length - width).toLocaleString('en-US')} chars; ${more()}]`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}
