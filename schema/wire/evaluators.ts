/**
 * Wire schemas for evaluators: their configurations by kind (code checks, LLM judges,
 * webhooks), what they score (trace or spans), the evaluators API and its templates. Also
 * the OpenAPI source for those routes. Reference: docs/evaluators.md.
 */
import { z } from 'zod';
import { FeedbackKey } from './feedback.ts';
import { ValueSource } from '../values/source.ts';

// ---------------------------------------------------------------------------------------
// Code checks
// ---------------------------------------------------------------------------------------

/** How tool-call arguments are compared. */
export const ArgsMatch = z.enum(['ignore', 'exact', 'subset']).meta({
  id: 'ArgsMatch',
  description: '`ignore`: names only; `exact`: equal JSON; `subset`: every expected key/value is present (recursively) in the actual arguments',
});

/**
 * An expected tool call. `kwargs` (tau-bench) and `arguments` (OpenAI) are aliases of `args`,
 * given literally or read from data alike (workers/evals/trajectory.ts expectedCall reads them).
 */
export const ToolCallSpec = z
  .object({ name: z.string().min(1).max(256), args: z.unknown().optional(), kwargs: z.unknown().optional(), arguments: z.unknown().optional() })
  .strict()
  .refine((o) => [o.args, o.kwargs, o.arguments].filter((a) => a !== undefined).length <= 1, { message: 'give the arguments once: args, kwargs or arguments' })
  .meta({ id: 'ToolCallSpec' });
export type ToolCallSpec = z.infer<typeof ToolCallSpec>;

const code = <C extends string, S extends z.ZodRawShape>(check: C, shape: S, description: string) =>
  z.object({ type: z.literal('code'), check: z.literal(check), ...shape }).strict().meta({ description });

const value = ValueSource.default('output');
const expectedPair = {
  expected: z.unknown().optional().meta({ description: 'The reference value, given literally' }),
  expected_from: ValueSource.optional().meta({ description: 'Where to read the reference (e.g. `trace.metadata.reference`)' }),
};
const bothOrNeither = (c: { expected?: unknown; expected_from?: string }) => (c.expected === undefined) !== (c.expected_from === undefined);
const needsExpected = { message: 'give exactly one of expected or expected_from', path: ['expected'] };

/** Code checks: deterministic, free, run inside the Worker. */
export const CodeCheck = z.discriminatedUnion('check', [
  code('exact_match', { value, ...expectedPair, case_sensitive: z.boolean().default(true), trim: z.boolean().default(true) }, 'Text equality (non-text values compare as JSON)').refine(bothOrNeither, needsExpected),
  code('json_equal', { value, ...expectedPair }, 'JSON equality (key order ignored; JSON text is parsed first)').refine(bothOrNeither, needsExpected),
  code('json_valid', { value }, 'The value is JSON (an object or array, or text that parses as JSON)'),
  code('json_schema', { value, schema: z.record(z.string(), z.unknown()).meta({ description: 'A JSON Schema (draft 2020-12, 2019-09, 7 or 4)' }) }, 'The value validates against a JSON Schema'),
  code('regex', { value, pattern: z.string().min(1).max(1000), flags: z.string().regex(/^[imsu]*$/, 'flags may use only i, m, s, u').default('') }, 'The value matches a regular expression'),
  code('contains', { value, text: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(100)]), mode: z.enum(['any', 'all']).default('any'), case_sensitive: z.boolean().default(true) }, 'The value contains the text (any or all of several)'),
  code('not_contains', { value, text: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(100)]), case_sensitive: z.boolean().default(true) }, 'The value contains none of the texts'),
  code('length', { value, min: z.number().int().nonnegative().optional(), max: z.number().int().nonnegative().optional() }, 'Characters of the value (JSON text for non-text values) within bounds').refine((c) => c.min != null || c.max != null, { message: 'give min, max or both', path: ['min'] }),
  code('latency', { max_ms: z.number().positive() }, 'Latency of the trace (or span) at most max_ms'),
  code('tokens', { max: z.number().int().positive() }, 'Total tokens at most max'),
  code('cost', { max_usd: z.number().positive() }, 'Cost at most max_usd'),
  code('error_free', {}, 'No span of the trace (or of the span subtree) failed'),
  code('tool_called', { tool: z.string().min(1).max(256), args: z.unknown().optional(), args_match: ArgsMatch.default('subset'), min_times: z.number().int().positive().default(1) }, 'A tool was called (with matching arguments, at least min_times)'),
  code('tool_not_called', { tool: z.string().min(1).max(256), args: z.unknown().optional(), args_match: ArgsMatch.default('subset') }, 'A tool was never called (with matching arguments, when given)'),
  code(
    'tool_sequence',
    {
      expected: z.array(ToolCallSpec).max(200).optional().meta({ description: 'The expected tool calls, given literally' }),
      expected_from: ValueSource.optional().meta({ description: 'Where to read the expected calls per trace, e.g. `trace.metadata.expected_actions` (items `{name, args|kwargs|arguments}`)' }),
      mode: z.enum(['strict', 'unordered', 'subset', 'superset']).default('strict'),
      args_match: ArgsMatch.default('ignore'),
    },
    '`strict`: the same calls in the same order; `unordered`: the same calls in any order; `subset`: every actual call is an expected one; `superset`: every expected call was made (extra calls allowed)',
  ).refine(bothOrNeither, needsExpected),
  code(
    'step_limit',
    { max_tool_calls: z.number().int().nonnegative().optional(), max_llm_calls: z.number().int().nonnegative().optional(), max_spans: z.number().int().positive().optional() },
    'At most this many tool calls / LLM calls / spans',
  ).refine((c) => c.max_tool_calls != null || c.max_llm_calls != null || c.max_spans != null, { message: 'give at least one limit', path: ['max_tool_calls'] }),
  code('no_loops', { max_identical_calls: z.number().int().positive().default(2), consecutive_only: z.boolean().default(false) }, 'No tool is called with the same arguments more than max_identical_calls times (in a row, with consecutive_only)'),
]);
export type CodeCheck = z.output<typeof CodeCheck>;
/** Every code check name. */
export const CODE_CHECKS = CodeCheck.options.map((o) => o.shape.check.value);

