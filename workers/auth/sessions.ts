/**
 * Browser sessions for the review UI. The cookie carries a random 256-bit token; D1 keeps
 * only its SHA-256 (sessions.id), so a database leak cannot be replayed as a login.
 *
 * Lifetime: a session ends after SESSION_IDLE_MS without use, and at the latest
 * SESSION_ABSOLUTE_MS after login. The cookie's Max-Age is the absolute limit, so the
 * browser never needs a refreshed cookie; the idle window slides in D1 only.
 *
 * CSRF: cookie-authenticated writes must carry `x-loupe-csrf: <token>`, where the token is
 * SHA-256("loupe-csrf:" + session token). It is derived, not stored, so it is checked without
 * a read; it is handed to the page in JSON (login and GET /v1/auth/session), which other
 * sites cannot read (no CORS), and a cross-site form or <img> cannot set a custom header.
 * SameSite=Lax on the cookie and an Origin check are the second and third layers.
 * docs/auth.md describes the scheme.
 */
import { SYSTEM_PROJECT_PREFIX, type Role } from '../../schema/db/index.ts';
import { base64url, hashApiKey } from './api-keys.ts';

/** The session cookie. The `__Host-` prefix pins it to this host, path `/`, Secure. */
export const SESSION_COOKIE = '__Host-loupe_session';
/** The header carrying the CSRF token on cookie-authenticated writes. */
export const CSRF_HEADER = 'x-loupe-csrf';
/** The header (or `project` query parameter) choosing which of the member's projects a request is for. */
export const PROJECT_HEADER = 'x-loupe-project';

/** A session ends after a week without a request. */
export const SESSION_IDLE_MS = 7 * 24 * 3600_000;
/** ...and 30 days after login whatever happens. */
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600_000;
/** Slide the idle window at most this often, so most reads stay reads. */
const SLIDE_RESOLUTION_MS = 10 * 60_000;

/** A new session token in its cookie form (43 base64url chars). */
export function newSessionToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The stored id of a session token (hex SHA-256). */
export const sessionId = (token: string) => hashApiKey(token);

/** The CSRF token bound to a session token. */
export async function csrfTokenFor(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`loupe-csrf:${token}`));
  return base64url(new Uint8Array(digest));
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Reads the session token from a Cookie header. */
export function sessionTokenFrom(cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
    }
  }
  return null;
}

/** The Set-Cookie value that stores a session token (or clears it with `token: null`). */
export function sessionCookie(token: string | null, maxAgeMs = SESSION_ABSOLUTE_MS): string {
  const attrs = 'Path=/; HttpOnly; Secure; SameSite=Lax';
  if (token === null) return `${SESSION_COOKIE}=; ${attrs}; Max-Age=0`;
  return `${SESSION_COOKIE}=${token}; ${attrs}; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

/** Creates a session for a user; returns the token (for the cookie only) and its CSRF token. */
export async function createSession(db: D1Database, userId: string, userAgent: string | null, now = Date.now()) {
  const token = newSessionToken();
  const expiresAt = now + SESSION_IDLE_MS;
  await db
    .prepare('INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, user_agent) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(await sessionId(token), userId, now, expiresAt, now, userAgent?.slice(0, 256) ?? null)
    .run();
  // Expired rows are swept here, on login, rather than by a cron: it keeps the table small
  // without another moving part, and expired rows never authenticate anyway.
  await db.prepare('DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?').bind(userId, now).run();
  return { token, csrfToken: await csrfTokenFor(token), expiresAt };
}

/** One organisation the session's user belongs to, with its projects. */
export interface SessionOrg {
  id: string;
  name: string;
  role: Role;
  projects: { id: string; name: string }[];
}

/** A live session with the user's memberships. */
export interface ResolvedSession {
  sessionId: string;
  userId: string;
  email: string;
  name: string | null;
  expiresAt: number;
  orgs: SessionOrg[];
}

/** Why a token does not authenticate. */
export type SessionFailure = 'unknown' | 'expired';

/**
 * Resolves a session token to its user and memberships in one D1 read; slides the idle
 * window (via `defer`, off the response path) when it was last moved a while ago.
 */
export async function resolveSession(
  db: D1Database,
  token: string,
  opts: { now?: number; defer?: (p: Promise<unknown>) => void } = {},
): Promise<ResolvedSession | SessionFailure> {
  const now = opts.now ?? Date.now();
  const id = await sessionId(token);
  const { results } = await db
    .prepare(
      `SELECT s.user_id, s.created_at, s.expires_at, s.last_seen_at, u.email, u.name,
              o.id AS org_id, o.name AS org_name, m.role, p.id AS project_id, p.name AS project_name
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN memberships m ON m.user_id = s.user_id
         LEFT JOIN orgs o ON o.id = m.org_id
         -- System projects (judge calls) are reached through the traces they scored, never picked.
         LEFT JOIN projects p ON p.org_id = m.org_id AND substr(p.name, 1, ${SYSTEM_PROJECT_PREFIX.length}) != '${SYSTEM_PROJECT_PREFIX}'
        WHERE s.id = ?
        ORDER BY m.created_at, o.id, p.created_at, p.id`,
    )
    .bind(id)
    .all<{
      user_id: string;
      created_at: number;
      expires_at: number;
      last_seen_at: number;
      email: string;
      name: string | null;
      org_id: string | null;
      org_name: string | null;
      role: Role | null;
      project_id: string | null;
      project_name: string | null;
    }>();
  const first = results[0];
  if (!first) return 'unknown';
  if (first.expires_at <= now) return 'expired';
  const orgs = new Map<string, SessionOrg>();
  for (const r of results) {
    if (!r.org_id || !r.role) continue;
    let org = orgs.get(r.org_id);
    if (!org) orgs.set(r.org_id, (org = { id: r.org_id, name: r.org_name ?? r.org_id, role: r.role, projects: [] }));
    if (r.project_id) org.projects.push({ id: r.project_id, name: r.project_name ?? r.project_id });
  }
  let expiresAt = first.expires_at;
  if (now - first.last_seen_at > SLIDE_RESOLUTION_MS) {
    expiresAt = Math.min(first.created_at + SESSION_ABSOLUTE_MS, now + SESSION_IDLE_MS);
    const slide = db.prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ? AND expires_at > ?').bind(now, expiresAt, id, now).run();
    if (opts.defer) opts.defer(slide);
    else await slide;
  }
  return { sessionId: id, userId: first.user_id, email: first.email, name: first.name, expiresAt, orgs: [...orgs.values()] };
}

/** Ends one session (logout). */
export async function deleteSession(db: D1Database, token: string): Promise<void> {
  await db.prepare('DELETE FROM sessions WHERE id = ?').bind(await sessionId(token)).run();
}

/** Ends every session of a user except `keep` (after a password change). */
export async function deleteOtherSessions(db: D1Database, userId: string, keepSessionId: string | null): Promise<void> {
  await db.prepare('DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?').bind(userId, keepSessionId).run();
}

/** Picks the project a session request is for: the requested one if the user may see it, else their first. */
export function pickProject(orgs: SessionOrg[], requested: string | null): { org: SessionOrg; projectId: string } | 'not_member' | 'no_project' {
  if (requested) {
    for (const org of orgs) if (org.projects.some((p) => p.id === requested)) return { org, projectId: requested };
    return 'not_member';
  }
  for (const org of orgs) if (org.projects.length) return { org, projectId: org.projects[0].id };
  return 'no_project';
}
