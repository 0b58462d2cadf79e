/**
 * What the operator scripts (`npm run rebuild`, `npm run shards`) share: the instance's
 * SETUP_SECRET (from the environment, else from .dev.vars, which `npm start` made), the
 * Loupe URL (--url, else LOUPE_URL, else http://localhost:8787), and one call to an
 * operator route that names the URL when it cannot be reached.
 */
import { existsSync, readFileSync } from 'node:fs';

const repoRoot = new URL('..', import.meta.url).pathname;

export function setupSecret(): string {
  if (process.env.SETUP_SECRET) return process.env.SETUP_SECRET;
  const path = `${repoRoot}.dev.vars`;
  const m = existsSync(path) ? /^SETUP_SECRET=(.*)$/m.exec(readFileSync(path, 'utf8')) : null;
  if (!m) throw new Error('set SETUP_SECRET (the instance secret; `npm start` keeps the local one in .dev.vars)');
  return m[1].trim();
}

export function operatorUrl(flag: string | undefined): string {
  return (flag ?? process.env.LOUPE_URL ?? 'http://localhost:8787').replace(/\/$/, '');
}

/** Calls an operator route; a failure names the URL or the status, then `hint` (e.g. how to resume) when given. */
export async function operatorCall<T>(url: string, secret: string, method: string, path: string, body?: unknown, hint = ''): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((err: Error) => {
    throw new Error(`cannot reach Loupe at ${url} (${String((err.cause as Error)?.message ?? err.message)}); pass --url or LOUPE_URL${hint}`);
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} failed (${res.status}): ${text.slice(0, 500)}${hint}`);
  return JSON.parse(text) as T;
}
