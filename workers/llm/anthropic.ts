/**
 * Anthropic Messages API. Structured output uses tool use: one tool whose input_schema is
 * the answer's schema, forced with tool_choice, so the answer arrives as the tool's input.
 */
import { MAX_RESPONSE_BYTES, OutboundError, readBoundedText, sendWithRetry } from '../platform/outbound.ts';
import type { JudgeAnswer, JudgeRequest } from './types.ts';

/** Connection details. */
export interface AnthropicConnection {
  baseUrl: string;
  apiKey: string | null;
}

/** The default base URL. */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** The API version header every request carries. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** The request body for one judge call. */
export function anthropicBody(req: JudgeRequest) {
  return {
    model: req.model,
    max_tokens: req.maxTokens,
    temperature: req.temperature,
    ...(req.system ? { system: req.system } : {}),
    messages: [{ role: 'user', content: req.user }],
    tools: [{ name: req.schemaName, description: 'Record your evaluation. Give your reasoning before the verdict.', input_schema: req.schema }],
    tool_choice: { type: 'tool', name: req.schemaName },
  };
}

/** Calls POST {baseUrl}/v1/messages. */
export async function anthropicComplete(conn: AnthropicConnection, req: JudgeRequest): Promise<JudgeAnswer> {
  const base = conn.baseUrl.replace(/\/+$/, '');
  const url = base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
  if (conn.apiKey) headers['x-api-key'] = conn.apiKey;
  const res = await sendWithRetry(url, { method: 'POST', headers, body: JSON.stringify(anthropicBody(req)) }, req.policy, `the provider (${new URL(url).host})`, [conn.apiKey]);
  const text = await readBoundedText(res, MAX_RESPONSE_BYTES, `the provider (${new URL(url).host})`);
  let body: {
    model?: string;
    content?: { type: string; name?: string; input?: unknown; text?: string }[];
    usage?: { input_tokens?: number; output_tokens?: number };
    stop_reason?: string;
  };
  try {
    body = JSON.parse(text);
  } catch {
    throw new OutboundError('malformed_answer', `the provider's response is not JSON: ${text.slice(0, 200)}`);
  }
  const blocks = body.content ?? [];
  const tool = blocks.find((b) => b.type === 'tool_use' && b.name === req.schemaName);
  const usage = { input_tokens: body.usage?.input_tokens ?? null, output_tokens: body.usage?.output_tokens ?? null };
  if (tool) return { raw: JSON.stringify(tool.input), parsed: tool.input, usage, model: body.model ?? req.model, finishReason: body.stop_reason ?? null };
  // No tool call: keep the text so the run log shows what the model said instead.
  const said = blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('\n');
  return { raw: said, parsed: undefined, usage, model: body.model ?? req.model, finishReason: body.stop_reason ?? null };
}
