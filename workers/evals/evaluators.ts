/**
 * Evaluators as versioned data: create (optionally from a template), list, read any
 * version, change (always a new version), delete. Definitions are validated completely at
 * write time (config, span filter, provider, regex, JSON Schema, webhook URL), so a
 * stored evaluator can always run. Webhook signing secrets are stored encrypted.
 */
import type { z } from 'zod';
import { EvaluatorConfig, EvaluatorTarget, type EvaluatorCreate, type EvaluatorOut, type EvaluatorPatch } from '../../schema/wire/evaluators.ts';
import { FeedbackKey } from '../../schema/wire/feedback.ts';
import { dbFor } from '../platform/db.ts';
import { compileQuery } from '../store/filter.ts';
import { ApiError, fromZodError } from '../platform/errors.ts';
import { findTemplate } from './templates.ts';
import { providerExists } from '../llm/providers.ts';
import { checkEndpointUrl } from '../platform/outbound.ts';
import { schemaValidator } from './checks.ts';
import { decryptSecret, encryptSecret, type SealedColumn } from '../platform/secrets.ts';

/** A stored evaluator version, ready to run. */
export interface EvaluatorVersion {
  id: string;
  version: number;
  name: string;
  key: string;
  kind: 'code' | 'judge' | 'webhook';
  description: string | null;
  target: EvaluatorTarget;
  config: EvaluatorConfig;
  template: string | null;
  /** Webhooks: the signing secret's ciphertext. */
  secretCiphertext: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

interface VersionRow {
  evaluator_id: string;
  version: number;
  name: string;
  key: string;
  kind: 'code' | 'judge' | 'webhook';
  description: string | null;
  target: string;
  config: string;
  template: string | null;
  created_at: number;
  head_updated_at: number;
  head_deleted_at: number | null;
}

const SELECT_VERSION = `SELECT v.*, e.updated_at AS head_updated_at, e.deleted_at AS head_deleted_at
  FROM evaluator_versions v JOIN evaluators e ON e.project_id = v.project_id AND e.id = v.evaluator_id`;

function fromRow(r: VersionRow): EvaluatorVersion {
  const stored = JSON.parse(r.config) as EvaluatorConfig & { secret_ciphertext?: string };
  const { secret_ciphertext, ...config } = stored;
  return {
    id: r.evaluator_id,
    version: r.version,
    name: r.name,
    key: r.key,
    kind: r.kind,
    description: r.description,
    target: JSON.parse(r.target),
    config: config as EvaluatorConfig,
    template: r.template,
    secretCiphertext: secret_ciphertext ?? null,
    createdAt: r.created_at,
    updatedAt: r.head_updated_at,
    deletedAt: r.head_deleted_at,
  };
}

/** An evaluator version as the API shows it (the secret only as `has_secret`). */
export function evaluatorOut(e: EvaluatorVersion): EvaluatorOut {
  return {
    id: e.id,
    version: e.version,
    name: e.name,
    key: e.key,
    kind: e.kind,
    description: e.description,
    target: e.target,
    config: e.config,
    template: e.template,
    has_secret: e.secretCiphertext !== null,
    created_at: new Date(e.createdAt).toISOString(),
    updated_at: new Date(e.updatedAt).toISOString(),
    deleted_at: e.deletedAt ? new Date(e.deletedAt).toISOString() : null,
  };
}

/** Associated data binding a webhook secret to its evaluator. */
const secretContext = (projectId: string, id: string) => `webhook:${projectId}:${id}`;

/** A fully validated definition, ready to store. */
interface Definition {
  name: string;
  key: string;
  description: string | null;
  target: EvaluatorTarget;
  config: EvaluatorConfig;
  template: string | null;
}

/**
 * Validates a definition against everything a run needs. `pathPrefix` puts errors where
 * the client sent them (e.g. `evaluator.config.pattern` for try-it).
 */
export async function validateDefinition(env: Env, projectId: string, input: { name?: string; key?: string; description?: string | null; target?: unknown; config?: Record<string, unknown>; template?: string | null }, pathPrefix = ''): Promise<Definition> {
  const at = (p: string) => (pathPrefix ? `${pathPrefix}.${p}` : p);
  const template = input.template ? findTemplate(input.template) : undefined;
  if (input.template && !template) throw new ApiError(400, 'invalid_request', `${at('template')}: no template '${input.template}' (see GET /v1/evaluator-templates)`, at('template'));
  const rawConfig = template ? mergeConfig(template.config, input.config ?? {}) : input.config;
  if (!rawConfig) throw new ApiError(400, 'invalid_request', `${at('config')}: required (or start from a template)`, at('config'));
  const config = EvaluatorConfig.safeParse(rawConfig);
  if (!config.success) throw fromZodError(config.error, at('config'));
  const target = EvaluatorTarget.safeParse(input.target ?? template?.target ?? { type: 'trace' });
  if (!target.success) throw fromZodError(target.error, at('target'));
  const name = input.name ?? template?.name;
  if (!name) throw new ApiError(400, 'invalid_request', `${at('name')}: required`, at('name'));
  const key = FeedbackKey.safeParse(input.key ?? template?.key);
  if (!key.success) throw new ApiError(400, 'invalid_request', `${at('key')}: ${input.key === undefined ? 'required' : key.error.issues[0].message}`, at('key'));

  if (target.data.type === 'span') compileQuery(target.data.filter, 'spans', projectId, Date.now(), at('target.filter'));
  const c = config.data;
  if (c.type === 'judge' && !(await providerExists(env, projectId, c.provider_id))) {
    throw new ApiError(400, 'invalid_request', `${at('config.provider_id')}: no provider '${c.provider_id}' in this project (POST /v1/providers)`, at('config.provider_id'));
  }
  if (c.type === 'webhook') {
    const why = checkEndpointUrl(c.url);
    if (why) throw new ApiError(400, 'invalid_request', `${at('config.url')} ${why}`, at('config.url'));
  }
  if (c.type === 'code' && c.check === 'regex') {
    try {
      new RegExp(c.pattern, c.flags);
    } catch (err) {
      throw new ApiError(400, 'invalid_request', `${at('config.pattern')}: ${(err as Error).message}`, at('config.pattern'));
    }
  }
  if (c.type === 'code' && c.check === 'json_schema') {
    try {
      schemaValidator(c.schema).validate(null);
    } catch (err) {
      throw new ApiError(400, 'invalid_request', `${at('config.schema')}: not a usable JSON Schema (${(err as Error).message})`, at('config.schema'));
    }
  }
  return { name, key: key.data, description: input.description ?? null, target: target.data, config: c, template: template?.id ?? input.template ?? null };
}

/** Template config with the client's fields over it (`prompt` merges by field). */
/**
 * Merges a partial config into a base (a template's, or the current version's) as a JSON
 * merge patch (RFC 7396) on the top level and `prompt`: given fields replace the base's and
 * `null` removes one, e.g. `{"expected": [...], "expected_from": null}` turns a template's
 * per-trace reference into a literal one. (So a literal `expected: null` cannot be merged in.)
 */
function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base, ...over };
  if (base.prompt && over.prompt && typeof over.prompt === 'object') merged.prompt = withoutNulls({ ...(base.prompt as object), ...(over.prompt as object) });
  return withoutNulls(merged);
}

