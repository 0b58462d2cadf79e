/** The audit log as GET /v1/audit answers it (shared by the Worker's OpenAPI and the web app). */
import { z } from 'zod';

/** One administrative action. */
export const AuditEntryOut = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({ type: z.enum(['user', 'api_key']), id: z.string(), label: z.string().nullable().meta({ description: "The member's email, or the key's name and prefix" }) }),
    action: z.string().meta({ description: 'e.g. `api_key.created`, `member.role_changed`, `provider.deleted`' }),
    target: z.object({ type: z.string(), id: z.string().nullable() }),
    scope: z.enum(['org', 'project']).meta({ description: '`org`: an organisation-wide action (members, invites, password resets), shown in every project of the organisation' }),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryOut = z.infer<typeof AuditEntryOut>;

/** A page of the audit log, newest first. */
export const AuditPage = z.object({ entries: z.array(AuditEntryOut), next_cursor: z.string().nullable() }).meta({ id: 'AuditPage' });
export type AuditPage = z.infer<typeof AuditPage>;

/** GET /v1/audit query. */
export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)?$/, 'must be an action (`member.removed`) or a target type (`member`)')
    .optional()
    .meta({ description: 'Only this action (`member.removed`) or every action on a target type (`member`)' }),
});
