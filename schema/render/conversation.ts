/**
 * A thread (the traces sharing a session_id) as the text a judge reads: each turn's input
 * and output in time order, within a token budget. Under the budget, values are shortened
 * first (every turn keeps its place), then the middle turns are folded, keeping the first
 * turn (what the user came for) and as many of the latest turns as fit (how it ended).
 * Pure functions, beside the trajectory rendering they complement.
 */
import { toConversation, type ChatMessage } from '../payload/messages.ts';
import { estimateTokens } from './trajectory.ts';

/** One turn of a thread: a trace's root input and output. */
export interface ConversationTurn {
  trace_id: string;
  /** Epoch ms. */
  start_time: number | null;
  name: string | null;
  input: unknown;
  output: unknown;
}

/** Widths (characters per value) a budget goes through, widest first. */
const WIDTHS = [Infinity, 2000, 800, 300, 120];

/** A message's words: text parts, tool calls and results in brackets. */
function messageText(m: ChatMessage): string {
  return m.parts
    .map((p) => {
      switch (p.type) {
        case 'text':
          return p.text;
        case 'tool_call':
          return `[calls ${p.name}(${JSON.stringify(p.arguments ?? {})})]`;
        case 'tool_result':
          return `[${p.name ?? 'tool'} returned ${typeof p.content === 'string' ? p.content : JSON.stringify(p.content)}]`;
        case 'image':
          return '[image]';
        case 'json':
          return JSON.stringify(p.value);
      }
    })
    .join('\n');
}

/**
 * The words of one side of a turn. A chat input usually repeats the whole conversation so
 * far, so the turn's own words are its newest user message; an output is read whole.
 */
export function turnText(value: unknown, side: 'input' | 'output'): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  const messages = toConversation(value);
  if (messages?.length) {
    if (side === 'input') {
      const user = [...messages].reverse().find((m) => m.role === 'user');
      return messageText(user ?? messages[messages.length - 1]);
    }
    return messages.map(messageText).join('\n');
  }
  return JSON.stringify(value);
}

const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width)}…[cut]` : text);

function turnBlock(t: ConversationTurn, n: number, total: number, width: number): string {
  const when = t.start_time == null ? '' : `, ${new Date(t.start_time).toISOString()}`;
  return `Turn ${n} of ${total} (trace ${t.trace_id}${when}):\nUser: ${cut(turnText(t.input, 'input'), width)}\nAssistant: ${cut(turnText(t.output, 'output'), width)}`;
}

/**
 * Renders `turns` (in time order) within `maxTokens` estimated tokens. `totalTurns`, when
 * larger than the turns given, says that earlier turns were not loaded; turn numbers then
 * count from the thread's start.
 */
export function renderConversation(turns: ConversationTurn[], opts: { maxTokens?: number; totalTurns?: number } = {}): string {
  const total = Math.max(opts.totalTurns ?? turns.length, turns.length);
  const offset = total - turns.length;
  const head = offset ? `[the first ${offset} of ${total} turns are not shown]\n\n` : '';
  const budget = opts.maxTokens;
  const fits = (text: string) => budget === undefined || estimateTokens(text) <= budget;
  for (const width of WIDTHS) {
    const text = head + turns.map((t, i) => turnBlock(t, offset + i + 1, total, width)).join('\n\n');
    if (fits(text)) return text;
  }
  // Still too long at the narrowest width: keep the first turn and the latest that fit.
  const width = WIDTHS[WIDTHS.length - 1];
  const blocks = turns.map((t, i) => turnBlock(t, offset + i + 1, total, width));
  const first = blocks[0] ?? '';
  let kept: string[] = [];
  for (let i = blocks.length - 1; i > 0; i--) {
    const folded = `…[turns ${offset + 2}–${offset + i} folded to fit the budget]`;
    const candidate = [first, folded, blocks[i], ...kept].join('\n\n');
    if (!fits(head + candidate)) break;
    kept = [blocks[i], ...kept];
  }
  const foldedTo = blocks.length - kept.length;
  const middle = foldedTo > 1 ? [`…[turns ${offset + 2}–${offset + foldedTo} folded to fit the budget]`] : [];
  const text = head + [first, ...middle, ...kept].join('\n\n');
  if (fits(text)) return text;
  const marker = '\n…[conversation cut to fit the budget]';
  return text.slice(0, Math.max(0, (budget ?? 0) * 4 - marker.length)) + marker;
}
