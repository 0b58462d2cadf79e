/**
 * Tenancy tables: organisations own projects; people are members of organisations with a
 * role; API keys belong to exactly one project. Every other table carries `project_id`,
 * and every query filters on it (see workers/store/db.ts for the one place D1 is reached).
 */
import { sqliteTable, text, integer, primaryKey, uniqueIndex, index } from 'drizzle-orm/sqlite-core';
import { ROLES } from '../roles.ts';

/** An organisation: the unit of membership and billing. */
export const orgs = sqliteTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull(),
});

/** A person who logs in to the review UI. Passwords are PBKDF2 hashes, never plaintext. */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name'),
    passwordHash: text('password_hash'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('users_email').on(t.email)],
);

// Roles and API key scopes, and the rules about them, are defined in schema/roles.ts (the
// UI reads them too, without drizzle); the tables' users find them here as well.
export { ROLES, type Role, API_KEY_SCOPES, type ApiKeyScope } from '../roles.ts';

/** Membership of a user in an organisation, with one role. */
export const memberships = sqliteTable(
  'memberships',
  {
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('memberships_user').on(t.userId)],
);

/** A project: traces, feedback, evaluators and queues all live inside one. */
export const projects = sqliteTable(
  'projects',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    name: text('name').notNull(),
    createdAt: integer('created_at').notNull(),
    /** The D1 binding holding the project's rows (schema/db/shards.ts); `DB` is also the control database. */
    shard: text('shard').notNull().default('DB'),
    /** `moving` while an operator moves the project to another shard: reads go to `shard`, writes wait (503). */
    shardState: text('shard_state', { enum: ['active', 'moving'] }).notNull().default('active'),
  },
  (t) => [uniqueIndex('projects_org_name').on(t.orgId, t.name)],
);

/**
 * Project names starting with this are Loupe's own (e.g. `loupe:system`, where judge calls
 * are recorded): people cannot create them, and project lists leave them out.
 */
export const SYSTEM_PROJECT_PREFIX = 'loupe:';

/**
 * A project API key. Only the SHA-256 of the key is stored (keys carry 256 random bits,
 * so a fast hash is safe); `prefix` is the first characters, shown in lists to tell keys apart.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    /** JSON array of ApiKeyScope. */
    scopes: text('scopes').notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    /** Epoch ms after which the key no longer authenticates (401 naming the expiry); null: never. */
    expiresAt: integer('expires_at'),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.hash), index('api_keys_project').on(t.projectId)],
);
