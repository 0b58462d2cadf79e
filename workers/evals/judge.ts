/**
 * LLM-as-judge: fills the prompt template with variables read from the trace, asks the
 * provider for a structured answer (reasoning first, then the verdict), validates it with
 * zod against the output contract, and turns it into a score with the reasoning as the
 * comment. A malformed answer is an EvalError, never a score.
 */
import { z } from 'zod';
import type { JudgeConfig, JudgeOutput } from '../../schema/wire/evaluators.ts';
import { asText, missingSource, readSource, type TraceSubject } from '../../schema/values/read.ts';
import { EvalError, asEvalError } from './errors.ts';
import type { HttpPolicy } from '../platform/outbound.ts';
import type { JudgeAnswer, JudgeProvider } from '../llm/types.ts';
import type { Verdict } from './checks.ts';

/** The schema / tool name the judge answers through. */
export const JUDGE_SCHEMA_NAME = 'evaluation';

/** What the judge saw and said: kept in the judge's trace and shown by try-it. */
export interface JudgeExchange {
  provider: string;
  model: string;
  messages: { role: string; content: string }[];
  schema: Record<string, unknown>;
  raw: string | null;
  usage: { input_tokens: number | null; output_tokens: number | null };
  cost_usd: number | null;
  started_at: number;
  ended_at: number;
}

/** A judge run: a verdict or an error, and the exchange when the provider was called. */
export interface JudgeOutcome {
  verdict?: Verdict;
  error?: EvalError;
  exchange: JudgeExchange | null;
}

/** The JSON Schema the judge must answer with: reasoning first, so the verdict follows from it. */
export function answerSchema(output: JudgeOutput): Record<string, unknown> {
  const reasoning = { type: 'string', description: 'Step-by-step reasoning that leads to the verdict' };
  let verdict: Record<string, unknown>;
  switch (output.type) {
    case 'boolean':
      verdict = { type: 'boolean', description: 'The verdict: true or false' };
      break;
    case 'number':
      // The range is stated in words: strict structured-output modes reject minimum/maximum on some servers.
      verdict = { type: 'number', description: `The score, a number from ${output.min} to ${output.max}` };
      break;
    case 'category':
      verdict = { type: 'string', enum: output.categories, description: `One of: ${output.categories.join(', ')}` };
      break;
  }
  return { type: 'object', properties: { reasoning, verdict }, required: ['reasoning', 'verdict'], additionalProperties: false };
}

/** The zod schema that validates an answer against the output contract. */
export function answerValidator(output: JudgeOutput) {
  const verdict =
    output.type === 'boolean'
      ? z.boolean()
      : output.type === 'number'
        ? z.number().min(output.min).max(output.max)
        : z.enum(output.categories as [string, ...string[]]);
  return z.object({ reasoning: z.string(), verdict });
}

/** Validates a parsed answer; throws `malformed_answer` naming what is wrong. */
export function verdictOf(output: JudgeOutput, answer: JudgeAnswer): Verdict {
  if (answer.parsed === undefined) {
    const cut = answer.finishReason === 'length' || answer.finishReason === 'max_tokens' ? ' (the answer was cut off: raise max_tokens)' : '';
    throw new EvalError('malformed_answer', `the judge did not answer with JSON${cut}: ${answer.raw.slice(0, 200) || '(empty)'}`);
  }
  const result = answerValidator(output).safeParse(answer.parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new EvalError('malformed_answer', `the judge's answer is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const { reasoning, verdict } = result.data;
  switch (output.type) {
    case 'boolean':
      return { score: verdict ? 1 : 0, value: verdict, comment: reasoning };
    case 'number':
      return { score: verdict as number, comment: reasoning };
    case 'category':
      return { score: output.scores?.[verdict as string] ?? null, value: verdict, comment: reasoning };
  }
}

/** Fills `{{name}}` placeholders; a variable the trace does not carry is an EvalError. */
export function renderPrompt(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_, name: string) => values[name] ?? '');
}

/** Reads every variable of the config from the subject. */
export function judgeVariables(cfg: JudgeConfig, subject: TraceSubject): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, source] of Object.entries(cfg.variables)) {
    const v = readSource(subject, source, { trajectoryMaxTokens: cfg.trajectory_max_tokens });
    if (v === undefined || v === null || v === '') {
      throw new EvalError('missing_variable', `variable '${name}': ${missingSource(subject, source)}`);
    }
    values[name] = asText(v);
  }
  return values;
}

/** USD for a call, when the provider has a price for the model. */
export function callCost(provider: JudgeProvider, model: string, usage: JudgeAnswer['usage']): number | null {
  const price = provider.prices[model];
  if (!price) return null;
  return ((usage.input_tokens ?? 0) * price.input_usd_per_mtok + (usage.output_tokens ?? 0) * price.output_usd_per_mtok) / 1_000_000;
}

/** The system prompt used when a judge config gives none. */
export const DEFAULT_JUDGE_SYSTEM =
  'You are a careful, impartial evaluator of an AI assistant. Judge only what you are shown. Explain your reasoning step by step in `reasoning`, then give your verdict.';

/**
 * Puts the few-shot examples block where the template asks for it (`{{examples}}`), or
 * after the system prompt when neither message mentions it.
 */
export function withExamples(cfg: JudgeConfig, values: Record<string, string>, examples: string): { system: string; user: string } {
  const asks = /\{\{\s*examples\s*\}\}/;
  const systemTemplate = cfg.prompt.system ?? DEFAULT_JUDGE_SYSTEM;
  const placed = asks.test(systemTemplate) || asks.test(cfg.prompt.user);
  const all = { ...values, examples };
  const system = renderPrompt(systemTemplate, all);
  return { system: !placed && examples ? `${system}\n\n${examples}` : system, user: renderPrompt(cfg.prompt.user, all) };
}

/** Runs a judge on the subject, with a few-shot `examples` block when given. Never throws: failures come back as `error`. */
export async function runJudge(cfg: JudgeConfig, subject: TraceSubject, provider: JudgeProvider, policy: Omit<HttpPolicy, 'timeoutMs'>, examples = ''): Promise<JudgeOutcome> {
  const model = cfg.model ?? provider.defaultModel;
  if (!model) return { error: new EvalError('invalid_config', `no model: set config.model or the provider's default_model`), exchange: null };
  let values: Record<string, string>;
  try {
    values = judgeVariables(cfg, subject);
  } catch (err) {
    return { error: asEvalError(err), exchange: null };
  }
  const { system, user } = withExamples(cfg, values, examples);
  const schema = answerSchema(cfg.output);
  const exchange: JudgeExchange = {
    provider: provider.type,
    model,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
    schema,
    raw: null,
    usage: { input_tokens: null, output_tokens: null },
    cost_usd: null,
    started_at: Date.now(),
    ended_at: Date.now(),
  };
  try {
    const answer = await provider.complete({
      model,
      system,
      user,
      schema,
      schemaName: JUDGE_SCHEMA_NAME,
      temperature: cfg.temperature,
      maxTokens: cfg.max_tokens,
      policy: { ...policy, timeoutMs: cfg.timeout_ms },
    });
    exchange.raw = answer.raw;
    exchange.model = answer.model;
    exchange.usage = answer.usage;
    exchange.cost_usd = callCost(provider, model, answer.usage);
    exchange.ended_at = Date.now();
    return { verdict: verdictOf(cfg.output, answer), exchange };
  } catch (err) {
    exchange.ended_at = Date.now();
    return { error: asEvalError(err), exchange };
  }
}
