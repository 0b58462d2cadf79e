/**
 * Plain chat completions (no answer schema), for prompt replay: send a conversation,
 * get back the assistant's message and the usage. OpenAI-compatible servers get
 * `messages` as they are (system first); Anthropic gets the system text apart and the
 * user/assistant turns. Errors are OutboundErrors, retryable for 429 / 5xx / timeouts.
 */
import { MAX_RESPONSE_BYTES, OutboundError, readBoundedText, sendWithRetry, type HttpPolicy } from '../platform/outbound.ts';

/** One chat message: text content only (a replay sends what the dataset holds). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One chat request. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
  policy: HttpPolicy;
}

/** What the model said. */
export interface ChatAnswer {
  message: { role: 'assistant'; content: string };
  usage: { input_tokens: number | null; output_tokens: number | null };
  model: string;
  finishReason: string | null;
}

/** POST {baseUrl}/chat/completions. */
export async function openAiChat(conn: { baseUrl: string; apiKey: string | null }, req: ChatRequest): Promise<ChatAnswer> {
  const url = `${conn.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (conn.apiKey) headers.authorization = `Bearer ${conn.apiKey}`;
  const body = { model: req.model, messages: req.messages, temperature: req.temperature, max_tokens: req.maxTokens };
  const res = await sendWithRetry(url, { method: 'POST', headers, body: JSON.stringify(body) }, req.policy, `the provider (${new URL(url).host})`, [conn.apiKey]);
  const j = (await json(res, url)) as { model?: string; choices?: { message?: { content?: string | null }; finish_reason?: string }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } };
  const choice = j.choices?.[0];
  if (!choice?.message) throw new OutboundError('malformed_answer', 'the provider answered without a message (no choices[0].message)');
  return {
    message: { role: 'assistant', content: choice.message.content ?? '' },
    usage: { input_tokens: j.usage?.prompt_tokens ?? null, output_tokens: j.usage?.completion_tokens ?? null },
    model: j.model ?? req.model,
    finishReason: choice.finish_reason ?? null,
  };
}

/** POST {baseUrl}/v1/messages. */
export async function anthropicChat(conn: { baseUrl: string; apiKey: string | null; version: string }, req: ChatRequest): Promise<ChatAnswer> {
  const base = conn.baseUrl.replace(/\/+$/, '');
  const url = base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': conn.version };
  if (conn.apiKey) headers['x-api-key'] = conn.apiKey;
  const system = req.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const body = {
    model: req.model,
    max_tokens: req.maxTokens,
    temperature: req.temperature,
    ...(system ? { system } : {}),
    messages: req.messages.filter((m) => m.role !== 'system'),
  };
  const res = await sendWithRetry(url, { method: 'POST', headers, body: JSON.stringify(body) }, req.policy, `the provider (${new URL(url).host})`, [conn.apiKey]);
  const j = (await json(res, url)) as { model?: string; content?: { type: string; text?: string }[]; usage?: { input_tokens?: number; output_tokens?: number }; stop_reason?: string };
  return {
    message: { role: 'assistant', content: (j.content ?? []).filter((b) => b.type === 'text').map((b) => b.text ?? '').join('') },
    usage: { input_tokens: j.usage?.input_tokens ?? null, output_tokens: j.usage?.output_tokens ?? null },
    model: j.model ?? req.model,
    finishReason: j.stop_reason ?? null,
  };
}

async function json(res: Response, url: string): Promise<unknown> {
  const text = await readBoundedText(res, MAX_RESPONSE_BYTES, `the provider (${new URL(url).host})`);
  try {
    return JSON.parse(text);
  } catch {
    throw new OutboundError('malformed_answer', `the provider's response is not JSON: ${text.slice(0, 200)}`);
  }
}
