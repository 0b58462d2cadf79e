/**
 * What an OpenTelemetry span means to Loupe: its kind, model, tokens, inputs and outputs,
 * read from the attribute conventions instrumentations actually emit:
 * - OpenTelemetry GenAI semantic conventions, current (`gen_ai.input.messages`,
 *   `gen_ai.provider.name`, `gen_ai.tool.call.arguments`, ...) and deprecated
 *   (`gen_ai.system`, `gen_ai.prompt`, `gen_ai.usage.prompt_tokens`, per-message events);
 * - OpenInference (`openinference.span.kind`, `input.value`, `llm.*`, `tool.*`, ...);
 * - the Vercel AI SDK (`ai.operationId` or `operation.name`, `ai.prompt`, `ai.response.*`, `ai.toolCall.*`, `ai.usage.*`);
 * - Semantic Kernel (`chat.completions` operations, event bodies in `gen_ai.event.content`);
 * - Pydantic AI's agent run (`pydantic_ai.all_messages`, `final_result`);
 * - Firebase Genkit (`genkit:*`, in ./conventions/genkit.ts);
 * - OpenLLMetry / Traceloop (`traceloop.span.kind`, `traceloop.entity.*`, `llm.request.type`,
 *   `gen_ai.prompt.N.*`), Logfire (`request_data` / `response_data`).
 * Attributes are taken out of the map as they are used; what is left stays in the span's
 * metadata under its own name, so nothing an exporter sent is lost.
 */
import type { SpanKind, Usage } from '../../../schema/wire/span.ts';
import type { Attributes } from './attributes.ts';
import { readGenkit } from './conventions/genkit.ts';
import {
  argumentsText,
  indexedMessages,
  normalizeMessage,
  normalizeMessages,
  openInferenceMessages,
  outputOf,
  parseMaybeJson,
  unflatten,
  type ChatMessage,
  type ToolCall,
} from './messages.ts';

/** A span event, attributes already decoded. */
export interface EventLike {
  name: string;
  attributes: Attributes;
}

