/**
 * Provider connections per project: create, list, update, delete, and load one ready to
 * call (key decrypted in memory only). The API key is write-only: stored as AES-GCM
 * ciphertext, answered as `has_api_key`, never returned or logged.
 */
import type { z } from 'zod';
import { ProviderCreate, ProviderOptions, ProviderPatch, type ProviderOut } from '../../schema/wire/providers.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { checkEndpointUrl } from '../platform/outbound.ts';
import { decryptSecret, encryptSecret, type SealedColumn } from '../platform/secrets.ts';
import { OPENAI_BASE_URL, openAiComplete } from './openai.ts';
import { ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, anthropicComplete } from './anthropic.ts';
import { anthropicChat, openAiChat } from './chat.ts';
import { workersAiComplete } from './workers-ai.ts';
import type { JudgeProvider } from './types.ts';

interface ProviderRow {
  id: string;
  name: string;
  type: 'openai' | 'anthropic' | 'workers_ai';
  base_url: string | null;
  default_model: string | null;
  key_ciphertext: string | null;
  options: string;
  created_at: number;
  updated_at: number;
}

type Options = z.output<typeof ProviderOptions>;

/** Associated data binding a key's ciphertext to its row. */
const keyContext = (projectId: string, id: string) => `provider:${projectId}:${id}`;

