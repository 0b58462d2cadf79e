/**
 * The people side of auth: browser sessions and invite links. Both store only a SHA-256
 * of their secret token (tokens carry 256 random bits, so a fast hash is safe), so a
 * leaked database cannot be replayed as a login or an invite.
 */
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ROLES } from './tenancy.ts';

/**
 * A logged-in browser. `id` is the hex SHA-256 of the cookie's token; the token itself
 * exists only in the cookie. Expired rows are ignored and swept lazily.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    createdAt: integer('created_at').notNull(),
    /** Epoch ms after which the session no longer authenticates (sliding, see workers/auth/sessions.ts). */
    expiresAt: integer('expires_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_expires').on(t.expiresAt)],
);

/**
 * An invitation to join an organisation with a role. The link carries the token; only
 * its hash is stored. Usable once, until `expires_at`, unless revoked.
 */
export const invites = sqliteTable(
  'invites',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    /** When set, only this address may accept. */
    email: text('email'),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    acceptedAt: integer('accepted_at'),
    acceptedBy: text('accepted_by'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('invites_token').on(t.tokenHash), index('invites_org').on(t.orgId, t.createdAt)],
);

/**
 * A password reset link an owner or admin issued for a member. Like invites, the link
 * carries the token and only its SHA-256 is stored. Usable once, until `expires_at`;
 * issuing a new one for the same user supersedes (revokes) the pending ones.
 */
export const passwordResets = sqliteTable(
  'password_resets',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    /** The organisation whose owner or admin issued it. */
    orgId: text('org_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('password_resets_token').on(t.tokenHash), index('password_resets_user').on(t.userId)],
);
