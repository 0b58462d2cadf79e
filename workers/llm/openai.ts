/**
 * OpenAI-compatible chat completions (OpenAI, vLLM, Ollama, OpenRouter, LiteLLM, ...).
 * Structured output via `response_format: {type: "json_schema", strict: true}`; servers
 * without json_schema support can use `json_object` (the schema then goes in the prompt).
 */
import { MAX_RESPONSE_BYTES, OutboundError, readBoundedText, sendWithRetry } from '../platform/outbound.ts';
import { parseAnswerJson, type JudgeAnswer, type JudgeRequest } from './types.ts';

/** Connection details. */
export interface OpenAiConnection {
  baseUrl: string;
  apiKey: string | null;
  structuredOutput: 'json_schema' | 'json_object';
}

/** The default base URL (OpenAI itself). */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** The request body for one judge call. */
export function openAiBody(req: JudgeRequest, structuredOutput: 'json_schema' | 'json_object') {
  const messages: { role: string; content: string }[] = [];
  const schemaHint = structuredOutput === 'json_object' ? `\n\nAnswer with a JSON object matching this JSON Schema:\n${JSON.stringify(req.schema)}` : '';
  if (req.system || schemaHint) messages.push({ role: 'system', content: `${req.system ?? ''}${schemaHint}`.trim() });
  messages.push({ role: 'user', content: req.user });
  return {
    model: req.model,
    messages,
    temperature: req.temperature,
    max_tokens: req.maxTokens,
    response_format:
      structuredOutput === 'json_schema'
        ? { type: 'json_schema', json_schema: { name: req.schemaName, strict: true, schema: req.schema } }
        : { type: 'json_object' },
  };
}

/** Calls POST {baseUrl}/chat/completions. */
export async function openAiComplete(conn: OpenAiConnection, req: JudgeRequest): Promise<JudgeAnswer> {
  const url = `${conn.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (conn.apiKey) headers.authorization = `Bearer ${conn.apiKey}`;
  const res = await sendWithRetry(url, { method: 'POST', headers, body: JSON.stringify(openAiBody(req, conn.structuredOutput)) }, req.policy, `the provider (${new URL(url).host})`, [conn.apiKey]);
  const text = await readBoundedText(res, MAX_RESPONSE_BYTES, `the provider (${new URL(url).host})`);
  let body: {
    model?: string;
    choices?: { message?: { content?: string | null; refusal?: string | null }; finish_reason?: string }[];
    usage?: { prompt_tokens?: number; completion_tokens?: number };
  };
  try {
    body = JSON.parse(text);
  } catch {
    throw new OutboundError('malformed_answer', `the provider's response is not JSON: ${text.slice(0, 200)}`);
  }
  const choice = body.choices?.[0];
  if (!choice?.message) throw new OutboundError('malformed_answer', 'the provider answered without a message (no choices[0].message)');
  if (choice.message.refusal) throw new OutboundError('malformed_answer', `the model refused: ${choice.message.refusal.slice(0, 300)}`);
  const raw = choice.message.content ?? '';
  return {
    raw,
    parsed: parseAnswerJson(raw),
    usage: { input_tokens: body.usage?.prompt_tokens ?? null, output_tokens: body.usage?.completion_tokens ?? null },
    model: body.model ?? req.model,
    finishReason: choice.finish_reason ?? null,
  };
}