function out(row: ProviderRow): ProviderOut {
  const options = ProviderOptions.parse(JSON.parse(row.options));
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    base_url: row.base_url,
    default_model: row.default_model,
    has_api_key: row.key_ciphertext !== null,
    options,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

function checkBaseUrl(type: string, baseUrl: string | null | undefined): void {
  if (type === 'workers_ai' && baseUrl) throw new ApiError(400, 'invalid_request', 'base_url: Workers AI uses the AI binding, not a URL', 'base_url');
  if (baseUrl) {
    const why = checkEndpointUrl(baseUrl);
    if (why) throw new ApiError(400, 'invalid_request', `base_url ${why}`, 'base_url');
  }
}

/** The vendors' own hosted APIs, which answer every request without a key with 401. */
const HOSTED_APIS: Record<string, string> = { 'api.openai.com': 'OpenAI', 'api.anthropic.com': 'Anthropic' };

/**
 * A connection to OpenAI's or Anthropic's hosted API without a key could never work, so it
 * is refused when it is made instead of failing every judge call later. Self-hosted and
 * local servers (Ollama, vLLM, a gateway) may go without one.
 */
function checkKeyNeeded(type: ProviderRow['type'], baseUrl: string | null | undefined, hasKey: boolean): void {
  if (hasKey || type === 'workers_ai') return;
  const url = baseUrl ?? (type === 'openai' ? OPENAI_BASE_URL : ANTHROPIC_BASE_URL);
  const vendor = HOSTED_APIS[new URL(url).hostname];
  if (vendor) throw new ApiError(400, 'invalid_request', `api_key: ${vendor}'s API (${url}) needs an API key; only self-hosted or local servers (Ollama, vLLM, a gateway) work without one`, 'api_key');
}

/** Creates a provider connection. */
export async function createProvider(env: Env, projectId: string, body: z.output<typeof ProviderCreate>): Promise<ProviderOut> {
  checkBaseUrl(body.type, body.base_url);
  checkKeyNeeded(body.type, body.base_url, !!body.api_key);
  const id = `prv_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const now = Date.now();
  const sealed = body.api_key ? await encryptSecret(env, body.api_key, keyContext(projectId, id)) : null;
  const options = ProviderOptions.parse(body.options ?? {});
  const row = await dbFor(env, projectId)
    .prepare(
      `INSERT INTO eval_providers (project_id, id, name, type, base_url, default_model, key_ciphertext, options, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(projectId, id, body.name, body.type, body.base_url ?? null, body.default_model ?? null, sealed, JSON.stringify(options), now, now)
    .first<ProviderRow>();
  return out(row!);
}

/** The project's provider connections. */
export async function listProviders(env: Env, projectId: string): Promise<ProviderOut[]> {
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT * FROM eval_providers WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 200')
    .bind(projectId)
    .all<ProviderRow>();
  return results.map(out);
}

async function row(env: Env, projectId: string, id: string): Promise<ProviderRow> {
  const r = await dbFor(env, projectId).prepare('SELECT * FROM eval_providers WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(projectId, id).first<ProviderRow>();
  if (!r) throw new ApiError(404, 'not_found', `provider '${id}' not found in this project`, 'id');
  return r;
}

/** One provider connection. */
export async function getProvider(env: Env, projectId: string, id: string): Promise<ProviderOut> {
  return out(await row(env, projectId, id));
}

/** Updates a provider connection; `api_key: null` removes the key. */
export async function updateProvider(env: Env, projectId: string, id: string, patch: z.output<typeof ProviderPatch>): Promise<ProviderOut> {
  const current = await row(env, projectId, id);
  const baseUrl = patch.base_url === undefined ? current.base_url : patch.base_url;
  checkBaseUrl(current.type, baseUrl);
  let sealed = current.key_ciphertext;
  // Only a change of key or URL is checked, so an older keyless connection can still be renamed.
  if (patch.api_key !== undefined || patch.base_url !== undefined) checkKeyNeeded(current.type, baseUrl, patch.api_key === undefined ? current.key_ciphertext !== null : patch.api_key !== null);
  if (patch.api_key === null) sealed = null;
  else if (patch.api_key !== undefined) sealed = await encryptSecret(env, patch.api_key, keyContext(projectId, id));
  const options = patch.options ? ProviderOptions.parse(patch.options) : JSON.parse(current.options);
  const updated = await dbFor(env, projectId)
    .prepare(
      `UPDATE eval_providers SET name = ?, base_url = ?, default_model = ?, key_ciphertext = ?, options = ?, updated_at = ?
        WHERE project_id = ? AND id = ? AND deleted_at IS NULL RETURNING *`,
    )
    .bind(
      patch.name ?? current.name,
      baseUrl,
      patch.default_model === undefined ? current.default_model : patch.default_model,
      sealed,
      JSON.stringify(options),
      Date.now(),
      projectId,
      id,
    )
    .first<ProviderRow>();
  return out(updated!);
}

/** Deletes a provider connection (its key ciphertext is erased; judges using it then fail with a clear error). */
export async function deleteProvider(env: Env, projectId: string, id: string): Promise<void> {
  const res = await dbFor(env, projectId)
    .prepare('UPDATE eval_providers SET deleted_at = ?, key_ciphertext = NULL WHERE project_id = ? AND id = ? AND deleted_at IS NULL')
    .bind(Date.now(), projectId, id)
    .run();
  if (!res.meta.changes) throw new ApiError(404, 'not_found', `provider '${id}' not found in this project`, 'id');
}

/** True when the project has this provider (for evaluator validation). */
export async function providerExists(env: Env, projectId: string, id: string): Promise<boolean> {
  return (await dbFor(env, projectId).prepare('SELECT 1 FROM eval_providers WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(projectId, id).first()) !== null;
}

/** Loads a provider ready to call, or null when it does not exist (deleted). */
export async function loadProvider(env: Env, projectId: string, id: string): Promise<JudgeProvider | null> {
  const r = await dbFor(env, projectId).prepare('SELECT * FROM eval_providers WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(projectId, id).first<ProviderRow>();
  if (!r) return null;
  const options: Options = ProviderOptions.parse(JSON.parse(r.options));
  const apiKey = r.key_ciphertext ? await decryptSecret(env, r.key_ciphertext, keyContext(projectId, id)) : null;
  const base = { id: r.id, type: r.type, name: r.name, defaultModel: r.default_model, maxConcurrency: options.max_concurrency, prices: options.prices };
  switch (r.type) {
    case 'openai':
      return {
        ...base,
        complete: (req) => openAiComplete({ baseUrl: r.base_url ?? OPENAI_BASE_URL, apiKey, structuredOutput: options.structured_output }, req),
        chat: (req) => openAiChat({ baseUrl: r.base_url ?? OPENAI_BASE_URL, apiKey }, req),
      };
    case 'anthropic':
      return {
        ...base,
        complete: (req) => anthropicComplete({ baseUrl: r.base_url ?? ANTHROPIC_BASE_URL, apiKey }, req),
        chat: (req) => anthropicChat({ baseUrl: r.base_url ?? ANTHROPIC_BASE_URL, apiKey, version: ANTHROPIC_VERSION }, req),
      };
    case 'workers_ai':
      return { ...base, complete: (req) => workersAiComplete(env.AI as never, req) };
  }
}

/** Where provider keys are sealed, for key rotation (platform/secrets.ts reencryptColumn). */
export const providerKeyColumn: SealedColumn = {
  table: 'eval_providers',
  keys: ['project_id', 'id'],
  sealed: 'key_ciphertext',
  set: 'key_ciphertext = ?',
  context: (r) => keyContext(r.project_id, r.id),
};
