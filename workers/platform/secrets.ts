/**
 * Secrets at rest (provider API keys, webhook signing secrets): AES-GCM with the
 * ENCRYPTION_KEY Worker secret (base64 of 32 bytes). Each ciphertext is bound to where it
 * belongs by associated data (e.g. `provider:<project>:<id>`), so a ciphertext copied to
 * another row or project does not decrypt. Plaintext never leaves this module except to
 * the code that calls the provider.
 *
 * Rotation without downtime: a ciphertext names the key that made it
 * (`v2:<key id>:<base64>`, the key id being the first 8 hex of the key's SHA-256, which
 * says nothing useful about a 256-bit key). To rotate, set ENCRYPTION_KEY_PREVIOUS to the
 * old key, then ENCRYPTION_KEY to the new one: reads accept both, writes use the new one,
 * and the re-encryption pass (every minute while ENCRYPTION_KEY_PREVIOUS is set, or
 * POST /v1/secrets/reencrypt) rewrites what the old key made. Once nothing is left under
 * it, remove ENCRYPTION_KEY_PREVIOUS. Ciphertexts from before key ids (bare base64) are
 * tried with the current key, then the previous one. docs/auth.md has the steps.
 */
import { dbFor, projectDatabases } from './db.ts';

/** The ENCRYPTION_KEY is missing or malformed (a deployment problem, not a client one). */
export class SecretsUnavailableError extends Error {}

type SecretEnv = { ENCRYPTION_KEY?: string; ENCRYPTION_KEY_PREVIOUS?: string };

interface LoadedKey {
  id: string;
  key: CryptoKey;
}

const keyCache = new Map<string, Promise<LoadedKey>>();

function importKey(base64: string | undefined, name = 'ENCRYPTION_KEY'): Promise<LoadedKey> {
  if (!base64) throw new SecretsUnavailableError(`${name} is not set: add it as a Worker secret (base64 of 32 random bytes)`);
  let cached = keyCache.get(base64);
  if (!cached) {
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(base64.trim()), (c) => c.charCodeAt(0));
    } catch {
      throw new SecretsUnavailableError(`${name} is not valid base64`);
    }
    if (raw.length !== 32) throw new SecretsUnavailableError(`${name} must decode to 32 bytes (got ${raw.length})`);
    cached = (async () => {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
      const id = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
      return { id, key: await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']) };
    })();
    keyCache.set(base64, cached);
  }
  return cached;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The prefix every ciphertext made with the current ENCRYPTION_KEY starts with (`v2:<key id>:`). */
export async function currentKeyPrefix(env: SecretEnv): Promise<string> {
  return `v2:${(await importKey(env.ENCRYPTION_KEY)).id}:`;
}

/** Encrypts `plaintext` for the place named by `context` with the current key; returns `v2:<key id>:base64(iv || ciphertext)`. */
export async function encryptSecret(env: SecretEnv, plaintext: string, context: string): Promise<string> {
  const { id, key } = await importKey(env.ENCRYPTION_KEY);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) }, key, new TextEncoder().encode(plaintext)),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return `v2:${id}:${toBase64(out)}`;
}

async function open(key: CryptoKey, body: string, context: string): Promise<string> {
  const bytes = fromBase64(body);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: new TextEncoder().encode(context) }, key, bytes.slice(12));
  return new TextDecoder().decode(plain);
}

/**
 * Decrypts what encryptSecret made for the same `context`, with whichever of ENCRYPTION_KEY
 * and ENCRYPTION_KEY_PREVIOUS made it; throws if it was tampered with, moved, or made by a
 * key that is set as neither.
 */
export async function decryptSecret(env: SecretEnv, sealed: string, context: string): Promise<string> {
  const current = await importKey(env.ENCRYPTION_KEY);
  const previous = env.ENCRYPTION_KEY_PREVIOUS ? await importKey(env.ENCRYPTION_KEY_PREVIOUS, 'ENCRYPTION_KEY_PREVIOUS') : null;
  const m = /^v2:([0-9a-f]{8}):(.+)$/.exec(sealed);
  if (m) {
    const key = [current, previous].find((k) => k?.id === m[1]);
    if (!key) throw new SecretsUnavailableError(`this secret was encrypted with a key (id ${m[1]}) that is neither ENCRYPTION_KEY (${current.id}) nor ENCRYPTION_KEY_PREVIOUS${previous ? ` (${previous.id})` : ' (not set)'}`);
    return open(key.key, m[2], context);
  }
  // Before key ids: try the current key, then the previous one.
  try {
    return await open(current.key, sealed, context);
  } catch (err) {
    if (!previous) throw err;
    return open(previous.key, sealed, context);
  }
}

