/**
 * Password reset links. Loupe sends no email, so an owner or admin issues a link for a
 * member and hands it over; the member opens it and chooses a new password. Like invites,
 * the token is 256 random bits and only its SHA-256 is stored; a link works once, until it
 * expires, and a newer link for the same person revokes the older ones.
 *
 * A reset changes the account's password, and an account may belong to several
 * organisations, so the issuer must be allowed to manage that person in every one of them
 * (an admin of one organisation must not take over the account an owner of another uses).
 * Nobody resets their own password this way: that needs the current password
 * (POST /v1/auth/password), so a borrowed session cannot lock its owner out.
 *
 * Using a link ends every session of the account (whoever held them no longer can).
 */
import type { Role } from '../../schema/db/index.ts';
import { canGrant, isManagerRole } from '../../schema/roles.ts';
import type { PasswordResetPreview } from '../../schema/wire/accounts.ts';
import { ApiError } from '../platform/errors.ts';
import { controlDb } from '../platform/db.ts';
import { base64url, hashApiKey } from '../auth/api-keys.ts';
import { hashPassword } from '../auth/password.ts';

/** Default lifetime of a reset link: long enough to hand over, short enough to go stale. */
export const RESET_DEFAULT_HOURS = 24;

interface ResetRow {
  id: string;
  user_id: string;
  org_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  email: string;
}

type Status = PasswordResetPreview['status'];

function statusOf(r: ResetRow, now: number): Status {
  if (r.used_at) return 'used';
  if (r.revoked_at) return 'revoked';
  return r.expires_at <= now ? 'expired' : 'pending';
}

/** Issues a reset link for `userId`, a member of `orgId`; returns it with its token (shown once). */
export async function issuePasswordReset(
  env: Env,
  opts: { orgId: string; actorId: string; actorRole: Role | undefined; userId: string; expiresInHours?: number },
  now = Date.now(),
): Promise<{ id: string; user_id: string; email: string; expires_at: string; token: string }> {
  const db = controlDb(env);
  if (!isManagerRole(opts.actorRole)) throw new ApiError(403, 'forbidden', 'only owners and admins issue password resets');
  if (opts.userId === opts.actorId) throw new ApiError(403, 'forbidden', 'change your own password with your current one (Settings, or POST /v1/auth/password)', 'user_id');
  // Every organisation the person belongs to, with the issuer's role there (null: not a member).
  const { results } = await db
    .prepare(
      `SELECT m.org_id, m.role AS target_role, a.role AS actor_role, u.email
         FROM memberships m JOIN users u ON u.id = m.user_id
         LEFT JOIN memberships a ON a.org_id = m.org_id AND a.user_id = ?
        WHERE m.user_id = ?`,
    )
    .bind(opts.actorId, opts.userId)
    .all<{ org_id: string; target_role: Role; actor_role: Role | null; email: string }>();
  const here = results.find((r) => r.org_id === opts.orgId);
  if (!here) throw new ApiError(404, 'not_found', 'no such member in this organisation', 'user_id');
  if (!canGrant(opts.actorRole, here.target_role)) throw new ApiError(403, 'forbidden', "only an owner can reset an owner's password", 'user_id');
  if (results.some((r) => !canGrant(r.actor_role, r.target_role))) {
    throw new ApiError(403, 'forbidden', 'this account also belongs to an organisation where you cannot manage it; a manager of every organisation it belongs to must issue the reset', 'user_id');
  }
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const id = crypto.randomUUID();
  const expiresAt = now + (opts.expiresInHours ?? RESET_DEFAULT_HOURS) * 3600_000;
  // One batch (one transaction): the older pending links stop working as the new one starts.
  await db.batch([
    db.prepare('UPDATE password_resets SET revoked_at = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL').bind(now, opts.userId),
    db
      .prepare('INSERT INTO password_resets (id, user_id, org_id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .bind(id, opts.userId, opts.orgId, await hashApiKey(token), opts.actorId, now, expiresAt),
  ]);
  return { id, user_id: opts.userId, email: here.email, expires_at: new Date(expiresAt).toISOString(), token };
}

async function findByToken(db: D1Database, token: string): Promise<ResetRow | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  return db
    .prepare('SELECT r.*, u.email FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?')
    .bind(await hashApiKey(token))
    .first<ResetRow>();
}

/** What a reset link is for and whether it still works; null when the token is unknown. */
export async function previewPasswordReset(env: Env, token: string, now = Date.now()): Promise<PasswordResetPreview | null> {
  const row = await findByToken(controlDb(env), token);
  return row ? { email: row.email, expires_at: new Date(row.expires_at).toISOString(), status: statusOf(row, now) } : null;
}

/**
 * Sets a new password through a reset link and ends every session of the account, in one
 * D1 batch (one transaction). The batch's first statement claims the link, and the later
 * ones run only when the claim holds, so a used, expired or replaced link changes nothing.
 */
export async function completePasswordReset(env: Env, token: string, newPassword: string, now = Date.now()): Promise<{ userId: string; orgId: string; email: string; resetId: string }> {
  const db = controlDb(env);
  const row = await findByToken(db, token);
  if (!row) throw new ApiError(404, 'not_found', 'this password reset link is not valid', 'token');
  const status = statusOf(row, now);
  if (status !== 'pending') {
    const reason = { used: 'already been used', revoked: 'been replaced by a newer link', expired: 'expired' }[status];
    throw new ApiError(410, `reset_${status}`, `this password reset link has ${reason}; ask an owner or admin for a new one`, 'token');
  }
  const hash = await hashPassword(newPassword);
  const claimed = 'EXISTS (SELECT 1 FROM password_resets WHERE id = ? AND used_at = ?)';
  const results = await db.batch([
    db.prepare('UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?').bind(now, row.id, now),
    db.prepare(`UPDATE users SET password_hash = ? WHERE id = ? AND ${claimed}`).bind(hash, row.user_id, row.id, now),
    db.prepare(`DELETE FROM sessions WHERE user_id = ? AND ${claimed}`).bind(row.user_id, row.id, now),
  ]);
  if (!results[0].meta.changes) throw new ApiError(410, 'reset_used', 'this password reset link has already been used; ask an owner or admin for a new one', 'token');
  return { userId: row.user_id, orgId: row.org_id, email: row.email, resetId: row.id };
}
