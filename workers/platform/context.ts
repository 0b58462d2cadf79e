/**
 * Who is calling and for which project. Every data route reads `projectId` from here and
 * nowhere else, which is what keeps each query inside its project.
 */
import type { ApiKeyScope, Role } from '../../schema/db/index.ts';

/** The caller of a request, resolved by the auth middleware. */
export interface AuthContext {
  /** The project every query of this request is scoped to. */
  projectId: string;
  orgId: string;
  /** What the caller may do in that project. */
  scopes: ReadonlySet<ApiKeyScope>;
  /** How the caller authenticated. */
  via: 'api_key' | 'session';
  /** The API key id, or the user id for sessions. */
  principalId: string;
  /** The member's role, for session callers. */
  role?: Role;
  /** The member's email, for session callers (reviews are authored by it). */
  email?: string;
}

/** True when the caller holds `scope` (admin holds every scope). */
export function hasScope(auth: AuthContext, scope: ApiKeyScope): boolean {
  return auth.scopes.has(scope) || auth.scopes.has('admin');
}
