/**
 * Chat messages in one shape, whatever convention sent them. LLM spans store their input
 * as `{ messages: [...] }` and their output as the assistant message, in the OpenAI chat
 * shape the native API, the demo and the trajectory renderer already use:
 * `{ role, content, tool_calls: [{ id, type: 'function', function: { name, arguments } }], tool_call_id }`.
 *
 * Understood per message: OpenTelemetry GenAI `parts` (text, tool_call, tool_call_response,
 * reasoning, blobs/uris), the Vercel AI SDK's content parts (text, tool-call, tool-result,
 * reasoning, image/file), OpenAI's own shape, and flattened attribute lists
 * (OpenInference `llm.input_messages.0.message.role`, OpenLLMetry `gen_ai.prompt.0.role`)
 * once unflattened.
 */

/** A tool call as OpenAI writes it: arguments are a JSON string. */
export interface ToolCall {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One chat message. `content` is a string when the message is plain text. */
export interface ChatMessage {
  role: string;
  content?: string | unknown[] | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses a JSON string; anything else (or invalid JSON) comes back unchanged. */
export function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trimStart();
  if (!t || !'{["'.includes(t[0]) && !/^(-?\d|true|false|null)/.test(t)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Tool-call arguments as canonical JSON text, so `{"a": 1}` sent as text and `{a: 1}`
 * sent as an object compare equal.
 */
export function argumentsText(args: unknown): string {
  if (args === undefined || args === null) return '{}';
  const parsed = parseMaybeJson(args);
  if (typeof parsed === 'string') return parsed;
  return JSON.stringify(parsed);
}

/** A tool result as message content: text stays text, structured values become JSON text. */
function resultText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObj(value) && (value.type === 'text' || value.type === 'error-text') && typeof value.value === 'string') return value.value; // Vercel AI SDK v5 output
  if (isObj(value) && (value.type === 'json' || value.type === 'error-json') && 'value' in value) return JSON.stringify(value.value);
  return value === undefined ? '' : JSON.stringify(value);
}

/** Joins text parts into a string, or keeps an array when other kinds of parts are present. */
function content(texts: unknown[], onlyText: boolean): string | unknown[] | null {
  if (!texts.length) return null;
  if (onlyText) return (texts as { text: string }[]).map((p) => p.text).join('\n');
  return texts;
}

/** OpenAI-style content: a string, or an array of `{type: 'text', text}` and other parts. */
function openAiContent(value: unknown): { content: string | unknown[] | null; calls: ToolCall[]; results: { id?: string; content: string }[] } {
  const calls: ToolCall[] = [];
  const results: { id?: string; content: string }[] = [];
  if (value === undefined || value === null) return { content: null, calls, results };
  if (typeof value === 'string') return { content: value, calls, results };
  if (!Array.isArray(value)) return { content: [value], calls, results };
  const kept: unknown[] = [];
  let onlyText = true;
  for (const part of value) {
    if (typeof part === 'string') {
      kept.push({ type: 'text', text: part });
      continue;
    }
    if (!isObj(part)) continue;
    const type = str(part.type);
    if (type === 'text' && typeof part.text === 'string') kept.push({ type: 'text', text: part.text });
    else if (type === 'tool-call' || type === 'tool_use') {
      // Vercel AI SDK (input in v5, args in v4) and Anthropic's tool_use.
      calls.push({ id: str(part.toolCallId) ?? str(part.id), type: 'function', function: { name: str(part.toolName) ?? str(part.name) ?? 'tool', arguments: argumentsText(part.input ?? part.args) } });
    } else if (type === 'tool-result' || type === 'tool_result') {
      results.push({ id: str(part.toolCallId) ?? str(part.tool_use_id), content: resultText(part.output ?? part.result ?? part.content) });
    } else {
      onlyText = false;
      kept.push(part);
    }
  }
  return { content: content(kept, onlyText), calls, results };
}

/** GenAI semantic-convention parts. */
function genAiParts(parts: unknown[]): { content: string | unknown[] | null; calls: ToolCall[]; results: { id?: string; content: string }[] } {
  const calls: ToolCall[] = [];
  const results: { id?: string; content: string }[] = [];
  const kept: unknown[] = [];
  let onlyText = true;
  for (const part of parts) {
    if (!isObj(part)) continue;
    switch (part.type) {
      case 'text':
        kept.push({ type: 'text', text: str(part.content) ?? '' });
        break;
      case 'tool_call':
        calls.push({ id: str(part.id), type: 'function', function: { name: str(part.name) ?? 'tool', arguments: argumentsText(part.arguments) } });
        break;
      case 'tool_call_response':
        results.push({ id: str(part.id), content: resultText(part.response) });
        break;
      default:
        onlyText = false;
        kept.push(part);
    }
  }
  return { content: content(kept, onlyText), calls, results };
}

/**
 * Normalizes one message in any understood shape. A message that answers several tool
 * calls becomes several `tool` messages, one per call, as OpenAI expects.
 */
export function normalizeMessage(raw: unknown): ChatMessage[] {
  if (typeof raw === 'string') return [{ role: 'user', content: raw }];
  if (!isObj(raw)) return [];
  const role = str(raw.role) ?? 'user';
  const parsed = Array.isArray(raw.parts) ? genAiParts(raw.parts) : openAiContent(raw.content);
  const calls = [...parsed.calls];
  if (Array.isArray(raw.tool_calls)) {
    for (const c of raw.tool_calls) {
      if (!isObj(c)) continue;
      const fn = isObj(c.function) ? c.function : c;
      calls.push({ id: str(c.id), type: 'function', function: { name: str(fn.name) ?? 'tool', arguments: argumentsText(fn.arguments ?? fn.args ?? fn.input) } });
    }
  }
  if (parsed.results.length && !parsed.content && !calls.length) {
    return parsed.results.map((r) => ({ role: 'tool', ...(r.id ? { tool_call_id: r.id } : {}), content: r.content }));
  }
  const out: ChatMessage = { role, content: parsed.content };
  if (calls.length) out.tool_calls = calls;
  const toolCallId = str(raw.tool_call_id) ?? str(raw.toolCallId) ?? (parsed.results.length === 1 ? parsed.results[0].id : undefined);
  if (toolCallId) out.tool_call_id = toolCallId;
  if (role === 'tool' && out.content == null && parsed.results.length === 1) out.content = parsed.results[0].content;
  if (typeof raw.name === 'string') out.name = raw.name;
  return [out];
}

/** True when `value` looks like a list of chat messages (every item has a role). */
export function isMessageList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => isObj(m) && typeof m.role === 'string');
}