/** Fields of a Loupe span that conventions decide. Absent when no convention says. */
export interface ConventionFields {
  kind?: SpanKind;
  /** Replaces the OTel span name (tool spans are named after their tool). */
  name?: string;
  model?: string;
  usage?: Usage;
  input?: unknown;
  output?: unknown;
  session_id?: string;
  user_id?: string;
  environment?: string;
  tags?: string[];
  /** Values a convention names explicitly (provider, tool_call_id, user metadata). */
  metadata: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Takes the first present value among `keys` and removes every one of them (they are aliases). */
function takeAlias(attrs: Attributes, ...keys: string[]): unknown {
  let found: unknown;
  for (const k of keys) {
    if (attrs[k] !== undefined && attrs[k] !== null) {
      if (found === undefined) found = attrs[k];
      delete attrs[k];
    }
  }
  return found;
}

/** Takes the first present value among `keys`, removing only that one (the others carry other facts). */
function takeFirst(attrs: Attributes, ...keys: string[]): unknown {
  for (const k of keys) {
    if (attrs[k] !== undefined && attrs[k] !== null) {
      const v = attrs[k];
      delete attrs[k];
      return v;
    }
  }
  return undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length ? v : typeof v === 'number' ? String(v) : undefined);

/** A token count: a non-negative integer, possibly sent as a string. */
function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

const OPENINFERENCE_KINDS: Record<string, SpanKind> = {
  LLM: 'llm',
  CHAIN: 'chain',
  TOOL: 'tool',
  RETRIEVER: 'retriever',
  RERANKER: 'retriever',
  EMBEDDING: 'embedding',
  AGENT: 'agent',
  GUARDRAIL: 'guardrail',
  EVALUATOR: 'evaluator',
  PROMPT: 'chain',
  UNKNOWN: 'other',
};

const GENAI_KINDS: Record<string, SpanKind> = {
  chat: 'llm',
  text_completion: 'llm',
  // Semantic Kernel (.NET and Python) names its model calls this way.
  'chat.completions': 'llm',
  'text.completions': 'llm',
  chat_completions: 'llm',
  generate_content: 'llm',
  completion: 'llm',
  embeddings: 'embedding',
  embedding: 'embedding',
  execute_tool: 'tool',
  invoke_agent: 'agent',
  create_agent: 'agent',
  retrieval: 'retriever',
  retrieve: 'retriever',
};

/**
 * Vercel AI SDK operations. `generateText` / `streamText` run the model-and-tools loop, so
 * they are the agent span (as GenAI's `invoke_agent` is); `doGenerate` / `doStream` are
 * the model calls; object and embedding calls wrap a single provider call.
 */
function vercelKind(operationId: string): SpanKind | undefined {
  if (operationId === 'ai.toolCall') return 'tool';
  if (/\.(doGenerate|doStream)$/.test(operationId)) return 'llm';
  if (/\.doEmbed$/.test(operationId)) return 'embedding';
  if (operationId === 'ai.generateText' || operationId === 'ai.streamText') return 'agent';
  if (operationId.startsWith('ai.')) return 'chain';
  return undefined;
}

/** OpenLLMetry (Traceloop) `traceloop.span.kind`: its decorators' @workflow, @task, @agent, @tool. */
const TRACELOOP_KINDS: Record<string, SpanKind> = { workflow: 'chain', task: 'chain', agent: 'agent', tool: 'tool', unknown: 'other' };

const LANGFUSE_KINDS: Record<string, SpanKind> = {
  generation: 'llm',
  span: 'chain',
  agent: 'agent',
  tool: 'tool',
  chain: 'chain',
  retriever: 'retriever',
  embedding: 'embedding',
  evaluator: 'evaluator',
  guardrail: 'guardrail',
  event: 'other',
};

/** Decides the kind; removes the attributes that said it. */
function kindOf(attrs: Attributes): SpanKind | undefined {
  const oi = takeAlias(attrs, 'openinference.span.kind');
  if (typeof oi === 'string' && OPENINFERENCE_KINDS[oi.toUpperCase()]) return OPENINFERENCE_KINDS[oi.toUpperCase()];
  const op = attrs['gen_ai.operation.name'];
  if (typeof op === 'string' && GENAI_KINDS[op]) {
    delete attrs['gen_ai.operation.name'];
    return GENAI_KINDS[op];
  }
  const vercel = attrs['ai.operationId'];
  if (typeof vercel === 'string' && vercelKind(vercel)) {
    delete attrs['ai.operationId'];
    return vercelKind(vercel);
  }
  // The Vercel AI SDK also writes `operation.name` = `<operation id> <function id>`; an
  // exporter or processor that drops `ai.operationId` leaves only that.
  const operation = attrs['operation.name'];
  if (vercel === undefined && typeof operation === 'string' && operation.startsWith('ai.')) {
    const kind = vercelKind(operation.split(' ')[0]);
    if (kind) return kind;
  }
  const traceloop = takeAlias(attrs, 'traceloop.span.kind');
  if (typeof traceloop === 'string' && TRACELOOP_KINDS[traceloop]) return TRACELOOP_KINDS[traceloop];
  const requestType = attrs['llm.request.type']; // OpenLLMetry's model calls: chat, completion, embedding, rerank
  if (requestType === 'chat' || requestType === 'completion') return 'llm';
  if (requestType === 'embedding') return 'embedding';
  const lf = takeAlias(attrs, 'langfuse.observation.type');
  if (typeof lf === 'string' && LANGFUSE_KINDS[lf]) return LANGFUSE_KINDS[lf];
  if (typeof op === 'string') return 'chain'; // a GenAI operation Loupe has no closer kind for
  // Pydantic AI's agent run span carries the whole conversation and the run's result.
  if (attrs['pydantic_ai.all_messages'] !== undefined || (attrs.final_result !== undefined && attrs.agent_name !== undefined)) return 'agent';
  if (attrs['gen_ai.tool.name'] !== undefined || attrs['tool.name'] !== undefined) return 'tool';
  // A model named (requested or answered), or messages sent to one, make an LLM call.
  if (attrs['gen_ai.request.model'] !== undefined || attrs['gen_ai.response.model'] !== undefined || attrs['llm.model_name'] !== undefined) return 'llm';
  if (hasPrefix(attrs, 'llm.input_messages.') || hasPrefix(attrs, 'llm.output_messages.')) return 'llm';
  return undefined;
}

function hasPrefix(attrs: Attributes, prefix: string): boolean {
  for (const k in attrs) if (k.startsWith(prefix)) return true;
  return false;
}

/** The deprecated per-message events (and the newer operation-details event) as messages. */
function eventMessages(events: EventLike[]): { input: ChatMessage[]; output: ChatMessage[]; used: Set<EventLike>; details: Attributes } {
  const input: ChatMessage[] = [];
  const output: ChatMessage[] = [];
  const used = new Set<EventLike>();
  const details: Attributes = {};
  for (const e of events) {
    let a = e.attributes;
    // Semantic Kernel puts the whole event body, as JSON, in one `gen_ai.event.content`.
    const body = parseMaybeJson(a['gen_ai.event.content']);
    if (isObj(body)) a = { ...body, ...a };
    const role = /^gen_ai\.(system|user|assistant|tool)\.message$/.exec(e.name)?.[1];
    if (role) {
      const msg: Obj = { role: typeof a.role === 'string' ? a.role : role, content: parseMaybeJson(a.content) };
      const calls = parseMaybeJson(a.tool_calls) ?? unflatten({ ...a }, 'tool_calls');
      if (Array.isArray(calls)) msg.tool_calls = calls;
      if (role === 'tool' && a.id !== undefined) msg.tool_call_id = a.id;
      input.push(...normalizeMessage(msg));
      used.add(e);
    } else if (e.name === 'gen_ai.choice') {
      const message = parseMaybeJson(a.message);
      const m = isObj(message) ? message : { content: parseMaybeJson(a.content), tool_calls: parseMaybeJson(a.tool_calls) };
      output.push(...normalizeMessage({ role: 'assistant', ...m }));
      used.add(e);
    } else if (e.name === 'gen_ai.content.prompt' && a['gen_ai.prompt'] !== undefined) {
      input.push(...(normalizeMessages(a['gen_ai.prompt']) ?? [{ role: 'user', content: String(a['gen_ai.prompt']) }]));
      used.add(e);
    } else if (e.name === 'gen_ai.content.completion' && a['gen_ai.completion'] !== undefined) {
      output.push(...completionMessages(a['gen_ai.completion']));
      used.add(e);
    } else if (e.name === 'gen_ai.client.inference.operation.details') {
      Object.assign(details, a);
      used.add(e);
    }
  }
  return { input, output, used, details };
}

/** A completion given as messages, `{text}`, or plain text, as assistant messages. */
function completionMessages(value: unknown): ChatMessage[] {
  const messages = normalizeMessages(value);
  if (messages) return messages;
  const parsed = parseMaybeJson(value);
  if (isObj(parsed) && typeof parsed.text === 'string') return [{ role: 'assistant', content: parsed.text }];
  if (isObj(parsed) && typeof parsed.role === 'string') return normalizeMessage(parsed);
  if (typeof parsed === 'string') return [{ role: 'assistant', content: parsed }];
  return [];
}

/** GenAI system instructions (a list of parts, or text) as a system message. */
function systemMessage(value: unknown): ChatMessage | null {
  const parsed = parseMaybeJson(value);
  if (typeof parsed === 'string') return { role: 'system', content: parsed };
  if (Array.isArray(parsed)) return normalizeMessage({ role: 'system', parts: parsed })[0] ?? null;
  return null;
}

/** OpenInference `input.value` / `output.value`, parsed when its mime type (or shape) says JSON. */
function oiValue(attrs: Attributes, which: 'input' | 'output'): unknown {
  const value = takeAlias(attrs, `${which}.value`);
  const mime = takeAlias(attrs, `${which}.mime_type`);
  if (value === undefined) return undefined;
  return mime === 'text/plain' ? value : parseMaybeJson(value);
}

/** The Vercel AI SDK's response (text, tool calls) as the assistant message. */
function vercelResponse(attrs: Attributes): ChatMessage | undefined {
  const responseText = takeAlias(attrs, 'ai.response.text');
  const toolCalls = parseMaybeJson(takeAlias(attrs, 'ai.response.toolCalls'));
  if (responseText === undefined && toolCalls === undefined) return undefined;
  const msg: ChatMessage = { role: 'assistant', content: typeof responseText === 'string' && responseText !== '' ? responseText : null };
  if (Array.isArray(toolCalls) && toolCalls.length) {
    msg.tool_calls = toolCalls.filter(isObj).map(
      (c): ToolCall => ({ id: text(c.toolCallId), type: 'function', function: { name: text(c.toolName) ?? 'tool', arguments: argumentsText(c.input ?? c.args) } }),
    );
  }
  return msg;
}

/** Input messages from whichever convention carries them. */
function inputMessages(attrs: Attributes, fromEvents: ChatMessage[]): ChatMessage[] | null {
  const system = systemMessage(takeAlias(attrs, 'gen_ai.system_instructions'));
  // Each JSON attribute is parsed once (message lists are most of an LLM span's bytes, and
  // parsing them twice was the largest cost of translating one).
  const fromJson = (key: string): ChatMessage[] | null => {
    if (attrs[key] === undefined) return null;
    const m = normalizeMessages(attrs[key]);
    if (m) delete attrs[key];
    return m;
  };
  let messages =
    fromJson('gen_ai.input.messages') ??
    openInferenceMessages(attrs, 'llm.input_messages') ??
    fromJson('ai.prompt.messages') ??
    fromJson('gen_ai.prompt') ??
    indexedMessages(attrs, 'gen_ai.prompt') ??
    (fromEvents.length ? fromEvents : null);
  if (system && !messages?.some((m) => m.role === 'system')) messages = [system, ...(messages ?? [])];
  return messages;
}

/** Output messages from whichever convention carries them. */
function outputMessages(attrs: Attributes, fromEvents: ChatMessage[]): ChatMessage[] | null {
  const genai = normalizeMessages(attrs['gen_ai.output.messages']);
  if (genai) {
    delete attrs['gen_ai.output.messages'];
    return genai;
  }
  const oi = openInferenceMessages(attrs, 'llm.output_messages');
  if (oi) return oi;
  const vercel = vercelResponse(attrs);
  if (vercel) return [vercel];
  if (attrs['gen_ai.completion'] !== undefined) {
    const m = completionMessages(attrs['gen_ai.completion']);
    if (m.length) {
      delete attrs['gen_ai.completion'];
      return m;
    }
  }
  return indexedMessages(attrs, 'gen_ai.completion') ?? (fromEvents.length ? fromEvents : null);
}

/** The Vercel AI SDK's top-level `ai.prompt`: `{prompt}` or `{system, messages}`. */
function vercelPrompt(attrs: Attributes): unknown {
  const raw = takeAlias(attrs, 'ai.prompt');
  if (raw === undefined) return undefined;
  const prompt = parseMaybeJson(raw);
  if (isObj(prompt)) {
    const messages = normalizeMessages(prompt.messages) ?? (typeof prompt.prompt === 'string' ? [{ role: 'user', content: prompt.prompt }] : null);
    if (messages) {
      if (typeof prompt.system === 'string') messages.unshift({ role: 'system', content: prompt.system });
      return { messages };
    }
  }
  return prompt;
}

/** OpenInference retrieval documents (`retrieval.documents.N.document.*`). */
function documents(attrs: Attributes): unknown[] | null {
  const items = unflatten(attrs, 'retrieval.documents');
  if (!items) return null;
  return items.map((d) => (isObj(d) && isObj(d.document) ? { ...d.document, metadata: parseMaybeJson(d.document.metadata) } : d));
}

/** Reads every convention from `attrs` (mutated: what is used is removed). */
export function readConventions(attrs: Attributes, events: EventLike[]): ConventionFields & { usedEvents: Set<EventLike> } {
  const out: ConventionFields & { usedEvents: Set<EventLike> } = { metadata: {}, usedEvents: new Set() };
  const ev = eventMessages(events);
  out.usedEvents = ev.used;
  for (const [k, v] of Object.entries(ev.details)) if (attrs[k] === undefined) attrs[k] = v;

  const genkit = readGenkit(attrs);
  if (genkit) {
    Object.assign(out, { ...genkit, provider: undefined });
    if (genkit.provider) out.metadata.provider = genkit.provider;
    for (const k of Object.keys(out) as (keyof typeof out)[]) if (out[k] === undefined) delete out[k];
  }
  const kind = genkit ? genkit.kind : kindOf(attrs);
  if (kind) out.kind = kind;

  const provider = text(takeAlias(attrs, 'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'));
  if (provider) out.metadata.provider = provider;
  const model = text(takeFirst(attrs, 'gen_ai.response.model', 'ai.response.model', 'llm.model_name', 'embedding.model_name', 'gen_ai.request.model', 'ai.model.id'));
  if (model) out.model = model;

  const usage: Usage = {};
  const input = count(takeAlias(attrs, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt', 'ai.usage.inputTokens', 'ai.usage.promptTokens'));
  const output = count(takeAlias(attrs, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion', 'ai.usage.outputTokens', 'ai.usage.completionTokens'));
  const total = count(takeAlias(attrs, 'gen_ai.usage.total_tokens', 'llm.token_count.total', 'llm.usage.total_tokens', 'ai.usage.totalTokens', 'ai.usage.tokens'));
  const costValue = takeAlias(attrs, 'llm.cost.total', 'gen_ai.usage.cost');
  const cost = typeof costValue === 'number' && costValue >= 0 ? costValue : undefined;
  if (input !== undefined) usage.input_tokens = input;
  if (output !== undefined) usage.output_tokens = output;
  if (total !== undefined) usage.total_tokens = total;
  if (cost !== undefined) usage.cost_usd = cost;
  if (Object.keys(usage).length) out.usage = usage;

  if (kind === 'tool') {
    const toolName = text(takeAlias(attrs, 'gen_ai.tool.name', 'tool.name', 'ai.toolCall.name', 'tool_call.function.name'));
    if (toolName) out.name = toolName;
    const callId = text(takeAlias(attrs, 'gen_ai.tool.call.id', 'ai.toolCall.id', 'tool_call.id'));
    if (callId) out.metadata.tool_call_id = callId;
    const args = takeAlias(attrs, 'gen_ai.tool.call.arguments', 'ai.toolCall.args', 'ai.toolCall.input', 'tool_call.function.arguments');
    const oiIn = oiValue(attrs, 'input');
    const result = takeAlias(attrs, 'gen_ai.tool.call.result', 'ai.toolCall.result', 'ai.toolCall.output');
    const oiOut = oiValue(attrs, 'output');
    const toolInput = args !== undefined ? parseMaybeJson(args) : (oiIn ?? parseMaybeJson(takeAlias(attrs, 'traceloop.entity.input', 'input')));
    const toolOutput = result !== undefined ? parseMaybeJson(result) : (oiOut ?? parseMaybeJson(takeAlias(attrs, 'traceloop.entity.output', 'output')));
    if (toolInput !== undefined) out.input = toolInput;
    if (toolOutput !== undefined) out.output = toolOutput;
  } else if (kind === 'llm') {
    const inMessages = inputMessages(attrs, ev.input);
    const outMessages = outputMessages(attrs, ev.output);
    const oiIn = oiValue(attrs, 'input');
    const oiOut = oiValue(attrs, 'output');
    if (inMessages) out.input = { messages: inMessages };
    else if (oiIn !== undefined) out.input = isObj(oiIn) && normalizeMessages(oiIn.messages) ? { ...oiIn, messages: normalizeMessages(oiIn.messages) } : (normalizeMessages(oiIn) ? { messages: normalizeMessages(oiIn) } : oiIn);
    else {
      const prompt = vercelPrompt(attrs);
      if (prompt !== undefined) out.input = prompt;
    }
    // Logfire's OpenAI / Anthropic instrumentation: the request and response bodies as JSON.
    const request = parseMaybeJson(attrs.request_data);
    const response = parseMaybeJson(attrs.response_data);
    if (out.input === undefined && isObj(request) && normalizeMessages(request.messages)) {
      out.input = { messages: normalizeMessages(request.messages) };
      delete attrs.request_data;
    }
    if (outMessages) out.output = outputOf(outMessages);
    else if (oiOut !== undefined) {
      const completion = completionMessages(oiOut);
      out.output = completion.length ? outputOf(completion) : oiOut;
    } else if (isObj(response) && isObj(response.message)) {
      out.output = outputOf(normalizeMessage({ role: 'assistant', ...response.message }));
      delete attrs.response_data;
    }
  } else if (kind === 'embedding') {
    const values = takeAlias(attrs, 'ai.values', 'ai.value');
    const texts = unflatten(attrs, 'embedding.embeddings');
    const oiIn = oiValue(attrs, 'input');
    const embeddings = takeAlias(attrs, 'ai.embeddings', 'ai.embedding');
    if (values !== undefined) out.input = Array.isArray(values) ? values.map(parseMaybeJson) : parseMaybeJson(values);
    else if (oiIn !== undefined) out.input = oiIn;
    if (embeddings !== undefined) out.output = Array.isArray(embeddings) && typeof embeddings[0] === 'string' ? embeddings.map(parseMaybeJson) : parseMaybeJson(embeddings);
    else if (texts) {
      out.input ??= texts.map((t) => (isObj(t) && isObj(t.embedding) ? t.embedding.text : undefined)).filter((t) => t !== undefined);
      const vectors = texts.map((t) => (isObj(t) && isObj(t.embedding) ? t.embedding.vector : undefined)).filter((v) => v !== undefined);
      if (vectors.length) out.output = vectors;
    }
    const oiOut = oiValue(attrs, 'output');
    if (out.output === undefined && oiOut !== undefined) out.output = oiOut;
  } else {
    // agent, chain, retriever and spans no convention names.
    const inMessages = normalizeMessages(attrs['gen_ai.input.messages']);
    if (inMessages) delete attrs['gen_ai.input.messages'];
    const outMessages = normalizeMessages(attrs['gen_ai.output.messages']);
    if (outMessages) delete attrs['gen_ai.output.messages'];
    // Pydantic AI's agent run: the conversation (GenAI `parts` messages) and its result.
    const runMessages = normalizeMessages(attrs['pydantic_ai.all_messages']);
    if (runMessages) delete attrs['pydantic_ai.all_messages'];
    const finalResult = kind === 'agent' ? takeAlias(attrs, 'final_result') : undefined;
    const oiIn = oiValue(attrs, 'input');
    const oiOut = oiValue(attrs, 'output');
    const docs = documents(attrs);
    const prompt = vercelPrompt(attrs);
    const response = vercelResponse(attrs);
    const object = takeAlias(attrs, 'ai.response.object');
    // The Vercel AI SDK's embed / embedMany wrappers carry their values and vectors too.
    const values = takeAlias(attrs, 'ai.values', 'ai.value');
    const embeddings = takeAlias(attrs, 'ai.embeddings', 'ai.embedding');
    if (inMessages) out.input = { messages: inMessages };
    else if (runMessages) out.input = { messages: runMessages };
    else if (values !== undefined) out.input = Array.isArray(values) ? values.map(parseMaybeJson) : parseMaybeJson(values);
    else if (oiIn !== undefined) out.input = oiIn;
    else if (prompt !== undefined) out.input = prompt;
    else if (attrs['traceloop.entity.input'] !== undefined) out.input = parseMaybeJson(takeAlias(attrs, 'traceloop.entity.input'));
    else if (kind && attrs.input !== undefined) out.input = parseMaybeJson(takeAlias(attrs, 'input'));
    if (outMessages) out.output = outputOf(outMessages);
    else if (finalResult !== undefined) out.output = parseMaybeJson(finalResult);
    else if (docs) out.output = { documents: docs };
    else if (oiOut !== undefined) out.output = oiOut;
    else if (object !== undefined) out.output = parseMaybeJson(object);
    else if (embeddings !== undefined) out.output = Array.isArray(embeddings) && typeof embeddings[0] === 'string' ? embeddings.map(parseMaybeJson) : parseMaybeJson(embeddings);
    else if (response) out.output = response;
    else if (attrs['traceloop.entity.output'] !== undefined) out.output = parseMaybeJson(takeAlias(attrs, 'traceloop.entity.output'));
    else if (kind && attrs.output !== undefined) out.output = parseMaybeJson(takeAlias(attrs, 'output'));
  }

  const session = text(takeAlias(attrs, 'session.id', 'gen_ai.conversation.id', 'langfuse.session.id', 'ai.telemetry.metadata.sessionId'));
  if (session) out.session_id = session;
  const user = text(takeAlias(attrs, 'user.id', 'enduser.id', 'langfuse.user.id', 'ai.telemetry.metadata.userId'));
  if (user) out.user_id = user;
  const env = text(takeAlias(attrs, 'deployment.environment.name', 'deployment.environment', 'langfuse.environment'));
  if (env) out.environment = env;

  const tags = takeAlias(attrs, 'tag.tags', 'langfuse.trace.tags');
  const tagList = parseMaybeJson(tags);
  if (Array.isArray(tagList)) out.tags = tagList.filter((t): t is string => typeof t === 'string' && t.length > 0);

  // User metadata: OpenInference's JSON `metadata`, the Vercel AI SDK's `ai.telemetry.metadata.*`.
  const oiMetadata = parseMaybeJson(takeAlias(attrs, 'metadata'));
  if (isObj(oiMetadata)) Object.assign(out.metadata, oiMetadata);
  for (const key of Object.keys(attrs)) {
    if (key.startsWith('ai.telemetry.metadata.')) {
      out.metadata[key.slice('ai.telemetry.metadata.'.length)] = attrs[key];
      delete attrs[key];
    }
  }
  return out;
}
