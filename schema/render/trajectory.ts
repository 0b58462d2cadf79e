/**
 * Renders a trace as a compact markdown trajectory that an LLM (or a person in a
 * terminal) reads well: the span tree with kinds, each LLM step's new messages, each tool
 * call with its arguments and result, errors, and feedback. Long values are cut with a
 * marker saying how much was cut (`…[+1,234 chars]`), and the header of a step with cuts
 * says how to see it whole (`cut: --span <id> --full`, or the MCP tool's arguments). A
 * token budget shrinks values (data before messages), then folds the middle of long
 * trajectories (keeping failed steps), until the whole rendering fits.
 * Shared by the CLI, the MCP endpoint and the LLM judge, so all three see the same view;
 * chat messages are read by schema/payload/messages.ts, as the review UI reads them.
 */
import type { TraceTree } from '../wire/trace.ts';
import type { SpanOut } from '../wire/span.ts';
import type { FeedbackOut } from '../wire/feedback.ts';
import { toConversation, type ChatMessage } from '../payload/messages.ts';

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
  /** How a step with cut values names the way to see that span whole (default `--span <id> --full`, the CLI flags). */
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
/** The default reference to one span whole: the CLI flags. */
export const cliSpanRef = (spanId: string) => `--span ${spanId} --full`;

/**
 * Value widths a budget goes through, widest first: `text` for what people and models
 * said (message contents), `data` for structured values (tool arguments and results,
 * JSON inputs, metadata). Data shrinks first: a tool result cut to 80 characters still
 * says which record came back, a customer message cut that short loses the request.
 */
const BUDGET_LEVELS: readonly Widths[] = [
  { text: 600, data: 600 },
  { text: 600, data: 300 },
  { text: 400, data: 160 },
  { text: 300, data: 100 },
  { text: 200, data: 80 },
];
/** Below the last level, steps are folded; these only apply when even folding does not fit. */
const LAST_RESORT: Widths = { text: 60, data: 40 };
/** Steps kept at each end before the last-resort widths are tried. */
const MIN_READABLE_KEEP = 2;

interface Widths {
  text: number;
  data: number;
}

/** Renders a trace (or one span's subtree) as markdown. */
export function renderTrace(tree: TraceTree, opts: RenderOptions = {}): string {
  const hint = opts.expandHint ?? cliExpandHint;
  const ref = opts.spanRef ?? cliSpanRef;
  const spans = selectSpans(tree, opts.spanId);
  const base = opts.full ? Infinity : (opts.valueChars ?? BUDGET_LEVELS[0].text);
  const first: Widths = { text: base, data: base };
  const budget = opts.maxTokens;
  const render = (widths: Widths, keep: number | null) => compose(tree, spans, { widths, keep, hint, ref });
  const fits = (text: string) => budget === undefined || estimateTokens(text) <= budget;
  let text = render(first, null);
  if (fits(text)) return text;
  const levels = BUDGET_LEVELS.filter((l) => l.text < base || l.data < base).map((l) => ({ text: Math.min(l.text, base), data: Math.min(l.data, base) }));
  for (const widths of levels) {
    text = render(widths, null);
    if (fits(text)) return text;
  }
  // Still too long: keep the first and last steps (and every failed step), fold the
  // middle; the search keeps the most steps that fit. Values narrower than the last
  // level say little, so they are only used when the readable ones leave fewer than the
  // first two and last two steps.
  let best: { text: string; keep: number } | null = null;
  for (const widths of [levels[levels.length - 1] ?? first, LAST_RESORT]) {
    if (best && best.keep >= MIN_READABLE_KEEP) break;
    let lo: number = best ? best.keep + 1 : 0;
    let hi = Math.ceil(spans.length / 2);
    while (lo <= hi) {
      const mid: number = (lo + hi) >> 1;
      const candidate = render(widths, mid);
      if (fits(candidate)) {
        best = { text: candidate, keep: mid };
        lo = mid + 1;
      } else hi = mid - 1;
    }
  }
  if (best) return best.text;
  // Even the header, the feedback and the failed steps do not fit: cut the text itself, and say so.
  return cutToBudget(render(LAST_RESORT, 0), budget!, `\n…[rendering cut to fit ${budget} tokens; ${hint(tree.trace.id)}]`);
}

