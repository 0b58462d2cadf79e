/**
 * The one interface every LLM provider speaks for judges: send a system + user prompt
 * with a JSON Schema for the answer, get back the structured answer (or the raw text when
 * the model did not comply), token usage, and the exact request for the judge's trace.
 */
import type { HttpPolicy } from '../platform/outbound.ts';
import type { ChatAnswer, ChatRequest } from './chat.ts';

/** One judge request. */
export interface JudgeRequest {
  model: string;
  system?: string;
  user: string;
  /** JSON Schema (an object schema with every property required, no extra properties). */
  schema: Record<string, unknown>;
  /** A short name for the schema / tool. */
  schemaName: string;
  temperature: number;
  maxTokens: number;
  policy: HttpPolicy;
}

/** What a provider answered. `parsed` is undefined when the answer was not JSON at all. */
export interface JudgeAnswer {
  raw: string;
  parsed: unknown;
  usage: { input_tokens: number | null; output_tokens: number | null };
  model: string;
  /** Why generation stopped, as the provider says it (`stop`, `length`, `tool_use`, ...). */
  finishReason: string | null;
}

/** An LLM provider connection, ready to call (its key already decrypted). */
export interface JudgeProvider {
  id: string;
  type: 'openai' | 'anthropic' | 'workers_ai';
  name: string;
  defaultModel: string | null;
  maxConcurrency: number;
  /** USD per million tokens, by model. */
  prices: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }>;
  complete(req: JudgeRequest): Promise<JudgeAnswer>;
  /** Plain chat (prompt replay); absent for providers without it (Workers AI). */
  chat?(req: ChatRequest): Promise<ChatAnswer>;
}

/** Parses JSON text; undefined when it is not JSON. Tolerates a ```json fence some models add. */
export function parseAnswerJson(text: string): unknown {
  const t = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}
