/** Projects and their API keys, as plain functions over D1 (routes and tests share them). */
import { SYSTEM_PROJECT_PREFIX, type ApiKeyScope } from '../../schema/db/index.ts';
import { controlDb } from '../platform/db.ts';
import { placeNewProject } from '../platform/shard-placement.ts';
import { createApiKey, forgetApiKey, parseScopes } from '../auth/api-keys.ts';

/** A project as the API shows it. */
export interface ProjectOut {
  id: string;
  org_id: string;
  name: string;
  created_at: string;
}

/** Creates a project in an organisation; 409-worthy duplicates surface as a thrown D1 error. */
export async function createProject(env: Env, orgId: string, name: string): Promise<ProjectOut> {
  const id = crypto.randomUUID();
  const now = Date.now();
  const shard = await placeNewProject(env);
  await controlDb(env).prepare('INSERT INTO projects (id, org_id, name, created_at, shard) VALUES (?, ?, ?, ?, ?)').bind(id, orgId, name, now, shard).run();
  return { id, org_id: orgId, name, created_at: new Date(now).toISOString() };
}

/** One project by id, or null. */
export async function getProject(env: Env, projectId: string): Promise<ProjectOut | null> {
  const row = await controlDb(env).prepare('SELECT id, org_id, name, created_at FROM projects WHERE id = ?').bind(projectId).first<{ id: string; org_id: string; name: string; created_at: number }>();
  return row ? { ...row, created_at: new Date(row.created_at).toISOString() } : null;
}

/** The projects of an organisation, oldest first. */
export async function listProjects(env: Env, orgId: string): Promise<ProjectOut[]> {
  // System projects (judge calls) are reached through the traces they scored, not listed.
  const { results } = await controlDb(env)
    .prepare("SELECT id, org_id, name, created_at FROM projects WHERE org_id = ? AND substr(name, 1, ?) != ? ORDER BY created_at, id")
    .bind(orgId, SYSTEM_PROJECT_PREFIX.length, SYSTEM_PROJECT_PREFIX)
    .all<{ id: string; org_id: string; name: string; created_at: number }>();
  return results.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() }));
}

/** An API key as listed (never the key itself). */
export interface ApiKeyOut {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  expires_at: string | null;
}

/** The project's keys, newest first, revoked ones included (marked). */
export async function listApiKeys(env: Env, projectId: string): Promise<ApiKeyOut[]> {
  const { results } = await controlDb(env)
    .prepare('SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at, expires_at FROM api_keys WHERE project_id = ? ORDER BY created_at DESC')
    .bind(projectId)
    .all<{ id: string; name: string; prefix: string; scopes: string; created_at: number; last_used_at: number | null; revoked_at: number | null; expires_at: number | null }>();
  const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
  return results.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, scopes: [...parseScopes(r.scopes)], created_at: iso(r.created_at)!, last_used_at: iso(r.last_used_at), revoked_at: iso(r.revoked_at), expires_at: iso(r.expires_at) }));
}

/** Issues a key for the project; the plaintext is returned once. */
export async function issueApiKey(env: Env, projectId: string, name: string, scopes: ApiKeyScope[], createdBy: string | null, expiresAt: number | null = null) {
  const created = await createApiKey(controlDb(env), { projectId, name, scopes, createdBy, expiresAt });
  return { id: created.id, name, prefix: created.prefix, scopes, key: created.key, created_at: new Date(created.createdAt).toISOString(), expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() };
}

/** Revokes a key of this project; false when the project has no such active key. */
export async function revokeApiKey(env: Env, projectId: string, keyId: string): Promise<boolean> {
  const res = await controlDb(env).prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND project_id = ? AND revoked_at IS NULL').bind(Date.now(), keyId, projectId).run();
  forgetApiKey(keyId);
  return res.meta.changes > 0;
}