// ---------------------------------------------------------------------------------------
// LLM judge
// ---------------------------------------------------------------------------------------

/** What the judge must answer. Its reasoning always comes first and is kept as the comment. */
export const JudgeOutput = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('boolean') }).strict().meta({ description: 'true/false, stored as score 1/0' }),
    z
      .object({ type: z.literal('number'), min: z.number(), max: z.number() })
      .strict()
      .refine((o) => o.max > o.min, { message: 'max must be greater than min', path: ['max'] })
      .meta({ description: 'A number in [min, max], stored as the score' }),
    z
      .object({
        type: z.literal('category'),
        categories: z.array(z.string().min(1).max(64)).min(2).max(20),
        scores: z.record(z.string(), z.number()).optional().meta({ description: 'A score per category (else the score is empty and the category is the value)' }),
      })
      .strict()
      .refine((o) => new Set(o.categories).size === o.categories.length, { message: 'categories must be distinct', path: ['categories'] })
      .refine((o) => !o.scores || Object.keys(o.scores).every((k) => o.categories.includes(k)), { message: 'scores may only name listed categories', path: ['scores'] })
      .meta({ description: 'One of the categories, stored as the value' }),
  ])
  .meta({ id: 'JudgeOutput' });
export type JudgeOutput = z.output<typeof JudgeOutput>;

const VariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be letters, digits and _ (not starting with a digit)');

/** Few-shot from people: up to `k` examples people labelled, chosen by recency or similarity, within a token budget. */
export const FewShot = z
  .object({
    k: z.number().int().min(1).max(20).meta({ description: 'Most examples to include' }),
    select: z.enum(['recent', 'similar']).default('recent').meta({ description: "'recent': the newest labels; 'similar': the labelled traces whose input shares the most words with this one" }),
    human_key: z.string().min(1).max(200).optional().meta({ description: "People's feedback key (source human) the examples carry (default: the evaluator's key)" }),
    max_tokens: z.number().int().min(50).max(20_000).default(1500).meta({ description: 'Token budget of all examples together (estimated at 4 characters a token)' }),
  })
  .strict()
  .meta({ id: 'JudgeFewShot' });

/** An LLM-as-judge evaluator: a prompt template, variables mapped from the trace, an output contract. */
export const JudgeConfig = z
  .object({
    type: z.literal('judge'),
    provider_id: z.string().min(1).max(64),
    model: z.string().min(1).max(256).optional().meta({ description: "Defaults to the provider's default model" }),
    prompt: z.object({ system: z.string().max(20_000).optional(), user: z.string().min(1).max(50_000) }).strict().meta({ description: 'Templates; `{{name}}` inserts a variable' }),
    variables: z.record(VariableName, ValueSource).default({}).meta({ description: 'Variable name -> where its value comes from' }),
    output: JudgeOutput,
    temperature: z.number().min(0).max(2).default(0),
    max_tokens: z.number().int().min(16).max(16_000).default(1024),
    trajectory_max_tokens: z.number().int().min(200).max(100_000).default(4000).meta({ description: 'Token budget of the rendered trajectory variable' }),
    timeout_ms: z.number().int().min(100).max(120_000).default(30_000),
    few_shot: FewShot.optional().meta({ description: 'Include human-labelled examples in the prompt (at {{examples}}, else after the system prompt)' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const [field, text] of [['system', c.prompt.system ?? ''], ['user', c.prompt.user]] as const) {
      for (const m of text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)) {
        // {{examples}} is filled by few_shot, not by a variable.
        if (m[1] === 'examples' && c.few_shot) continue;
        if (!(m[1] in c.variables)) ctx.addIssue({ code: 'custom', message: `uses {{${m[1]}}} but variables has no '${m[1]}'`, path: ['prompt', field] });
      }
    }
  })
  .meta({ id: 'JudgeConfig' });
