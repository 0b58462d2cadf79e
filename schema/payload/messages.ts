/**
 * Recognises chat conversations in span payloads, whatever SDK produced them, and turns
 * them into one shape: OpenAI chat (messages, tool_calls, tool role), OpenAI responses
 * (`choices[].message`), Anthropic content blocks (text, tool_use, tool_result), Gemini
 * parts (functionCall, functionResponse), and LangChain messages (`type: human|ai|...`,
 * serialized `lc` objects). Anything else is not a chat and is shown as text or JSON by
 * the caller. The one reader of chat messages: the review UI, the markdown trajectory
 * (CLI, MCP, the judge's `trajectory`) and the trajectory checks all see the same turns.
 */

/** One piece of a message. */
export type MessagePart =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; id: string | null; name: string; arguments: unknown }
  | { type: 'tool_result'; id: string | null; name: string | null; content: unknown }
  | { type: 'image'; url: string }
  | { type: 'json'; value: unknown };

/** A chat message in the one shape every reader renders. */
export interface ChatMessage {
  role: string;
  name: string | null;
  parts: MessagePart[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const LANGCHAIN_ROLES: Record<string, string> = {
  human: 'user',
  HumanMessage: 'user',
  ai: 'assistant',
  AIMessage: 'assistant',
  AIMessageChunk: 'assistant',
  system: 'system',
  SystemMessage: 'system',
  tool: 'tool',
  ToolMessage: 'tool',
  function: 'tool',
  FunctionMessage: 'tool',
};

/** Tool-call arguments often arrive as a JSON string; show them parsed when they are. */
function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args;
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

function contentParts(content: unknown): MessagePart[] {
  if (content == null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [{ type: 'json', value: content }];
  const parts: MessagePart[] = [];
  for (const block of content) {
    if (typeof block === 'string') parts.push({ type: 'text', text: block });
    else if (!isObj(block)) parts.push({ type: 'json', value: block });
    else if ((block.type === 'text' || block.type === 'input_text' || block.type === 'output_text') && typeof block.text === 'string') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') parts.push({ type: 'tool_call', id: str(block.id), name: str(block.name) ?? 'tool', arguments: block.input });
    else if (block.type === 'tool_result') parts.push({ type: 'tool_result', id: str(block.tool_use_id), name: null, content: block.content });
    else if (block.type === 'image_url' && isObj(block.image_url) && typeof block.image_url.url === 'string') parts.push({ type: 'image', url: block.image_url.url });
    else if (typeof block.text === 'string') parts.push({ type: 'text', text: block.text });
    else if (isObj(block.functionCall)) parts.push({ type: 'tool_call', id: null, name: str(block.functionCall.name) ?? 'function', arguments: block.functionCall.args });
    else if (isObj(block.functionResponse)) parts.push({ type: 'tool_result', id: null, name: str(block.functionResponse.name), content: block.functionResponse.response });
    else parts.push({ type: 'json', value: block });
  }
  return parts;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** One message object as a ChatMessage, or null when it does not look like one. */
export function toMessage(value: unknown): ChatMessage | null {
  if (!isObj(value)) return null;
  // LangChain's serialized form: {lc: 1, type: 'constructor', id: [..., 'HumanMessage'], kwargs: {...}}
  if (value.lc === 1 && Array.isArray(value.id) && isObj(value.kwargs)) {
    const cls = String(value.id[value.id.length - 1]);
    return toMessage({ ...value.kwargs, role: LANGCHAIN_ROLES[cls] ?? cls });
  }
  let role = str(value.role) ?? (typeof value.type === 'string' ? LANGCHAIN_ROLES[value.type] : undefined) ?? null;
  if (!role) return null;
  if (!('content' in value) && !('parts' in value) && !('tool_calls' in value) && !('function_call' in value)) return null;
  if (role === 'model') role = 'assistant';
  const parts = contentParts(value.content ?? value.parts);
  const toolCalls = value.tool_calls ?? (isObj(value.additional_kwargs) ? value.additional_kwargs.tool_calls : undefined);
  if (Array.isArray(toolCalls)) {
    for (const call of toolCalls) {
      if (!isObj(call)) continue;
      const fn = isObj(call.function) ? call.function : call;
      parts.push({ type: 'tool_call', id: str(call.id), name: str(fn.name) ?? 'tool', arguments: parseArguments(fn.arguments ?? fn.args) });
    }
  }
  if (isObj(value.function_call)) parts.push({ type: 'tool_call', id: null, name: str(value.function_call.name) ?? 'function', arguments: parseArguments(value.function_call.arguments) });
  const toolCallId = str(value.tool_call_id);
  if ((role === 'tool' || role === 'function') && (toolCallId || parts.length)) {
    return { role: 'tool', name: str(value.name), parts: [{ type: 'tool_result', id: toolCallId, name: str(value.name), content: textOf(parts) ?? value.content }] };
  }
  return { role, name: str(value.name), parts };
}

function textOf(parts: MessagePart[]): string | null {
  if (parts.length && parts.every((p) => p.type === 'text')) return parts.map((p) => (p as { text: string }).text).join('\n');
  return null;
}

/**
 * The conversation in a payload, or null when it holds none: an array of messages,
 * `{messages: [...]}`, a single message, or an OpenAI completion (`choices[].message`).
 * Tool results get the name of the call they answer, found by its id.
 */
export function toConversation(payload: unknown): ChatMessage[] | null {
  let list: unknown[] | null = null;
  if (Array.isArray(payload)) list = payload;
  else if (isObj(payload)) {
    if (Array.isArray(payload.messages)) list = payload.messages;
    else if (Array.isArray(payload.choices)) list = payload.choices.map((c) => (isObj(c) ? c.message : null)).filter((m) => m != null);
    else if (Array.isArray(payload.contents)) list = payload.contents;
    else list = [payload];
  }
  // LangChain batches wrap conversations in one more array: [[msg, msg]].
  if (list && list.length === 1 && Array.isArray(list[0])) list = list[0];
  if (!list || list.length === 0) return null;
  const messages: ChatMessage[] = [];
  for (const item of list) {
    const m = toMessage(item);
    if (!m) return null;
    messages.push(m);
  }
  const names = new Map<string, string>();
  for (const m of messages) {
    for (const p of m.parts) {
      if (p.type === 'tool_call' && p.id) names.set(p.id, p.name);
      if (p.type === 'tool_result' && !p.name && p.id) p.name = names.get(p.id) ?? null;
    }
  }
  return messages;
}
