/**
 * Invite links: an owner or admin creates one with a role and an expiry; whoever opens it
 * before it expires joins the organisation with that role, creating an account (or
 * proving they own an existing one with its password). Links work once. Only the SHA-256
 * of the token is stored, so the database cannot mint working links.
 */
import type { Role } from '../../schema/db/index.ts';
import { ApiError } from '../platform/errors.ts';
import { controlDb } from '../platform/db.ts';
import { base64url, hashApiKey } from '../auth/api-keys.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { normalizeEmail } from '../auth/login.ts';
import { assertMayGrant } from './members.ts';

/** Default lifetime of an invite link. */
export const INVITE_DEFAULT_HOURS = 7 * 24;
/** Longest lifetime an invite link may have. */
export const INVITE_MAX_HOURS = 30 * 24;

/** An invite as listed to admins (never the token). */
export interface InviteOut {
  id: string;
  role: Role;
  email: string | null;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  revoked_at: string | null;
  status: InviteStatus;
}

/** Where an invite stands. */
export type InviteStatus = 'pending' | 'accepted' | 'expired' | 'revoked';

interface InviteRow {
  id: string;
  org_id: string;
  role: Role;
  email: string | null;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_by: string | null;
  revoked_at: number | null;
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

function statusOf(r: InviteRow, now: number): InviteStatus {
  if (r.revoked_at) return 'revoked';
  if (r.accepted_at) return 'accepted';
  return r.expires_at <= now ? 'expired' : 'pending';
}

function inviteOut(r: InviteRow, now: number): InviteOut {
  return {
    id: r.id,
    role: r.role,
    email: r.email,
    created_by: r.created_by,
    created_at: iso(r.created_at)!,
    expires_at: iso(r.expires_at)!,
    accepted_at: iso(r.accepted_at),
    accepted_by: r.accepted_by,
    revoked_at: iso(r.revoked_at),
    status: statusOf(r, now),
  };
}

/** Creates an invite; returns it with its token (shown once, inside the link). */
export async function createInvite(
  env: Env,
  opts: { orgId: string; actorRole: Role | undefined; actorId: string; role: Role; email?: string | null; expiresInHours?: number },
  now = Date.now(),
): Promise<InviteOut & { token: string }> {
  assertMayGrant(opts.actorRole, opts.role);
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const row: InviteRow = {
    id: crypto.randomUUID(),
    org_id: opts.orgId,
    role: opts.role,
    email: opts.email ? normalizeEmail(opts.email) : null,
    created_by: opts.actorId,
    created_at: now,
    expires_at: now + (opts.expiresInHours ?? INVITE_DEFAULT_HOURS) * 3600_000,
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  await controlDb(env)
    .prepare('INSERT INTO invites (id, org_id, token_hash, role, email, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(row.id, row.org_id, await hashApiKey(token), row.role, row.email, row.created_by, row.created_at, row.expires_at)
    .run();
  return { ...inviteOut(row, now), token };
}

/** The organisation's invites, newest first. */
export async function listInvites(env: Env, orgId: string, now = Date.now()): Promise<InviteOut[]> {
  const { results } = await controlDb(env).prepare('SELECT * FROM invites WHERE org_id = ? ORDER BY created_at DESC LIMIT 200').bind(orgId).all<InviteRow>();
  return results.map((r) => inviteOut(r, now));
}

/** Revokes a pending invite of the organisation; false when there is no such pending invite. */
export async function revokeInvite(env: Env, orgId: string, inviteId: string, now = Date.now()): Promise<boolean> {
  const res = await controlDb(env)
    .prepare('UPDATE invites SET revoked_at = ? WHERE id = ? AND org_id = ? AND revoked_at IS NULL AND accepted_at IS NULL')
    .bind(now, inviteId, orgId)
    .run();
  return res.meta.changes > 0;
}

/** What someone opening a link may see before accepting. */
export interface InvitePreview {
  org: { name: string };
  role: Role;
  email: string | null;
  expires_at: string;
  status: InviteStatus;
}

async function findByToken(db: D1Database, token: string): Promise<(InviteRow & { org_name: string }) | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  return db
    .prepare('SELECT i.*, o.name AS org_name FROM invites i JOIN orgs o ON o.id = i.org_id WHERE i.token_hash = ?')
    .bind(await hashApiKey(token))
    .first<InviteRow & { org_name: string }>();
}

/** The preview of an invite link, or null when the token is unknown. */
export async function previewInvite(env: Env, token: string, now = Date.now()): Promise<InvitePreview | null> {
  const row = await findByToken(controlDb(env), token);
  if (!row) return null;
  return { org: { name: row.org_name }, role: row.role, email: row.email, expires_at: iso(row.expires_at)!, status: statusOf(row, now) };
}

/**
 * Accepts an invite: creates the account (or checks the existing account's password) and
 * the membership, and marks the invite used, all in one D1 batch (one transaction). The
 * invite is claimed by the batch's first statement, so a link used twice at once yields
 * one membership; the later statements only run their INSERT when that claim is theirs.
 */
export async function acceptInvite(
  env: Env,
  token: string,
  input: { email: string; password: string; name?: string | null },
  now = Date.now(),
): Promise<{ userId: string; orgId: string; role: Role; created: boolean; inviteId: string }> {
  const db = controlDb(env);
  const invite = await findByToken(db, token);
  if (!invite) throw new ApiError(404, 'not_found', 'this invite link is not valid', 'token');
  const status = statusOf(invite, now);
  if (status !== 'pending') {
    const reason = { accepted: 'already been used', revoked: 'been revoked', expired: 'expired' }[status];
    throw new ApiError(410, `invite_${status}`, `this invite link has ${reason}`, 'token');
  }
  const email = normalizeEmail(input.email);
  if (invite.email && invite.email !== email) throw new ApiError(403, 'forbidden', 'this invite is for another email address', 'email');

  const existing = await db.prepare('SELECT id, password_hash FROM users WHERE email = ?').bind(email).first<{ id: string; password_hash: string | null }>();
  let userId: string;
  let createUser: D1PreparedStatement | null = null;
  if (existing) {
    // An existing account joins by proving it is theirs: no password reset by invitation.
    if (!(await verifyPassword(input.password, existing.password_hash))) throw new ApiError(401, 'unauthorized', 'an account with this email exists; enter its password to join', 'password');
    const member = await db.prepare('SELECT role FROM memberships WHERE org_id = ? AND user_id = ?').bind(invite.org_id, existing.id).first();
    if (member) throw new ApiError(409, 'already_member', 'you are already a member of this organisation', 'email');
    userId = existing.id;
  } else {
    userId = crypto.randomUUID();
    createUser = db
      .prepare('INSERT INTO users (id, email, name, password_hash, created_at) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM invites WHERE id = ? AND accepted_by = ?)')
      .bind(userId, email, input.name?.trim() || null, await hashPassword(input.password), now, invite.id, userId);
  }
  const statements = [
    db
      .prepare('UPDATE invites SET accepted_at = ?, accepted_by = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?')
      .bind(now, userId, invite.id, now),
    ...(createUser ? [createUser] : []),
    db
      .prepare('INSERT OR IGNORE INTO memberships (org_id, user_id, role, created_at) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM invites WHERE id = ? AND accepted_by = ?)')
      .bind(invite.org_id, userId, invite.role, now, invite.id, userId),
  ];
  const results = await db.batch(statements);
  if (!results[0].meta.changes) throw new ApiError(410, 'invite_accepted', 'this invite link has already been used', 'token');
  return { userId, orgId: invite.org_id, role: invite.role, created: !existing, inviteId: invite.id };
}
