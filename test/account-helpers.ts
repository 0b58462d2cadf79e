/** Test helpers for people: members with passwords, logins, cookie-authenticated calls. */
import { env } from 'cloudflare:workers';
import type { Role } from '../schema/db/index.ts';
import { hashPassword } from '../workers/auth/password.ts';
import { SESSION_COOKIE } from '../workers/auth/sessions.ts';
import { api } from './helpers.ts';

/** The password every test member gets. */
export const PASSWORD = 'correct horse battery staple';

/** Adds a user (new account) to an organisation with a role. */
export async function makeMember(orgId: string, role: Role, email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`) {
  const userId = crypto.randomUUID();
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare('INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)').bind(userId, email, null, await hashPassword(PASSWORD), now),
    env.DB.prepare('INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)').bind(orgId, userId, role, now),
  ]);
  return { userId, email };
}

/** A logged-in browser: its cookie header and CSRF token. */
export interface Browser {
  cookie: string;
  csrf: string;
  session: any;
}

/** Logs in through the API and returns what a browser would hold. */
export async function login(email: string, password = PASSWORD): Promise<Browser> {
  const res = await api('/v1/auth/login', { body: { email, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const token = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(setCookie)?.[1];
  if (!token) throw new Error(`no session cookie in ${setCookie}`);
  return { cookie: `${SESSION_COOKIE}=${token}`, csrf: res.json.csrf_token, session: res.json };
}

/** Calls the API as that browser (cookie, CSRF header on writes, optional project). */
export function asBrowser(browser: Browser, path: string, opts: { method?: string; body?: unknown; project?: string; csrf?: boolean; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { cookie: browser.cookie, ...opts.headers };
  const method = opts.method ?? (opts.body !== undefined ? 'POST' : 'GET');
  if (method !== 'GET' && opts.csrf !== false) headers['x-loupe-csrf'] = browser.csrf;
  if (opts.project) headers['x-loupe-project'] = opts.project;
  return api(path, { method, body: opts.body, headers });
}
