/**
 * Firebase Genkit's own span attributes (`genkit:*`, written by every Genkit SDK: JS, Go,
 * Python): `genkit:type` (`action`, or the older `flow` / `flowStep` / `util`),
 * `genkit:metadata:subtype` (`model`, `tool`, `tool.v2`, `flow`, `embedder`, `retriever`,
 * `prompt`, ...), `genkit:name` (`googleai/gemini-2.0-flash` for a model, the tool's or
 * flow's name otherwise), `genkit:input` / `genkit:output` as JSON text (a model's are a
 * GenerateRequest and a GenerateResponse, with `usage` inside the output),
 * `genkit:sessionId`. Genkit writes no GenAI attribute of its own, so without this file a
 * Genkit trace has no kind, model, tokens, input or output.
 */
import type { SpanKind, Usage } from '../../../../schema/wire/span.ts';
import type { Attributes } from '../attributes.ts';
import { normalizeMessage, outputOf, parseMaybeJson, type ChatMessage } from '../messages.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

const SUBTYPE_KINDS: Record<string, SpanKind> = {
  model: 'llm',
  'background-model': 'llm',
  tool: 'tool',
  'tool.v2': 'tool',
  embedder: 'embedding',
  retriever: 'retriever',
  reranker: 'retriever',
  indexer: 'retriever',
  evaluator: 'evaluator',
  flow: 'chain',
  prompt: 'chain',
  'executable-prompt': 'chain',
  util: 'chain',
  agent: 'agent',
};

/** What Genkit's attributes say about a span (undefined fields: Genkit did not say). */
export interface GenkitFields {
  kind?: SpanKind;
  name?: string;
  model?: string;
  provider?: string;
  usage?: Usage;
  input?: unknown;
  output?: unknown;
  session_id?: string;
}

/** Genkit message roles -> chat roles (Genkit calls the assistant `model`). */
const ROLE: Record<string, string> = { model: 'assistant', user: 'user', system: 'system', tool: 'tool' };

/**
 * A Genkit message (`{role, content: [{text} | {toolRequest} | {toolResponse} | {media}]}`)
 * as chat messages: tool requests become tool calls, each tool response a `tool` message.
 */
function genkitMessage(raw: unknown): ChatMessage[] {
  if (!isObj(raw)) return [];
  const role = ROLE[String(raw.role)] ?? String(raw.role ?? 'user');
  const parts = Array.isArray(raw.content) ? raw.content : [];
  const content: unknown[] = [];
  const toolCalls: Obj[] = [];
  const results: ChatMessage[] = [];
  for (const p of parts) {
    if (!isObj(p)) continue;
    if (typeof p.text === 'string') content.push({ type: 'text', text: p.text });
    else if (isObj(p.toolRequest)) toolCalls.push({ id: p.toolRequest.ref, function: { name: p.toolRequest.name, arguments: p.toolRequest.input } });
    else if (isObj(p.toolResponse)) {
      const out = p.toolResponse.output;
      results.push({ role: 'tool', content: typeof out === 'string' ? out : JSON.stringify(out ?? null), ...(typeof p.toolResponse.ref === 'string' ? { tool_call_id: p.toolResponse.ref } : {}) });
    } else if (isObj(p.media)) content.push({ type: 'image', url: p.media.url, ...(p.media.contentType ? { mime_type: p.media.contentType } : {}) });
    else if (typeof p.reasoning === 'string') content.push({ type: 'reasoning', text: p.reasoning });
    else content.push(p);
  }
  if (results.length && !content.length && !toolCalls.length) return results;
  return normalizeMessage({ role, content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) });
}

const messagesOf = (list: unknown): ChatMessage[] | null => (Array.isArray(list) && list.length ? list.flatMap(genkitMessage) : null);

/** `usage` of a GenerateResponse: inputTokens / outputTokens / totalTokens. */
function usageOf(value: unknown): Usage | undefined {
  if (!isObj(value)) return undefined;
  const usage: Usage = {};
  const input = count(value.inputTokens);
  const output = count(value.outputTokens);
  const total = count(value.totalTokens);
  if (input !== undefined) usage.input_tokens = input;
  if (output !== undefined) usage.output_tokens = output;
  if (total !== undefined) usage.total_tokens = total;
  return Object.keys(usage).length ? usage : undefined;
}

/** Reads (and removes) Genkit's attributes; undefined when the span is not Genkit's. */
export function readGenkit(attrs: Attributes): GenkitFields | undefined {
  const type = attrs['genkit:type'];
  if (typeof type !== 'string') return undefined;
  const subtype = typeof attrs['genkit:metadata:subtype'] === 'string' ? (attrs['genkit:metadata:subtype'] as string) : undefined;
  const out: GenkitFields = {};
  out.kind = (subtype ? SUBTYPE_KINDS[subtype] : undefined) ?? (type === 'flow' || type === 'flowStep' || type === 'util' || type === 'action' ? 'chain' : undefined);
  const name = typeof attrs['genkit:name'] === 'string' ? (attrs['genkit:name'] as string) : undefined;
  const input = parseMaybeJson(attrs['genkit:input']);
  const output = parseMaybeJson(attrs['genkit:output']);
  delete attrs['genkit:type'];
  delete attrs['genkit:metadata:subtype'];
  delete attrs['genkit:input'];
  delete attrs['genkit:output'];
  const session = attrs['genkit:sessionId'];
  if (typeof session === 'string' && session) {
    out.session_id = session;
    delete attrs['genkit:sessionId'];
  }

  if (out.kind === 'llm' || out.kind === 'embedding') {
    // A model action is named `<plugin>/<model>`: the plugin is the provider.
    if (name) {
      const slash = name.indexOf('/');
      out.model = slash > 0 ? name.slice(slash + 1) : name;
      if (slash > 0) out.provider = name.slice(0, slash);
    }
    const request = isObj(input) ? input : undefined;
    const messages = messagesOf(request?.messages);
    out.input = messages ? { messages } : input;
    // GenerateResponse: `message` (current) or `candidates[0].message` (Genkit 0.5).
    const response = isObj(output) ? output : undefined;
    const candidate = Array.isArray(response?.candidates) && isObj(response.candidates[0]) ? response.candidates[0] : undefined;
    const message = response?.message ?? candidate?.message;
    const outMessages = message !== undefined ? genkitMessage(message) : null;
    out.output = outMessages?.length ? outputOf(outMessages) : output;
    out.usage = usageOf(response?.usage);
  } else {
    if (name && out.kind === 'tool') out.name = name;
    if (input !== undefined) out.input = input;
    if (output !== undefined) out.output = output;
  }
  return out;
}
