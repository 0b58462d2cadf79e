/**
 * People and access: login, the session the review UI runs on, members, invites and
 * API keys. Shared by the Worker's routes (and OpenAPI) and the web app.
 */
import { z } from 'zod';
import { ROLES, API_KEY_SCOPES } from '../roles.ts';

/** A member's role in an organisation. */
export const RoleSchema = z.enum(ROLES).meta({ id: 'Role', description: 'owner, admin, engineer, reviewer, domain_expert or viewer' });

import { MIN_PASSWORD } from './password.ts';

export { MIN_PASSWORD };
const Password = z.string().min(MIN_PASSWORD, `must be at least ${MIN_PASSWORD} characters`).max(256);

/** POST /v1/auth/login */
export const LoginIn = z
  .object({ email: z.string().min(3).max(320), password: z.string().min(1).max(256) })
  .strict()
  .meta({ id: 'LoginIn' });
export type LoginIn = z.infer<typeof LoginIn>;

/** A project the user can open. */
export const SessionProject = z.object({ id: z.string(), name: z.string() });

/** An organisation the user belongs to, their role in it, and its projects. */
export const SessionOrg = z.object({ id: z.string(), name: z.string(), role: RoleSchema, projects: z.array(SessionProject) }).meta({ id: 'SessionOrg' });
export type SessionOrg = z.infer<typeof SessionOrg>;

/** GET /v1/auth/session (and the answer to login and accepting an invite). */
export const SessionOut = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string().nullable() }),
    orgs: z.array(SessionOrg),
    csrf_token: z.string().meta({ description: 'Send as the x-loupe-csrf header on every cookie-authenticated write' }),
    expires_at: z.string(),
  })
  .meta({ id: 'Session' });
export type SessionOut = z.infer<typeof SessionOut>;

/** POST /v1/auth/password */
export const PasswordChangeIn = z.object({ current_password: z.string().min(1).max(256), new_password: Password }).strict().meta({ id: 'PasswordChangeIn' });

/** A member of an organisation. */
export const MemberOut = z
  .object({ user_id: z.string(), email: z.string(), name: z.string().nullable(), role: RoleSchema, joined_at: z.string() })
  .meta({ id: 'Member' });
export type MemberOut = z.infer<typeof MemberOut>;

/** PATCH /v1/members/{user_id} */
export const MemberUpdateIn = z.object({ role: RoleSchema }).strict();

/** An invite as admins see it (never the token). */
export const InviteOut = z
  .object({
    id: z.string(),
    role: RoleSchema,
    email: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: z.string(),
    expires_at: z.string(),
    accepted_at: z.string().nullable(),
    accepted_by: z.string().nullable(),
    revoked_at: z.string().nullable(),
    status: z.enum(['pending', 'accepted', 'expired', 'revoked']),
  })
  .meta({ id: 'Invite' });
export type InviteOut = z.infer<typeof InviteOut>;

/** POST /v1/invites */
export const InviteCreateIn = z
  .object({
    role: RoleSchema,
    email: z.email().max(320).nullish().meta({ description: 'When set, only this address can accept' }),
    expires_in_hours: z.number().int().min(1).max(720).default(168).meta({ description: 'Hours the link stays valid (default 7 days, at most 30 days)' }),
  })
  .strict()
  .meta({ id: 'InviteCreateIn' });

/** The answer to POST /v1/invites: the invite, its token and the link (shown once). */
export const InviteCreated = InviteOut.extend({ token: z.string(), url: z.string() }).meta({ id: 'InviteCreated' });
export type InviteCreated = z.infer<typeof InviteCreated>;

/** GET /v1/auth/invites/{token}: what the link offers, before accepting. */
export const InvitePreview = z
  .object({ org: z.object({ name: z.string() }), role: RoleSchema, email: z.string().nullable(), expires_at: z.string(), status: InviteOut.shape.status })
  .meta({ id: 'InvitePreview' });
export type InvitePreview = z.infer<typeof InvitePreview>;

/** POST /v1/auth/invites/{token}/accept */
export const InviteAcceptIn = z
  .object({ email: z.email().max(320), password: Password, name: z.string().max(128).nullish() })
  .strict()
  .meta({ id: 'InviteAcceptIn' });
export type InviteAcceptIn = z.infer<typeof InviteAcceptIn>;

/** A project API key as listed (never the key itself). */
export const ApiKeyOut = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    expires_at: z.string().nullable().meta({ description: 'When the key stops working (401 `api_key_expired`); null: never' }),
  })
  .meta({ id: 'ApiKey' });

/** POST /v1/api-keys */
export const ApiKeyCreateIn = z
  .object({
    name: z.string().min(1).max(128),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
    expires_at: z.iso
      .datetime({ offset: true })
      .nullish()
      .meta({ description: 'When the key stops working (ISO 8601, in the future, at most 10 years ahead); omit or null for a key that never expires' }),
  })
  .strict()
  .meta({ id: 'ApiKeyCreateIn' });
export type ApiKeyOut = z.infer<typeof ApiKeyOut>;

/** The answer to POST /v1/api-keys: the key in plaintext, this once. */
export const ApiKeyCreated = ApiKeyOut.omit({ last_used_at: true, revoked_at: true }).extend({ key: z.string() }).meta({ id: 'ApiKeyCreated' });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

/** POST /v1/projects */
export const ProjectCreateIn = z.object({ name: z.string().min(1).max(128) }).strict().meta({ id: 'ProjectCreateIn' });

/** A project. */
export const ProjectOut = z.object({ id: z.string(), org_id: z.string(), name: z.string(), created_at: z.string() }).meta({ id: 'Project' });
export type ProjectOut = z.infer<typeof ProjectOut>;

/** POST /v1/members/{user_id}/password-reset */
export const PasswordResetCreateIn = z
  .object({ expires_in_hours: z.number().int().min(1).max(168).default(24).meta({ description: 'Hours the link stays valid (default 24, at most 7 days)' }) })
  .strict()
  .meta({ id: 'PasswordResetCreateIn' });

/** The answer to issuing a reset: the link (shown once; hand it to the member yourself). */
export const PasswordResetCreated = z
  .object({ id: z.string(), user_id: z.string(), email: z.string(), expires_at: z.string(), token: z.string(), url: z.string() })
  .meta({ id: 'PasswordResetCreated' });
export type PasswordResetCreated = z.infer<typeof PasswordResetCreated>;

/** GET /v1/auth/password-resets/{token}: whose password the link resets, and whether it still can. */
export const PasswordResetPreview = z
  .object({ email: z.string(), expires_at: z.string(), status: z.enum(['pending', 'used', 'expired', 'revoked']) })
  .meta({ id: 'PasswordResetPreview' });
export type PasswordResetPreview = z.infer<typeof PasswordResetPreview>;

/** POST /v1/auth/password-resets/{token} */
export const PasswordResetIn = z.object({ new_password: Password }).strict().meta({ id: 'PasswordResetIn' });
