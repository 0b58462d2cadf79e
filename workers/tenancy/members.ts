/**
 * Members of an organisation and their roles, as plain functions over D1. The rules that
 * keep an organisation governable are enforced here: only an owner grants or takes away
 * `owner` (canGrant, schema/roles.ts, which the UI reads too), and the last owner can be
 * neither demoted nor removed.
 */
import type { Role } from '../../schema/db/index.ts';
import { canGrant, isManagerRole } from '../../schema/roles.ts';
import { ApiError } from '../platform/errors.ts';
import { controlDb } from '../platform/db.ts';

/** A member as the API shows it. */
export interface MemberOut {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  joined_at: string;
}

/** Every member of an organisation, owners first, then by join date. */
export async function listMembers(env: Env, orgId: string): Promise<MemberOut[]> {
  const { results } = await controlDb(env)
    .prepare(
      `SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at
         FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.org_id = ? ORDER BY m.role = 'owner' DESC, m.created_at, u.email`,
    )
    .bind(orgId)
    .all<{ user_id: string; email: string; name: string | null; role: Role; created_at: number }>();
  return results.map((r) => ({ user_id: r.user_id, email: r.email, name: r.name, role: r.role, joined_at: new Date(r.created_at).toISOString() }));
}

/** Checks that `actor` (a member with `actorRole`) may give or take `role`; throws 403 otherwise. */
export function assertMayGrant(actorRole: Role | undefined, role: Role): void {
  if (!isManagerRole(actorRole)) throw new ApiError(403, 'forbidden', 'only owners and admins manage members');
  if (!canGrant(actorRole, role)) throw new ApiError(403, 'forbidden', 'only an owner can make someone an owner', 'role');
}

async function memberRole(db: D1Database, orgId: string, userId: string): Promise<Role | null> {
  const row = await db.prepare('SELECT role FROM memberships WHERE org_id = ? AND user_id = ?').bind(orgId, userId).first<{ role: Role }>();
  return row?.role ?? null;
}

/**
 * Changes a member's role. The guard against removing the last owner runs inside the
 * UPDATE itself, so two concurrent demotions cannot leave the organisation ownerless.
 */
export async function setMemberRole(env: Env, orgId: string, actorRole: Role | undefined, userId: string, role: Role): Promise<{ member: MemberOut; from: Role }> {
  const db = controlDb(env);
  const current = await memberRole(db, orgId, userId);
  if (!current) throw new ApiError(404, 'not_found', 'no such member in this organisation', 'user_id');
  assertMayGrant(actorRole, role);
  if (current === 'owner') assertMayGrant(actorRole, 'owner');
  const res = await db
    .prepare(
      `UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2
         AND (role != 'owner' OR ?3 = 'owner' OR (SELECT count(*) FROM memberships WHERE org_id = ?1 AND role = 'owner') > 1)`,
    )
    .bind(orgId, userId, role)
    .run();
  if (!res.meta.changes) throw new ApiError(409, 'last_owner', 'an organisation needs at least one owner; make someone else owner first', 'role');
  const member = (await listMembers(env, orgId)).find((m) => m.user_id === userId);
  return { member: member!, from: current };
}

/** Removes a member from the organisation (their account stays; their other memberships too). */
export async function removeMember(env: Env, orgId: string, actorRole: Role | undefined, userId: string): Promise<{ email: string | null; role: Role }> {
  const db = controlDb(env);
  const current = await memberRole(db, orgId, userId);
  if (!current) throw new ApiError(404, 'not_found', 'no such member in this organisation', 'user_id');
  assertMayGrant(actorRole, current);
  const res = await db
    .prepare(
      `DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2
         AND (role != 'owner' OR (SELECT count(*) FROM memberships WHERE org_id = ?1 AND role = 'owner') > 1)`,
    )
    .bind(orgId, userId)
    .run();
  if (!res.meta.changes) throw new ApiError(409, 'last_owner', 'an organisation needs at least one owner; make someone else owner first', 'user_id');
  const user = await db.prepare('SELECT email FROM users WHERE id = ?').bind(userId).first<{ email: string }>();
  return { email: user?.email ?? null, role: current };
}
