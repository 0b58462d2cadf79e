/**
 * Workers AI through the `AI` binding, with JSON Mode (`response_format: json_schema`).
 * The binding has no local simulator: under `wrangler dev` and the tests it is not
 * connected, so this provider is only selected by configuration and reports a clear error
 * when the binding is missing. Nothing is faked.
 */
import { OutboundError } from '../platform/outbound.ts';
import { parseAnswerJson, type JudgeAnswer, type JudgeRequest } from './types.ts';

/** The slice of the Ai binding this provider uses. */
interface AiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

/** Calls env.AI.run(model, {messages, response_format}). */
export async function workersAiComplete(ai: AiBinding | undefined, req: JudgeRequest): Promise<JudgeAnswer> {
  if (!ai || typeof ai.run !== 'function') {
    throw new OutboundError('provider_error', 'the Workers AI binding (AI) is not available here; it works only when deployed (wrangler dev and the tests run without it)');
  }
  const messages = [...(req.system ? [{ role: 'system', content: req.system }] : []), { role: 'user', content: req.user }];
  let out: { response?: unknown; usage?: { prompt_tokens?: number; completion_tokens?: number } };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    out = (await Promise.race([
      ai.run(req.model, { messages, max_tokens: req.maxTokens, temperature: req.temperature, response_format: { type: 'json_schema', json_schema: req.schema } }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new OutboundError('timeout', `Workers AI did not answer within ${req.policy.timeoutMs} ms`, true)), req.policy.timeoutMs);
      }),
    ])) as typeof out;
  } catch (err) {
    if (err instanceof OutboundError) throw err;
    const message = (err as Error)?.message ?? String(err);
    if (/run remotely/i.test(message)) {
      throw new OutboundError('provider_error', 'Workers AI: the AI binding is not connected here (local runs have no Workers AI); it works once deployed');
    }
    // Capacity and rate errors (e.g. "3040: Capacity temporarily exceeded") are worth retrying later.
    const retryable = /capacity|rate|429|overload|timeout|unavailable|5\d\d/i.test(message);
    throw new OutboundError(retryable ? 'provider_unavailable' : 'provider_error', `Workers AI: ${message.slice(0, 300)}`, retryable);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const response = out?.response;
  const raw = typeof response === 'string' ? response : JSON.stringify(response ?? null);
  return {
    raw,
    parsed: typeof response === 'string' ? parseAnswerJson(response) : response ?? undefined,
    usage: { input_tokens: out?.usage?.prompt_tokens ?? null, output_tokens: out?.usage?.completion_tokens ?? null },
    model: req.model,
    finishReason: null,
  };
}
