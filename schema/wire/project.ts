/** The caller's project, as GET /v1/project returns it. */
import { z } from 'zod';

/** A project: the unit every trace, key and query belongs to. */
export const ProjectOut = z.object({ id: z.string(), org_id: z.string(), name: z.string(), created_at: z.string() }).meta({ id: 'Project' });
export type ProjectOut = z.infer<typeof ProjectOut>;
