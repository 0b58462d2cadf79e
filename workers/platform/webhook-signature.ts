/**
 * The signature on every request Loupe sends to a receiver it does not control (webhook
 * evaluators, server-side experiment targets, alert notices): `x-loupe-signature:
 * t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. One place, so receivers verify
 * all of them the same way.
 */
import { hex } from './ids.ts';

/** HMAC-SHA256 of `<timestamp>.<body>` as hex. */
export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`)));
  return hex(mac);
}

/**
 * The headers every signed delivery carries: JSON content, who is calling, the delivery id
 * (receivers de-duplicate retries by it), the timestamp and, with a secret, the signature.
 */
export async function signedHeaders(secret: string | null, body: string, deliveryId: string, userAgent: string): Promise<Record<string, string>> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'x-loupe-delivery': deliveryId,
    'x-loupe-timestamp': String(timestamp),
  };
  if (secret) headers['x-loupe-signature'] = `t=${timestamp},v1=${await signWebhook(secret, timestamp, body)}`;
  return headers;
}