/** Normalizes a message list (or a JSON string of one); null when it is not one. */
export function normalizeMessages(value: unknown): ChatMessage[] | null {
  const parsed = parseMaybeJson(value);
  if (!isMessageList(parsed)) return null;
  return parsed.flatMap(normalizeMessage);
}

/** The output of an LLM call: the assistant message, or `{ messages }` for several choices. */
export function outputOf(messages: ChatMessage[]): unknown {
  return messages.length === 1 ? messages[0] : { messages };
}

/**
 * Rebuilds nested values from flattened attributes under `prefix`
 * (`llm.input_messages.0.message.role` -> `[{ message: { role } }]`), removing the keys
 * it consumes from `attrs`. Numeric path segments become array indexes.
 */
export function unflatten(attrs: Record<string, unknown>, prefix: string): unknown[] | null {
  const root: unknown[] = [];
  let found = false;
  const dotted = prefix + '.';
  for (const key of Object.keys(attrs)) {
    if (!key.startsWith(dotted)) continue;
    const path = key.slice(dotted.length).split('.');
    if (!/^\d+$/.test(path[0])) continue;
    found = true;
    let node: Record<string | number, unknown> = root as unknown as Record<string, unknown>;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = /^\d+$/.test(path[i]) ? Number(path[i]) : path[i];
      const nextIsIndex = /^\d+$/.test(path[i + 1]);
      if (node[seg] === undefined || typeof node[seg] !== 'object' || node[seg] === null) node[seg] = nextIsIndex ? [] : {};
      node = node[seg] as Record<string | number, unknown>;
    }
    const last = path[path.length - 1];
    node[/^\d+$/.test(last) ? Number(last) : last] = attrs[key];
    delete attrs[key];
  }
  return found ? root.filter((x) => x !== undefined) : null;
}

/** OpenInference's flattened messages (`llm.input_messages` / `llm.output_messages`) as chat messages. */
export function openInferenceMessages(attrs: Record<string, unknown>, prefix: string): ChatMessage[] | null {
  const items = unflatten(attrs, prefix);
  if (!items) return null;
  const out: ChatMessage[] = [];
  for (const item of items) {
    const m = isObj(item) && isObj(item.message) ? item.message : null;
    if (!m) continue;
    const contents = Array.isArray(m.contents)
      ? m.contents.map((c) => (isObj(c) && isObj(c.message_content) ? c.message_content : c)).map((c) => (isObj(c) && c.type === 'image' && isObj(c.image) ? { type: 'image', ...c.image } : c))
      : undefined;
    const calls = Array.isArray(m.tool_calls)
      ? m.tool_calls.map((c) => (isObj(c) && isObj(c.tool_call) ? c.tool_call : c)).filter(isObj)
      : undefined;
    out.push(...normalizeMessage({ role: m.role, content: contents ?? m.content, tool_calls: calls, tool_call_id: m.tool_call_id, name: m.name }));
  }
  return out.length ? out : null;
}

/** OpenLLMetry's flattened `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` as chat messages. */
export function indexedMessages(attrs: Record<string, unknown>, prefix: string): ChatMessage[] | null {
  const items = unflatten(attrs, prefix);
  if (!items) return null;
  const out = items.filter(isObj).flatMap((m) => normalizeMessage({ ...m, content: parseMaybeJson(m.content) }));
  return out.length ? out : null;
}
