/**
 * Roles, API key scopes, and who may do what: the one table the Worker enforces (session
 * scopes, who manages members and queues, who may grant which role) and the review UI
 * shows (which controls to offer, the "what roles may do" help). The API stays the judge:
 * the UI reads these rules only to hide what the API would refuse. docs/auth.md describes
 * the roles.
 */

/** Roles a member can hold in an organisation, strongest first (the order menus list them). */
export const ROLES = ['owner', 'admin', 'engineer', 'reviewer', 'domain_expert', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** True for a role name. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** What an API key may do. `admin` implies the other two. */
export const API_KEY_SCOPES = ['ingest', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** What each role may do with the data API (the same scopes API keys carry). */
export const ROLE_SCOPES: Record<Role, readonly ApiKeyScope[]> = {
  owner: ['read', 'ingest', 'admin'],
  admin: ['read', 'ingest', 'admin'],
  engineer: ['read', 'ingest'],
  // Reviewers and domain experts write feedback, which POST /v1/feedback files under `ingest`.
  reviewer: ['read', 'ingest'],
  domain_expert: ['read', 'ingest'],
  viewer: ['read'],
};

/** Whether a role's sessions carry `scope`. */
export function roleHasScope(role: Role | null | undefined, scope: ApiKeyScope): boolean {
  return !!role && ROLE_SCOPES[role].includes(scope);
}

/** Roles that manage the organisation: members, invites, API keys, projects; they also review any queue and adjudicate. */
export const MANAGER_ROLES: readonly Role[] = ['owner', 'admin'];

/** True for owners and admins. */
export function isManagerRole(role: Role | null | undefined): boolean {
  return !!role && MANAGER_ROLES.includes(role);
}

/**
 * Whether a member with role `actor` may give `role` to someone, or take it away (change
 * or remove a member who holds it): managers may, and only an owner grants or takes `owner`,
 * so admins cannot take over an organisation.
 */
export function canGrant(actor: Role | null | undefined, role: Role): boolean {
  return isManagerRole(actor) && (role !== 'owner' || actor === 'owner');
}

/** The roles `actor` may give, strongest first. */
export function grantableRoles(actor: Role | null | undefined): Role[] {
  return ROLES.filter((role) => canGrant(actor, role));
}

/** What a role may do, in a phrase. */
export const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including owners',
  admin: 'members, invites, API keys, projects, and all data',
  engineer: 'read traces, send traces and feedback',
  reviewer: 'read traces and give feedback',
  domain_expert: 'read traces and give feedback',
  viewer: 'read only',
};
