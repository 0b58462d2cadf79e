/**
 * Prompt and model replay: one example of a dataset of LLM calls re-run through a
 * configured provider with the replay's model, parameters and (when given) system prompt.
 * Each call is reserved against the project's daily LLM budget first (the judges' cap,
 * workers/llm/spend.ts) and its cost added after, so a replay can never run past it; a run
 * refused by the cap is recorded as errored, saying so. No inline retries: the slot puts
 * the run back for the queue to retry (429 / 5xx / timeouts).
 */
import { walk } from '../../schema/values/read.ts';
import { OutboundError } from '../platform/outbound.ts';
import { loadProvider } from '../llm/providers.ts';
import { addJudgeCost, reserveJudgeCall, spendCaps } from '../llm/spend.ts';
import { callCost } from '../evals/judge.ts';
import type { ChatMessage } from '../llm/chat.ts';
import type { StoredReplay } from './target.ts';

/** What a replayed call gave. */
export type ReplayOutcome =
  | { ok: true; output: { role: 'assistant'; content: string }; messages: ChatMessage[]; model: string; latencyMs: number; usage: { input_tokens: number | null; output_tokens: number | null }; cost: number | null }
  | { ok: false; error: string; retryable: boolean; retryAfterMs?: number; latencyMs: number; messages?: ChatMessage[] };

const ROLES = new Set(['system', 'user', 'assistant']);

/** Text of a message's content: a string, or the text parts of a list (OpenAI / Anthropic content parts). */
function textOf(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content.map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : null));
    return parts.every((p) => p !== null) ? parts.join('') : null;
  }
  return null;
}

/** The chat messages of an example, with the replay's system prompt applied; a sentence when there are none. */
export function replayMessages(inputs: unknown, r: StoredReplay): ChatMessage[] | string {
  const raw = Array.isArray(inputs) ? inputs : walk(inputs, r.messages_path.split('.'));
  if (!Array.isArray(raw) || !raw.length) return `the example's inputs have no chat messages at ${r.messages_path}`;
  const messages: ChatMessage[] = [];
  for (const [i, m] of raw.entries()) {
    const role = (m as { role?: unknown })?.role;
    const content = textOf((m as { content?: unknown })?.content);
    if (typeof role !== 'string' || !ROLES.has(role) || content === null) return `${r.messages_path}[${i}] is not a {role: system|user|assistant, content: text} message`;
    messages.push({ role: role as ChatMessage['role'], content });
  }
  if (r.system === undefined) return messages;
  const rest = messages.filter((m) => m.role !== 'system');
  return r.system === null ? rest : [{ role: 'system', content: r.system }, ...rest];
}

/** Replays one example. Never throws. */
export async function replayExample(env: Env, projectId: string, r: StoredReplay, inputs: unknown, timeoutMs: number): Promise<ReplayOutcome> {
  const started = Date.now();
  const failed = (error: string, retryable = false, extra: Partial<Extract<ReplayOutcome, { ok: false }>> = {}): ReplayOutcome => ({ ok: false, error, retryable, latencyMs: Date.now() - started, ...extra });
  const messages = replayMessages(inputs, r);
  if (typeof messages === 'string') return failed(messages);
  const provider = await loadProvider(env, projectId, r.provider_id);
  if (!provider?.chat) return failed(`provider '${r.provider_id}' no longer exists in this project (or cannot chat)`, false, { messages });
  if (!(await reserveJudgeCall(env, projectId, await spendCaps(env, projectId)))) {
    return failed("the project's daily LLM budget is used up (GET /v1/eval-settings); it resets at 00:00 UTC", false, { messages });
  }
  try {
    const t = Date.now();
    const answer = await provider.chat({ model: r.model, messages, temperature: r.temperature, maxTokens: r.max_tokens, policy: { timeoutMs, inlineRetries: 0, maxInlineWaitMs: 0 } });
    const latencyMs = Date.now() - t;
    const cost = callCost(provider, r.model, answer.usage);
    if (cost) await addJudgeCost(env, projectId, cost).run();
    return { ok: true, output: answer.message, messages, model: answer.model, latencyMs, usage: answer.usage, cost };
  } catch (err) {
    if (err instanceof OutboundError) return failed(err.message, err.retryable, { retryAfterMs: err.retryAfterMs, messages });
    return failed(`the replay failed: ${(err as Error)?.message ?? err}`, false, { messages });
  }
}
