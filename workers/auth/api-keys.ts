/**
 * Project API keys: 256 random bits, shown once, stored as SHA-256. A fast hash is right
 * here (unlike passwords) because the key has full entropy; it also keeps the per-request
 * lookup to one indexed D1 read.
 */
import { API_KEY_SCOPES, type ApiKeyScope } from '../../schema/db/index.ts';
import { hex, sha256 } from '../platform/ids.ts';

/** Every key starts with this, so leaked keys are easy to grep for. */
export const API_KEY_PREFIX = 'lp_';

/** A new random key in its plaintext form (`lp_` + 43 base64url chars). */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return API_KEY_PREFIX + base64url(bytes);
}

/** Hex SHA-256 of a key, the only form stored. */
export async function hashApiKey(key: string): Promise<string> {
  return hex(await sha256(key));
}

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Parses a stored scopes JSON array, ignoring unknown entries. */
export function parseScopes(json: string): Set<ApiKeyScope> {
  const list = JSON.parse(json) as string[];
  return new Set(list.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s)));
}

/** A key row as the auth middleware needs it. */
export interface ResolvedKey {
  keyId: string;
  projectId: string;
  orgId: string;
  scopes: Set<ApiKeyScope>;
  lastUsedAt: number | null;
  /** Epoch ms after which the key no longer authenticates; null: never. */
  expiresAt: number | null;
}

/**
 * Resolved keys are kept in the isolate for CACHE_TTL_MS: every ingest request would
 * otherwise read D1 before anything else, and locally that read queues behind the
 * indexer's write transactions on the same database (the ack latency a load soak sees).
 * Revoking a key forgets it in this isolate at once; another isolate may accept it for up
 * to CACHE_TTL_MS more (docs/auth.md). Unknown keys are never cached, so a key works as
 * soon as it is created.
 */
const CACHE_TTL_MS = 10_000;
const MAX_CACHED = 1_000;
const cache = new Map<string, { key: ResolvedKey; at: number }>();

/** Drops a revoked key from this isolate's cache. */
export function forgetApiKey(keyId: string): void {
  for (const [hash, entry] of cache) if (entry.key.keyId === keyId) cache.delete(hash);
}

/** Looks up an active (not revoked) key by its plaintext; null when unknown or revoked. Expiry is the caller's check (it names it in the 401). */
export async function resolveApiKey(db: D1Database, key: string): Promise<ResolvedKey | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
  const hash = await hashApiKey(key);
  const cached = cache.get(hash);
  if (cached && Date.now() - cached.at < CACHE_TTL_MS) return cached.key;
  cache.delete(hash);
  const resolved = await lookupApiKey(db, hash);
  if (resolved) {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(hash, { key: resolved, at: Date.now() });
  }
  return resolved;
}

async function lookupApiKey(db: D1Database, hash: string): Promise<ResolvedKey | null> {
  const row = await db
    .prepare(
      `SELECT k.id, k.project_id, k.scopes, k.last_used_at, k.expires_at, p.org_id
         FROM api_keys k JOIN projects p ON p.id = k.project_id
        WHERE k.hash = ? AND k.revoked_at IS NULL`,
    )
    .bind(hash)
    .first<{ id: string; project_id: string; scopes: string; last_used_at: number | null; expires_at: number | null; org_id: string }>();
  if (!row) return null;
  return { keyId: row.id, projectId: row.project_id, orgId: row.org_id, scopes: parseScopes(row.scopes), lastUsedAt: row.last_used_at, expiresAt: row.expires_at };
}

/** Creates a key for a project; returns the plaintext (shown once) and its id. */
export async function createApiKey(
  db: D1Database,
  opts: { projectId: string; name: string; scopes: ApiKeyScope[]; createdBy?: string | null; expiresAt?: number | null },
): Promise<{ id: string; key: string; prefix: string; createdAt: number }> {
  const key = generateApiKey();
  const id = crypto.randomUUID();
  const prefix = key.slice(0, 10);
  const createdAt = Date.now();
  await db
    .prepare(
      `INSERT INTO api_keys (id, project_id, name, prefix, hash, scopes, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(id, opts.projectId, opts.name, prefix, await hashApiKey(key), JSON.stringify(opts.scopes), opts.createdBy ?? null, createdAt, opts.expiresAt ?? null)
    .run();
  return { id, key, prefix, createdAt };
}