/** The first characters of `text` plus `marker`, within `budget` tokens (the marker is cut too if it must be). */
function cutToBudget(text: string, budget: number, marker: string): string {
  const chars = Math.max(0, budget * 4);
  if (marker.length >= chars) return safeSlice(marker, chars);
  return safeSlice(text, chars - marker.length) + marker;
}

/** Slices without splitting a surrogate pair. */
function safeSlice(text: string, end: number): string {
  if (end <= 0) return '';
  if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  return text.slice(0, end);
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
  widths: Widths;
  /** null: every step; n: the first n and last n steps (and failed ones), the rest folded. */
  keep: number | null;
  hint: (traceId: string) => string;
  ref: (spanId: string) => string;
}

/** Collects the cuts made while rendering one span, so its header can say how to see them whole. */
interface Cutter {
  (text: string, width: number): string;
  cuts: number;
}

function newCutter(): Cutter {
  const cutter = ((text: string, width: number) => {
    if (text.length <= width) return text;
    cutter.cuts++;
    return `${safeSlice(text, width)}…[+${(text.length - width).toLocaleString('en-US')} chars]`;
  }) as Cutter;
  cutter.cuts = 0;
  return cutter;
}

function compose(tree: TraceTree, spans: SpanOut[], o: ComposeOptions): string {
  const t = tree.trace;
  const lines: string[] = [];
  let cutSomething = false;
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
  // Header values point at the root span (the trace's metadata is the root's).
  const headCut = newCutter();
  if (Object.keys(t.metadata).length) lines.push(`metadata ${headCut(valueText(t.metadata), o.widths.data)}`);
  if (headCut.cuts && t.root_span_id) lines[lines.length - 1] += ` (whole: ${o.ref(t.root_span_id)})`;
  cutSomething ||= headCut.cuts > 0;

  if (tree.feedback.length) {
    lines.push('', '## Feedback');
    for (const f of tree.feedback) {
      const cut = newCutter();
      const line = feedbackLine(f, o.widths, cut);
      const whole = cut.cuts ? (f.span_id ? o.ref(f.span_id) : null) : null;
      lines.push(`- ${line}${whole ? ` (whole: ${whole})` : ''}`);
      cutSomething ||= cut.cuts > 0;
    }
  }

  lines.push('', '## Steps');
  const depth = depthOf(spans);
  const seen = new Set<string>();
  const hasToolSpans = spans.some((s) => s.kind === 'tool');
  const n = spans.length;
  let shown = 0;
  let foldStart = -1;
  const flushFold = (end: number) => {
    if (foldStart < 0) return;
    const count = end - foldStart;
    lines.push(`${'  '.repeat(depth.get(spans[foldStart].id) ?? 0)}- …[${count === 1 ? `step ${foldStart + 1}` : `steps ${foldStart + 1}–${end}`} folded to fit the budget]`);
    foldStart = -1;
  };
  spans.forEach((s, i) => {
    const folded = o.keep !== null && i >= o.keep && i < n - o.keep && s.status !== 'error';
    if (folded) {
      // Messages of folded steps still count as seen, so later steps do not repeat them.
      markSeen(s, seen);
      if (foldStart < 0) foldStart = i;
      return;
    }
    flushFold(i);
    shown++;
    const cut = newCutter();
    const step = stepLines(s, depth.get(s.id) ?? 0, i + 1, { ...o, seen, hasToolSpans, cut });
    if (cut.cuts) {
      step[0] += ` · cut: ${o.ref(s.id)}`;
      cutSomething = true;
    }
    lines.push(...step);
  });
  flushFold(n);
  const body = lines.join('\n');
  const widthNote = Number.isFinite(o.widths.text)
    ? o.widths.text === o.widths.data
      ? `; values cut at ${o.widths.text} characters`
      : `; messages cut at ${o.widths.text} characters, data at ${o.widths.data}`
    : '';
  const footer = (tokens: number) =>
    `\n\n_≈${tokens} tokens (characters ÷ 4); ${shown} of ${n} steps shown${widthNote}.${cutSomething || shown < n ? ` ${o.hint(t.id)}.` : ''}_`;
  // The footer states the size of the whole text, itself included: measure twice.
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
  cut: Cutter;
}

