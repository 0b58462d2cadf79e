/**
 * A project's redaction policy: read (cached per isolate), saved (custom patterns checked
 * first), and applied by the batch writer to every batch before it reaches R2.
 */
import type { NormalizedSpan } from '../../../schema/wire/span.ts';
import { REDACTION_DETECTORS, type RedactionIn, type RedactionOut } from '../../../schema/wire/redaction.ts';
import type { z } from 'zod';
import { ApiError } from '../../platform/errors.ts';
import { dbFor } from '../../platform/db.ts';
import { decryptSecret, encryptSecret, type SealedColumn } from '../../platform/secrets.ts';
import { redactSpans, unsafePattern, type RedactionPolicy } from './redact.ts';

interface SettingsRow {
  enabled: number;
  mode: 'mask' | 'hash';
  detectors: string;
  custom: string;
  hash_key_sealed: string | null;
  updated_at: number;
}

export const redactionKeyContext = (projectId: string) => `redaction:${projectId}`;

/** Where the hash keys are sealed, for key rotation (workers/secrets). */
export const redactionKeyColumn: SealedColumn = {
  table: 'redaction_settings',
  keys: ['project_id'],
  sealed: 'hash_key_sealed',
  set: 'hash_key_sealed = ?',
  context: (r) => redactionKeyContext(r.project_id),
};

/**
 * How long an isolate trusts the policy it read: ingest reads it once per project per this
 * many ms instead of one D1 query per request. A change applies in the saving isolate at
 * once and in the others within this time (docs/redaction.md).
 */
export const POLICY_CACHE_MS = 10_000;
const cache = new Map<string, { at: number; policy: Promise<RedactionPolicy | null> }>();

async function readSettings(env: Env, projectId: string): Promise<SettingsRow | null> {
  return dbFor(env, projectId)
    .prepare('SELECT enabled, mode, detectors, custom, hash_key_sealed, updated_at FROM redaction_settings WHERE project_id = ?1')
    .bind(projectId)
    .first<SettingsRow>();
}

async function hmacKey(env: Env, projectId: string, sealed: string): Promise<CryptoKey> {
  const raw = Uint8Array.from(atob(await decryptSecret(env, sealed, redactionKeyContext(projectId))), (c) => c.charCodeAt(0));
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

async function loadPolicy(env: Env, projectId: string): Promise<RedactionPolicy | null> {
  const row = await readSettings(env, projectId);
  if (!row || !row.enabled) return null;
  const custom = (JSON.parse(row.custom) as { name: string; pattern: string }[]).map((c) => ({ name: c.name, re: new RegExp(c.pattern, 'g') }));
  return {
    mode: row.mode,
    detectors: new Set(JSON.parse(row.detectors) as string[]),
    custom,
    hmacKey: row.mode === 'hash' && row.hash_key_sealed ? await hmacKey(env, projectId, row.hash_key_sealed) : undefined,
  };
}

/** The policy ingest applies for a project, or null when redaction is off. */
export function redactionPolicy(env: Env, projectId: string, now = Date.now()): Promise<RedactionPolicy | null> {
  const hit = cache.get(projectId);
  if (hit && now - hit.at < POLICY_CACHE_MS) return hit.policy;
  const policy = loadPolicy(env, projectId);
  cache.set(projectId, { at: now, policy });
  // A failed read must not stick: the next batch reads again (and this one fails, unacknowledged).
  policy.catch(() => cache.delete(projectId));
  return policy;
}

/**
 * The batch as it may be stored: redacted when the project's policy is on. Runs before the
 * R2 put, so an acknowledged batch never held the raw values anywhere.
 */
export async function redactBatch(env: Env, projectId: string, spans: readonly NormalizedSpan[]): Promise<readonly NormalizedSpan[]> {
  const policy = await redactionPolicy(env, projectId);
  return policy ? redactSpans(spans, policy) : spans;
}

function out(row: SettingsRow | null): RedactionOut {
  if (!row) return { enabled: false, mode: 'mask', detectors: [...REDACTION_DETECTORS], custom: [], updated_at: null };
  return {
    enabled: row.enabled === 1,
    mode: row.mode,
    detectors: JSON.parse(row.detectors),
    custom: JSON.parse(row.custom),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** The project's policy as the API shows it (off with every detector chosen when never set). */
export async function getRedaction(env: Env, projectId: string): Promise<RedactionOut> {
  return out(await readSettings(env, projectId));
}

/**
 * Saves the policy. Custom patterns are compiled and probed first; a pattern that is not a
 * regex, matches the empty string or can backtrack exponentially is a 400 naming it, and
 * nothing is saved. The hash key is made the first time hash mode is chosen and then kept,
 * so switching modes back and forth never changes the hashes of equal values.
 */
export async function saveRedaction(env: Env, projectId: string, input: z.output<typeof RedactionIn>, now = Date.now()): Promise<RedactionOut> {
  for (const [i, c] of input.custom.entries()) {
    const why = unsafePattern(c.pattern);
    if (why) throw new ApiError(400, 'invalid_request', `custom[${i}].pattern (${c.name}): ${why}`, `custom[${i}].pattern`);
  }
  const names = input.custom.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ApiError(400, 'invalid_request', `custom: the name ${dup} is used twice`, 'custom');
  const current = await readSettings(env, projectId);
  let sealed = current?.hash_key_sealed ?? null;
  if (input.mode === 'hash' && !sealed) {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    sealed = await encryptSecret(env, btoa(String.fromCharCode(...raw)), redactionKeyContext(projectId));
  }
  const detectors = [...new Set(input.detectors)];
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO redaction_settings (project_id, enabled, mode, detectors, custom, hash_key_sealed, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (project_id) DO UPDATE SET enabled = excluded.enabled, mode = excluded.mode, detectors = excluded.detectors, custom = excluded.custom,
         hash_key_sealed = COALESCE(redaction_settings.hash_key_sealed, excluded.hash_key_sealed), updated_at = excluded.updated_at`,
    )
    .bind(projectId, input.enabled ? 1 : 0, input.mode, JSON.stringify(detectors), JSON.stringify(input.custom), sealed, now)
    .run();
  cache.delete(projectId);
  return out(await readSettings(env, projectId));
}
