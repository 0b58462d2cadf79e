import { describe, it, expect } from 'vitest';
import { canGrant, isManagerRole, roleHasScope, ROLES } from './roles.ts';

describe('who may do what, by role', () => {
  it('lets owners grant every role, admins every role but owner, and nobody else any', () => {
    expect(ROLES.filter((r) => canGrant('owner', r))).toEqual(ROLES);
    expect(ROLES.filter((r) => canGrant('admin', r))).toEqual(['admin', 'engineer', 'reviewer', 'domain_expert', 'viewer']);
    for (const actor of ['engineer', 'reviewer', 'domain_expert', 'viewer', undefined] as const) {
      expect(ROLES.filter((r) => canGrant(actor, r))).toEqual([]);
    }
  });

  it('lets every role read, all but viewers write feedback, and only owners and admins change settings', () => {
    expect(ROLES.filter((r) => roleHasScope(r, 'read'))).toEqual(ROLES);
    expect(ROLES.filter((r) => roleHasScope(r, 'ingest'))).toEqual(['owner', 'admin', 'engineer', 'reviewer', 'domain_expert']);
    expect(ROLES.filter((r) => roleHasScope(r, 'admin'))).toEqual(['owner', 'admin']);
    expect(ROLES.filter(isManagerRole)).toEqual(['owner', 'admin']);
    expect(roleHasScope(undefined, 'read')).toBe(false);
  });
});
