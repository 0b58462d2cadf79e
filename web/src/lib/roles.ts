/** How roles read in the UI. What each role may do is schema/roles.ts, which the Worker enforces. */
import type { Role } from '../../../schema/roles.ts';

const LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  engineer: 'Engineer',
  reviewer: 'Reviewer',
  domain_expert: 'Domain expert',
  viewer: 'Viewer',
};

/** A role's name as people read it ("Domain expert"). */
export const roleLabel = (role: Role) => LABELS[role] ?? role;
