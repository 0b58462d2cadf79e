/**
 * The audit log: one row per administrative action (API keys, members, invites, roles,
 * password resets, providers, evaluators, rules, deletions), written by the one writer in
 * workers/auth/audit.ts and read by owners and admins (GET /v1/audit). Rows are never
 * updated or deleted by the API.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

/**
 * One administrative action. `project_id` is null for organisation-wide actions (members,
 * invites, password resets), which every project of the organisation shows to its managers.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    projectId: text('project_id'),
    /** Epoch ms. */
    at: integer('at').notNull(),
    /** `user` (a logged-in member) or `api_key`. */
    actorType: text('actor_type', { enum: ['user', 'api_key'] }).notNull(),
    /** The user id or the API key id. */
    actorId: text('actor_id').notNull(),
    /** The member's email or the key's name and prefix, as they were at the time. */
    actorLabel: text('actor_label'),
    /** A dotted verb, e.g. `api_key.created`, `member.role_changed`. */
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    /** JSON object: what changed (never a secret). */
    details: text('details').notNull().default('{}'),
  },
  (t) => [index('audit_log_project').on(t.projectId, t.at), index('audit_log_org').on(t.orgId, t.at)],
);