/** The lines of one span: a header, then its content indented beneath. */
function stepLines(s: SpanOut, depth: number, index: number, c: StepContext): string[] {
  const pad = '  '.repeat(depth);
  const inner = `${pad}  `;
  const { text: tw, data: dw } = c.widths;
  const facts = [
    // LLM spans are often named after their model ("chat gpt-4o"): say it once.
    s.model && !(s.name ?? '').includes(s.model) ? s.model : null,
    s.status === 'error' ? 'ERROR' : null,
    s.latency_ms != null ? duration(s.latency_ms) : null,
    s.usage.input_tokens != null || s.usage.output_tokens != null ? `${s.usage.input_tokens ?? '?'}→${s.usage.output_tokens ?? '?'} tokens` : null,
    s.usage.cost_usd != null ? `$${s.usage.cost_usd.toFixed(4)}` : null,
  ].filter(Boolean);
  const lines = [`${pad}- ${index}. **[${s.kind}] ${s.name ?? '(unnamed)'}**${facts.length ? ` · ${facts.join(' · ')}` : ''}`];
  if (s.kind === 'llm') {
    const inputs = messagesOf(s.input);
    if (inputs) {
      for (const m of inputs) {
        const fp = fingerprint(m);
        if (c.seen.has(fp)) continue;
        c.seen.add(fp);
        if (isToolResults(m) && c.hasToolSpans) continue; // shown as the tool step's result
        lines.push(`${inner}- ${messageLine(m, c.widths, c.cut, c.hasToolSpans)}`);
      }
    } else if (s.input !== undefined) lines.push(`${inner}- input: ${value(s.input, dw, c.cut)}`);
    const outputs = messagesOf(s.output);
    if (outputs) {
      for (const m of outputs) {
        c.seen.add(fingerprint(m));
        lines.push(`${inner}- ${messageLine(m, c.widths, c.cut, c.hasToolSpans)}`);
      }
    } else if (s.output !== undefined) lines.push(`${inner}- output: ${value(s.output, tw, c.cut)}`);
  } else if (s.kind === 'tool') {
    lines.push(`${inner}- args: ${value(s.input, dw, c.cut)}`);
    if (s.output !== undefined) lines.push(`${inner}- result: ${value(s.output, dw, c.cut)}`);
  } else {
    if (s.input !== undefined) lines.push(`${inner}- input: ${summary(s.input, c)}`);
    if (s.output !== undefined) lines.push(`${inner}- output: ${summary(s.output, c)}`);
  }
  // Tools often return their error as the result too; say it once.
  if (s.error && !(typeof s.output === 'string' && s.output.trim() === s.error.trim())) {
    lines.push(`${inner}- error: ${c.cut(oneLine(s.error), tw)}`);
  }
  return lines;
}

/**
 * Agent and chain spans often carry a chat transcript: show its last message rather than
 * the JSON, and count it as seen so the LLM step below does not repeat it.
 */
function summary(v: unknown, c: StepContext): string {
  const msgs = messagesOf(v);
  if (msgs && msgs.length) {
    const last = msgs[msgs.length - 1];
    c.seen.add(fingerprint(last));
    return messageLine(last, c.widths, c.cut);
  }
  return value(v, c.widths.data, c.cut);
}

/**
 * The conversation in a payload (see toConversation), or null. Renderings under a budget
 * compose the trace several times: each payload is read once per tree (keys are the
 * tree's own objects, so entries go with the tree), which also keeps its messages the same
 * objects for the fingerprints below.
 */
function messagesOf(v: unknown): ChatMessage[] | null {
  if (typeof v !== 'object' || v === null) return null;
  let messages = conversations.get(v);
  if (messages === undefined) conversations.set(v, (messages = toConversation(v)));
  return messages;
}
const conversations = new WeakMap<object, ChatMessage[] | null>();

