/**
 * Wire schemas for LLM provider connections (OpenAI-compatible, Anthropic, Workers AI),
 * which judges call. The API key is write-only. Reference: docs/evaluators.md.
 */
import { z } from 'zod';

const Price = z.object({ input_usd_per_mtok: z.number().nonnegative(), output_usd_per_mtok: z.number().nonnegative() }).strict();

/** Provider options. */
export const ProviderOptions = z
  .object({
    max_concurrency: z.number().int().min(1).max(6).default(4).meta({ description: 'Judge calls in flight at once per queue consumer (Workers allow 6 open connections)' }),
    prices: z.record(z.string(), Price).default({}).meta({ description: 'USD per million tokens by model, for the daily spend cap' }),
    structured_output: z.enum(['json_schema', 'json_object']).default('json_schema').meta({ description: 'OpenAI-compatible only: `json_object` for servers without json_schema support' }),
  })
  .strict();

/** POST /v1/providers. */
export const ProviderCreate = z
  .object({
    name: z.string().min(1).max(128),
    type: z.enum(['openai', 'anthropic', 'workers_ai']),
    base_url: z.url().max(2000).optional().meta({ description: 'openai: e.g. https://api.openai.com/v1 (also vLLM, Ollama, OpenRouter); anthropic: default https://api.anthropic.com' }),
    default_model: z.string().min(1).max(256).optional(),
    api_key: z.string().min(1).max(4096).optional().meta({ description: 'Write-only: stored encrypted, never returned' }),
    options: ProviderOptions.optional(),
  })
  .strict()
  .meta({ id: 'ProviderCreate', example: { name: 'OpenAI', type: 'openai', base_url: 'https://api.openai.com/v1', default_model: 'gpt-4o-mini', api_key: 'sk-...' } });

/** PATCH /v1/providers/{id}. `api_key: null` removes the key. */
export const ProviderPatch = z
  .object({
    name: z.string().min(1).max(128).optional(),
    base_url: z.url().max(2000).nullable().optional(),
    default_model: z.string().min(1).max(256).nullable().optional(),
    api_key: z.string().min(1).max(4096).nullable().optional(),
    options: ProviderOptions.optional(),
  })
  .strict()
  .meta({ id: 'ProviderPatch' });

/** A provider as the API shows it: never the key, only whether one is set. */
export const ProviderOut = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(['openai', 'anthropic', 'workers_ai']),
    base_url: z.string().nullable(),
    default_model: z.string().nullable(),
    has_api_key: z.boolean(),
    options: z.object({ max_concurrency: z.number(), prices: z.record(z.string(), Price), structured_output: z.string() }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Provider' });
export type ProviderOut = z.infer<typeof ProviderOut>;