export type JudgeConfig = z.output<typeof JudgeConfig>;

// ---------------------------------------------------------------------------------------
// Webhook
// ---------------------------------------------------------------------------------------

/** A webhook evaluator: Loupe POSTs the trace (HMAC-signed) and stores the score it answers. */
export const WebhookConfig = z
  .object({
    type: z.literal('webhook'),
    url: z.url().max(2000).meta({ description: 'HTTPS endpoint (plain http only for localhost, for local development)' }),
    timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().max(1000)).optional().meta({ description: 'Extra non-secret headers' }),
  })
  .strict()
  .meta({ id: 'WebhookConfig' });
export type WebhookConfig = z.output<typeof WebhookConfig>;

/** What a webhook answers. */
export const WebhookAnswer = z
  .object({
    score: z.union([z.number(), z.boolean()]).nullish(),
    value: z.unknown().optional(),
    comment: z.string().max(65_536).nullish(),
  })
  .refine((a) => a.score != null || a.value !== undefined, { message: 'answer needs score or value' })
  .meta({ id: 'WebhookAnswer' });

/** An evaluator's configuration, by kind. */
export const EvaluatorConfig = z.discriminatedUnion('type', [CodeCheck, JudgeConfig, WebhookConfig]).meta({ id: 'EvaluatorConfig' });
export type EvaluatorConfig = z.output<typeof EvaluatorConfig>;

/** What an evaluator scores: the whole trace, or each span matching a filter. */
export const EvaluatorTarget = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('trace') }).strict(),
    z.object({ type: z.literal('span'), filter: z.string().min(1).max(4000).meta({ description: 'A span filter, e.g. `kind=tool`' }) }).strict(),
  ])
  .meta({ id: 'EvaluatorTarget' });
export type EvaluatorTarget = z.output<typeof EvaluatorTarget>;

// ---------------------------------------------------------------------------------------
// Evaluators API
// ---------------------------------------------------------------------------------------

/** POST /v1/evaluators. With `template`, omitted fields come from the template. */
export const EvaluatorCreate = z
  .object({
    name: z.string().min(1).max(128).optional(),
    key: FeedbackKey.optional().meta({ description: 'The feedback key its scores use (default: the template key)' }),
    description: z.string().max(2000).optional(),
    template: z.string().max(64).optional().meta({ description: 'Start from a template (GET /v1/evaluator-templates)' }),
    target: EvaluatorTarget.optional(),
    config: z.record(z.string(), z.unknown()).optional().meta({ description: 'EvaluatorConfig; with a template, fields given here override the template and `null` removes one (JSON merge patch)' }),
    secret: z.string().min(16).max(256).optional().meta({ description: 'Webhook signing secret (write-only; generated when omitted)' }),
  })
  .strict()
  .meta({ id: 'EvaluatorCreate', example: { template: 'helpfulness', config: { provider_id: 'prv_123', model: 'gpt-4o-mini' } } });

/** PATCH /v1/evaluators/{id}: any change makes a new version. */
export const EvaluatorPatch = z
  .object({
    name: z.string().min(1).max(128).optional(),
    key: FeedbackKey.optional(),
    description: z.string().max(2000).nullable().optional(),
    target: EvaluatorTarget.optional(),
    config: z.record(z.string(), z.unknown()).optional().meta({ description: 'A whole EvaluatorConfig, or for the same type (and check) only the fields to change, `null` removing one (JSON merge patch)' }),
    secret: z.string().min(16).max(256).optional(),
  })
  .strict()
  .meta({ id: 'EvaluatorPatch' });

/** An evaluator version as the API shows it (secrets never included). */
export const EvaluatorOut = z
  .object({
    id: z.string(),
    version: z.number(),
    name: z.string(),
    key: z.string(),
    kind: z.enum(['code', 'judge', 'webhook']),
    description: z.string().nullable(),
    target: EvaluatorTarget,
    config: EvaluatorConfig,
    template: z.string().nullable(),
    has_secret: z.boolean().meta({ description: 'Webhooks: a signing secret is set' }),
    created_at: z.string(),
    updated_at: z.string(),
    deleted_at: z.string().nullable(),
  })
  .meta({ id: 'Evaluator' });
export type EvaluatorOut = z.infer<typeof EvaluatorOut>;

/** A template to start an evaluator from. */
export const EvaluatorTemplate = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    key: z.string(),
    kind: z.enum(['code', 'judge', 'webhook']),
    target: EvaluatorTarget,
    config: z.record(z.string(), z.unknown()),
    needs: z.array(z.string()).meta({ description: 'What the trace must carry, e.g. a reference in trace.metadata.reference' }),
  })
  .meta({ id: 'EvaluatorTemplate' });
export type EvaluatorTemplate = z.infer<typeof EvaluatorTemplate>;
