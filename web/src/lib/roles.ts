/** How roles read in the UI, and what each may do (mirrors ROLE_SCOPES in workers/auth/sessions.ts). */
import type { Role } from '../../../schema/db/tenancy.ts';

/** Roles in the order menus list them. */
export const ROLE_ORDER: Role[] = ['owner', 'admin', 'engineer', 'reviewer', 'domain_expert', 'viewer'];

const LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  engineer: 'Engineer',
  reviewer: 'Reviewer',
  domain_expert: 'Domain expert',
  viewer: 'Viewer',
};

/** What a role may do, in a phrase. */
export const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including owners',
  admin: 'members, invites, API keys, projects, and all data',
  engineer: 'read traces, send traces and feedback',
  reviewer: 'read traces and give feedback',
  domain_expert: 'read traces and give feedback',
  viewer: 'read only',
};

export const roleLabel = (role: Role) => LABELS[role] ?? role;

/** Whether a role manages members, invites and keys. */
export const isManager = (role: Role | undefined) => role === 'owner' || role === 'admin';

/**
 * Whether a role holds the `admin` scope, which creating and changing evaluators, rules,
 * providers and the judge budget (and running try-it) need. Others read them.
 */
export const canManageEvals = (role: Role | undefined) => role === 'owner' || role === 'admin';