/** A message that only answers tool calls (an OpenAI `tool` message, an Anthropic user turn of tool_result blocks). */
function isToolResults(m: ChatMessage): boolean {
  return m.role === 'tool' || (m.parts.length > 0 && m.parts.every((p) => p.type === 'tool_result'));
}

/**
 * An LLM span's input repeats the whole conversation so far: remember each message's and
 * each value's text instead of serializing it again on every composition.
 */
const fingerprints = new WeakMap<object, string>();
const jsonTexts = new WeakMap<object, string>();

function fingerprint(m: ChatMessage): string {
  let fp = fingerprints.get(m);
  if (fp === undefined) fingerprints.set(m, (fp = JSON.stringify([m.role, m.parts])));
  return fp;
}

/** A value's one-line text: strings as they are, anything else as compact JSON. */
function valueText(v: unknown): string {
  if (typeof v === 'string') return oneLine(v);
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? String(v);
  let text = jsonTexts.get(v);
  if (text === undefined) jsonTexts.set(v, (text = oneLine(JSON.stringify(v))));
  return text;
}

function markSeen(s: SpanOut, seen: Set<string>): void {
  for (const m of [...(messagesOf(s.input) ?? []), ...(messagesOf(s.output) ?? [])]) seen.add(fingerprint(m));
}

/** One message; with `callsShownAsSteps`, tool calls show by name only (their tool step has the arguments). */
function messageLine(m: ChatMessage, widths: Widths, cut: Cutter, callsShownAsSteps = false): string {
  if (isToolResults(m)) {
    // Tool results are data; everything people and models say is text.
    const results = m.parts.filter((p) => p.type === 'tool_result');
    if (!results.length) return `tool result${m.name ? ` (${m.name})` : ''}: (empty)`;
    return results.map((p) => `tool result${p.name ? ` (${p.name})` : ''}: ${cut(resultText(p.content), widths.data) || '(empty)'}`).join(' ');
  }
  const texts: string[] = [];
  const after: string[] = [];
  for (const p of m.parts) {
    if (p.type === 'text') texts.push(p.text);
    else if (p.type === 'json') texts.push(JSON.stringify(p.value));
    else if (p.type === 'image') texts.push(`[image ${p.url}]`);
    else if (p.type === 'tool_call') after.push(callsShownAsSteps ? `→ calls ${p.name}` : `→ calls ${p.name}(${cut(valueText(p.arguments ?? ''), widths.data)})`);
    else after.push(`← tool result${p.name ? ` (${p.name})` : ''}: ${cut(resultText(p.content), widths.data)}`);
  }
  const text = texts.join(' ');
  const parts = [...(text ? [cut(oneLine(text), widths.text)] : []), ...after];
  return `${m.role}: ${parts.join(' ') || '(empty)'}`;
}

/** A tool result's content on one line: text as it is, blocks by their text, anything else as JSON. */
function resultText(content: unknown): string {
  if (content == null) return '';
  if (Array.isArray(content)) {
    return oneLine(content.map((b) => (typeof b === 'string' ? b : b && typeof b === 'object' && typeof (b as { text?: unknown }).text === 'string' ? (b as { text: string }).text : JSON.stringify(b))).join(' '));
  }
  return valueText(content);
}

function feedbackLine(f: FeedbackOut, widths: Widths, cut: Cutter): string {
  const what = f.score != null ? `${f.key} = ${f.score}` : `${f.key} = ${cut(valueText(typeof f.value === 'string' ? JSON.stringify(f.value) : f.value), widths.data)}`;
  const bits = [`${what} (${f.source}${f.author ? ` ${f.author}` : ''}${f.span_id ? ` on span ${f.span_id}` : ''})`];
  if (f.comment) bits.push(`"${cut(oneLine(f.comment), widths.text)}"`);
  if (f.correction != null) bits.push(`correction: ${value(f.correction, widths.text, cut)}`);
  return bits.join(' ');
}

/** A value on one line: strings as they are, anything else as compact JSON, cut to width. */
function value(v: unknown, width: number, cut: Cutter): string {
  if (v === undefined) return '(none)';
  if (v === null || v === '') return '(empty)';
  return cut(valueText(v), width);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}