/** The same secret sealed with the current key (for rotation); null when it already is. */
export async function reencryptSecret(env: SecretEnv, sealed: string, context: string): Promise<string | null> {
  if (sealed.startsWith(await currentKeyPrefix(env))) return null;
  return encryptSecret(env, await decryptSecret(env, sealed, context), context);
}

/** What a re-encryption pass over one kind of secret did: rewritten, unreadable by both keys, still under an old key. */
export interface RotationCount {
  reencrypted: number;
  failed: number;
  remaining: number;
}

/**
 * A rotation pass over one kind of secret, for one project's database or (no `projectId`)
 * every database holding projects, adding up what each database's `pass` did.
 */
export async function rotateAcross(env: Env, projectId: string | undefined, pass: (db: D1Database) => Promise<RotationCount>): Promise<RotationCount> {
  const total: RotationCount = { reencrypted: 0, failed: 0, remaining: 0 };
  for (const db of projectId ? [dbFor(env, projectId)] : projectDatabases(env)) {
    const one = await pass(db);
    total.reencrypted += one.reencrypted;
    total.failed += one.failed;
    total.remaining += one.remaining;
  }
  return total;
}

/**
 * Where one kind of sealed secret is stored, so one pass (reencryptColumn) can rotate every
 * kind: the table, the columns naming a row (project_id first), an SQL expression reading the
 * sealed text (a column, or json_extract into a stored config), the SET clause writing it back
 * (one `?` for the new sealed text), and the context the secret was sealed with.
 */
export interface SealedColumn {
  table: string;
  keys: readonly string[];
  sealed: string;
  set: string;
  context: (row: Record<string, string>) => string;
}

/**
 * Re-encrypts up to `limit` secrets of one kind that the current ENCRYPTION_KEY did not make
 * (key rotation), for one project or, without `projectId`, the whole instance. Each row is
 * rewritten only if its sealed text is still the one read (compare-and-set), so an edit made
 * meanwhile (already under the new key) is never overwritten. A ciphertext neither key opens
 * (a key lost before its pass finished) is counted as failed and left as it is, so one bad
 * row cannot stop the pass for every other.
 */
export async function reencryptColumn(env: Env, column: SealedColumn, opts: { projectId?: string; limit: number }): Promise<RotationCount> {
  const prefix = await currentKeyPrefix(env);
  const where = `${column.sealed} IS NOT NULL AND substr(${column.sealed}, 1, ${prefix.length}) != ?${opts.projectId ? ' AND project_id = ?' : ''}`;
  const binds = opts.projectId ? [prefix, opts.projectId] : [prefix];
  const keyMatch = column.keys.map((k) => `${k} = ?`).join(' AND ');
  return rotateAcross(env, opts.projectId, async (db) => {
    const { results } = await db.prepare(`SELECT ${column.keys.join(', ')}, ${column.sealed} AS sealed FROM ${column.table} WHERE ${where} LIMIT ?`).bind(...binds, opts.limit).all<Record<string, string>>();
    let reencrypted = 0;
    let failed = 0;
    for (const r of results) {
      const sealed = await reencryptSecret(env, r.sealed, column.context(r)).catch(() => {
        failed++;
        return null;
      });
      if (!sealed) continue;
      const keys = column.keys.map((k) => r[k]);
      reencrypted += (await db.prepare(`UPDATE ${column.table} SET ${column.set} WHERE ${keyMatch} AND ${column.sealed} = ?`).bind(sealed, ...keys, r.sealed).run()).meta.changes;
    }
    const left = await db.prepare(`SELECT count(*) AS n FROM ${column.table} WHERE ${where}`).bind(...binds).first<{ n: number }>();
    return { reencrypted, failed, remaining: left?.n ?? 0 };
  });
}

/** Removes every occurrence of `secrets` from a text that may be shown or logged (provider error bodies echo keys). */
export function redact(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