const withoutNulls = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));

const newId = () => `ev_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;

/** A webhook signing secret made for the client when it sends none. */
function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/**
 * The insert of a version row, guarded so it only lands when the head row (written
 * earlier in the same D1 batch, i.e. the same transaction) now points at this version.
 */
function insertVersion(env: Env, projectId: string, id: string, version: number, d: Definition, secretCiphertext: string | null, createdBy: string | null, now: number): D1PreparedStatement {
  const stored = secretCiphertext ? { ...d.config, secret_ciphertext: secretCiphertext } : d.config;
  return dbFor(env, projectId)
    .prepare(
      `INSERT INTO evaluator_versions (project_id, evaluator_id, version, name, key, kind, description, target, config, template, created_at, created_by)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
        WHERE EXISTS (SELECT 1 FROM evaluators WHERE project_id = ?1 AND id = ?2 AND version = ?3 AND deleted_at IS NULL)`,
    )
    .bind(projectId, id, version, d.name, d.key, d.config.type, d.description, JSON.stringify(d.target), JSON.stringify(stored), d.template, now, createdBy);
}

/** Creates an evaluator (version 1). Webhooks get a signing secret, answered once as `signing_secret`. */
export async function createEvaluator(env: Env, projectId: string, body: z.output<typeof EvaluatorCreate>, createdBy: string | null): Promise<EvaluatorOut & { signing_secret?: string }> {
  const d = await validateDefinition(env, projectId, body);
  const id = newId();
  const now = Date.now();
  let secret: string | undefined;
  let sealed: string | null = null;
  if (d.config.type === 'webhook') {
    secret = body.secret ?? generateSecret();
    sealed = await encryptSecret(env, secret, secretContext(projectId, id));
  }
  const db = dbFor(env, projectId);
  await db.batch([
    db.prepare('INSERT INTO evaluators (project_id, id, version, name, kind, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?, ?)').bind(projectId, id, d.name, d.config.type, now, now),
    insertVersion(env, projectId, id, 1, d, sealed, createdBy, now),
  ]);
  const created = evaluatorOut({ id, version: 1, ...d, kind: d.config.type, secretCiphertext: sealed, createdAt: now, updatedAt: now, deletedAt: null });
  // Shown once, like an API key, so the team can verify signatures; never again.
  return secret && !body.secret ? { ...created, signing_secret: secret } : created;
}

/** The newest version of each evaluator in the project (deleted ones only when asked). */
export async function listEvaluators(env: Env, projectId: string, includeDeleted = false): Promise<EvaluatorOut[]> {
  const { results } = await dbFor(env, projectId)
    .prepare(`${SELECT_VERSION} WHERE v.project_id = ? AND v.version = e.version ${includeDeleted ? '' : 'AND e.deleted_at IS NULL'} ORDER BY e.updated_at DESC LIMIT 500`)
    .bind(projectId)
    .all<VersionRow>();
  return results.map((r) => evaluatorOut(fromRow(r)));
}

/** One version (default: the newest) of an evaluator; deleted evaluators are still readable. */
export async function loadEvaluator(env: Env, projectId: string, id: string, version?: number): Promise<EvaluatorVersion | null> {
  const row = await dbFor(env, projectId)
    .prepare(`${SELECT_VERSION} WHERE v.project_id = ? AND v.evaluator_id = ? AND v.version = ${version ? '?' : 'e.version'}`)
    .bind(...(version ? [projectId, id, version] : [projectId, id]))
    .first<VersionRow>();
  return row ? fromRow(row) : null;
}

/**
 * The version rules run: the agreement gate's live version when the evaluator has a gate
 * (table evaluator_gates, kept by workers/calibration/gates.ts), else the newest. Read here
 * in SQL so the evals consumer never imports the room above it.
 */
export async function loadRunnableEvaluator(env: Env, projectId: string, id: string): Promise<EvaluatorVersion | null> {
  const row = await dbFor(env, projectId)
    .prepare(
      `${SELECT_VERSION} WHERE v.project_id = ?1 AND v.evaluator_id = ?2
        AND v.version = COALESCE((SELECT g.live_version FROM evaluator_gates g WHERE g.project_id = ?1 AND g.evaluator_id = ?2), e.version)`,
    )
    .bind(projectId, id)
    .first<VersionRow>();
  return row ? fromRow(row) : null;
}

/** Like loadEvaluator, but a 404 when missing. */
export async function getEvaluator(env: Env, projectId: string, id: string, version?: number): Promise<EvaluatorVersion> {
  const e = await loadEvaluator(env, projectId, id, version);
  if (!e) throw new ApiError(404, 'not_found', version ? `evaluator '${id}' has no version ${version} in this project` : `evaluator '${id}' not found in this project`, 'id');
  return e;
}

/** Every version of an evaluator, newest first. */
export async function listVersions(env: Env, projectId: string, id: string): Promise<EvaluatorOut[]> {
  const { results } = await dbFor(env, projectId)
    .prepare(`${SELECT_VERSION} WHERE v.project_id = ? AND v.evaluator_id = ? ORDER BY v.version DESC LIMIT 1000`)
    .bind(projectId, id)
    .all<VersionRow>();
  if (!results.length) throw new ApiError(404, 'not_found', `evaluator '${id}' not found in this project`, 'id');
  return results.map((r) => evaluatorOut(fromRow(r)));
}

/**
 * Changes an evaluator: the newest version plus the patch becomes a new version. A config
 * of the same type may be partial (fields to change); another type replaces it whole.
 * The version number is claimed with a conditional update, so two concurrent edits make
 * two versions rather than one overwriting the other.
 */
export async function updateEvaluator(env: Env, projectId: string, id: string, patch: z.output<typeof EvaluatorPatch>, createdBy: string | null): Promise<EvaluatorOut> {
  const current = await getEvaluator(env, projectId, id);
  if (current.deletedAt) throw new ApiError(409, 'conflict', `evaluator '${id}' is deleted`, 'id');
  // Partial configs merge into the current one only when they describe the same thing
  // (same type, and for code checks the same check); otherwise they replace it.
  const cur = current.config as unknown as Record<string, unknown>;
  const same = patch.config && (patch.config.type ?? cur.type) === cur.type && (cur.type !== 'code' || (patch.config.check ?? cur.check) === cur.check);
  const config = patch.config ? (same ? mergeConfig(cur, patch.config) : patch.config) : cur;
  const d = await validateDefinition(env, projectId, {
    name: patch.name ?? current.name,
    key: patch.key ?? current.key,
    description: patch.description === undefined ? current.description : patch.description,
    target: patch.target ?? current.target,
    config,
  });
  d.template = current.template;
  let sealed = d.config.type === 'webhook' ? current.secretCiphertext : null;
  if (d.config.type === 'webhook' && (patch.secret || !sealed)) sealed = await encryptSecret(env, patch.secret ?? generateSecret(), secretContext(projectId, id));
  const now = Date.now();
  const db = dbFor(env, projectId);
  const version = current.version + 1;
  const [claim] = await db.batch([
    db.prepare('UPDATE evaluators SET version = ?, name = ?, kind = ?, updated_at = ? WHERE project_id = ? AND id = ? AND version = ? AND deleted_at IS NULL').bind(version, d.name, d.config.type, now, projectId, id, current.version),
    insertVersion(env, projectId, id, version, d, sealed, createdBy, now),
  ]).catch((err) => {
    throw new ApiError(409, 'conflict', `evaluator '${id}' changed at the same time; retry (${(err as Error).message})`);
  });
  if (!claim.meta.changes) throw new ApiError(409, 'conflict', `evaluator '${id}' changed at the same time; retry`);
  return evaluatorOut({ id, version, ...d, kind: d.config.type, secretCiphertext: sealed, createdAt: now, updatedAt: now, deletedAt: null });
}

/** Deletes an evaluator: rules stop running it; its versions and scores stay readable. */
export async function deleteEvaluator(env: Env, projectId: string, id: string): Promise<void> {
  const res = await dbFor(env, projectId).prepare('UPDATE evaluators SET deleted_at = ?, updated_at = ? WHERE project_id = ? AND id = ? AND deleted_at IS NULL').bind(Date.now(), Date.now(), projectId, id).run();
  if (!res.meta.changes) throw new ApiError(404, 'not_found', `evaluator '${id}' not found in this project`, 'id');
}

/** The webhook secret of an evaluator version, decrypted (for signing only). */
export async function webhookSecret(env: Env, projectId: string, e: EvaluatorVersion): Promise<string | null> {
  return e.secretCiphertext ? decryptSecret(env, e.secretCiphertext, secretContext(projectId, e.id)) : null;
}

/** Ids among `ids` that are live evaluators of the project. */
export async function existingEvaluatorIds(env: Env, projectId: string, ids: string[]): Promise<Set<string>> {
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT id FROM evaluators WHERE project_id = ? AND deleted_at IS NULL AND id IN (SELECT value FROM json_each(?))')
    .bind(projectId, JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

/** An unsaved definition as a runnable version (try-it). */
export async function draftEvaluator(env: Env, projectId: string, body: z.output<typeof EvaluatorCreate>, pathPrefix: string): Promise<EvaluatorVersion> {
  const d = await validateDefinition(env, projectId, body, pathPrefix);
  const id = 'draft';
  const sealed = d.config.type === 'webhook' && body.secret ? await encryptSecret(env, body.secret, secretContext(projectId, id)) : null;
  const now = Date.now();
  return { id, version: 0, ...d, kind: d.config.type, secretCiphertext: sealed, createdAt: now, updatedAt: now, deletedAt: null };
}

/**
 * A saved evaluator with a patch applied (the PATCH body), as an unsaved runnable version
 * (number 0): what the version would be, for an alignment run before saving it.
 */
export async function patchedDraft(env: Env, projectId: string, id: string, patch: z.output<typeof EvaluatorPatch>, pathPrefix: string): Promise<EvaluatorVersion> {
  const current = await getEvaluator(env, projectId, id);
  const cur = current.config as unknown as Record<string, unknown>;
  const same = patch.config && (patch.config.type ?? cur.type) === cur.type && (cur.type !== 'code' || (patch.config.check ?? cur.check) === cur.check);
  const config = patch.config ? (same ? mergeConfig(cur, patch.config) : patch.config) : cur;
  const d = await validateDefinition(
    env,
    projectId,
    { name: patch.name ?? current.name, key: patch.key ?? current.key, description: patch.description === undefined ? current.description : patch.description, target: patch.target ?? current.target, config },
    pathPrefix,
  );
  d.template = current.template;
  return { id, version: 0, ...d, kind: d.config.type, secretCiphertext: current.secretCiphertext, createdAt: Date.now(), updatedAt: Date.now(), deletedAt: null };
}

/**
 * Where webhook signing secrets are sealed, for key rotation: in every version's stored
 * config. Re-sealing changes no version's meaning (the plaintext is the same), so this is
 * the one edit a version row ever gets.
 */
export const webhookSecretColumn: SealedColumn = {
  table: 'evaluator_versions',
  keys: ['project_id', 'evaluator_id', 'version'],
  sealed: "json_extract(config, '$.secret_ciphertext')",
  set: "config = json_set(config, '$.secret_ciphertext', ?)",
  context: (r) => secretContext(r.project_id, r.evaluator_id),
};
