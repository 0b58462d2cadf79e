/**
 * Secrets at rest (provider API keys, webhook signing secrets): AES-GCM with the
 * ENCRYPTION_KEY Worker secret (base64 of 32 bytes). Each ciphertext is bound to where it
 * belongs by associated data (e.g. `provider:<project>:<id>`), so a ciphertext copied to
 * another row or project does not decrypt. Plaintext never leaves this module except to
 * the code that calls the provider.
 */

/** The ENCRYPTION_KEY is missing or malformed (a deployment problem, not a client one). */
export class SecretsUnavailableError extends Error {}

const keyCache = new Map<string, Promise<CryptoKey>>();

function importKey(base64: string | undefined): Promise<CryptoKey> {
  if (!base64) throw new SecretsUnavailableError('ENCRYPTION_KEY is not set: add it as a Worker secret (base64 of 32 random bytes)');
  let cached = keyCache.get(base64);
  if (!cached) {
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(base64.trim()), (c) => c.charCodeAt(0));
    } catch {
      throw new SecretsUnavailableError('ENCRYPTION_KEY is not valid base64');
    }
    if (raw.length !== 32) throw new SecretsUnavailableError(`ENCRYPTION_KEY must decode to 32 bytes (got ${raw.length})`);
    cached = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keyCache.set(base64, cached);
  }
  return cached;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** Encrypts `plaintext` for the place named by `context`; returns base64(iv || ciphertext). */
export async function encryptSecret(env: Pick<Env, 'ENCRYPTION_KEY'>, plaintext: string, context: string): Promise<string> {
  const key = await importKey(env.ENCRYPTION_KEY);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) }, key, new TextEncoder().encode(plaintext)),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

/** Decrypts what encryptSecret made for the same `context`; throws if it was tampered with or moved. */
export async function decryptSecret(env: Pick<Env, 'ENCRYPTION_KEY'>, sealed: string, context: string): Promise<string> {
  const key = await importKey(env.ENCRYPTION_KEY);
  const bytes = fromBase64(sealed);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: new TextEncoder().encode(context) }, key, bytes.slice(12));
  return new TextDecoder().decode(plain);
}

/** Removes every occurrence of `secrets` from a text that may be shown or logged (provider error bodies echo keys). */
export function redact(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
