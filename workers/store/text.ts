/**
 * Text drawn from span payloads for the D1 index: short previews for lists, and the
 * text FTS5 indexes. Both are capped because D1 rows should stay small (payloads live
 * in R2) and the database is capped at 10 GB.
 */

/** Characters kept in input/output previews. */
export const PREVIEW_CHARS = 300;
/** Characters of each of input and output that full-text search covers. */
export const SEARCH_CHARS = 2000;

/** A one-line human preview of a payload: a string, the last chat message, or compact JSON. */
export function previewOf(value: unknown, max = PREVIEW_CHARS): string | null {
  if (value === undefined || value === null) return null;
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    const message = lastMessage(value);
    text = message ?? JSON.stringify(value);
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The text content of the last chat message in common shapes ({messages}, [messages], {role, content}). */
function lastMessage(value: unknown): string | null {
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.messages) ? value.messages : null;
  const msg = list ? list[list.length - 1] : isObject(value) && 'role' in value ? value : null;
  if (!isObject(msg)) return null;
  const content = msg.content;
  if (typeof content === 'string' && content) return content;
  if (Array.isArray(content)) {
    const parts = content.map((p) => (typeof p === 'string' ? p : isObject(p) && typeof p.text === 'string' ? p.text : '')).filter(Boolean);
    if (parts.length) return parts.join(' ');
  }
  if (Array.isArray(msg.tool_calls) && msg.tool_calls.length) {
    return msg.tool_calls
      .map((t: unknown) => (isObject(t) && isObject(t.function) ? `${t.function.name}(${String(t.function.arguments ?? '')})` : ''))
      .join(' ');
  }
  return null;
}

/** The messages of a chat-shaped payload ({messages: [...]} or [...], each with a role), else null. */
function chatMessages(value: unknown): Record<string, unknown>[] | null {
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.messages) ? value.messages : null;
  if (!list || !list.length || !list.every((m) => isObject(m) && typeof m.role === 'string')) return null;
  return list as Record<string, unknown>[];
}

/**
 * Every string leaf of a payload joined with spaces, up to `max` characters (iterative walk).
 * A chat input is read newest message first and its system messages last: an LLM span's
 * input is usually the whole conversation so far, which starts with a long system prompt
 * that would otherwise fill the budget in every span, leaving the users' later turns
 * unsearchable. Read this way, each turn is indexed in the span where it is new.
 */
export function searchTextOf(value: unknown, max = SEARCH_CHARS): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.slice(0, max);
  const messages = chatMessages(value);
  if (messages) {
    const turns = messages.filter((m) => m.role !== 'system').reverse();
    value = [...turns, ...messages.filter((m) => m.role === 'system')];
  }
  const parts: string[] = [];
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length && size < max) {
    const v = stack.pop();
    if (typeof v === 'string') {
      parts.push(v);
      size += v.length + 1;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      // Numbers are searchable too (order ids, flight numbers).
      const s = String(v);
      parts.push(s);
      size += s.length + 1;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    } else if (isObject(v)) {
      const vals = Object.values(v);
      for (let i = vals.length - 1; i >= 0; i--) stack.push(vals[i]);
    }
  }
  return parts.join(' ').slice(0, max);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
