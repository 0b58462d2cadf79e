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
