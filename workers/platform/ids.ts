/**
 * Ids and digests. Deterministic ids are how writes stay idempotent across retries: a
 * feedback row, a score or a review's D1 row is keyed by a hash of what identifies it, so
 * a redelivered message or a retried request lands on the same row instead of adding one.
 */

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** SHA-256 of a text, as bytes. */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/**
 * A deterministic id: `prefix` + the first 16 bytes (128 bits) of SHA-256(material) in hex.
 * The same material always gives the same id; 128 bits make a collision between different
 * materials negligible at any size Loupe stores.
 */
export async function stableId(prefix: string, material: string): Promise<string> {
  return prefix + hex((await sha256(material)).subarray(0, 16));
}
