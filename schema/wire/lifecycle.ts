/** Retention and deletion (workers/lifecycle): /v1/retention and /v1/deletions. */
import { z } from 'zod';

/** The retention periods a project can choose (days), or `forever`. */
export const RETENTION_DAYS = [14, 30, 90, 400] as const;

const Period = z.union([z.literal(14), z.literal(30), z.literal(90), z.literal(400), z.literal('forever')], {
  error: 'must be one of 14, 30, 90, 400 or "forever"',
});

export const RetentionIn = z
  .object({
    days: Period.meta({ description: 'How long traces are kept, from their start time' }),
    reviewed_days: Period.nullable()
      .optional()
      .meta({ description: 'How long traces with human feedback or a queue review are kept (null: like every other trace)' }),
  })
  .strict()
  .meta({ id: 'RetentionIn', example: { days: 30, reviewed_days: 400 } });
export type RetentionIn = z.infer<typeof RetentionIn>;

export const RetentionOut = z
  .object({
    days: z.union([z.number().int(), z.literal('forever')]),
    reviewed_days: z.union([z.number().int(), z.literal('forever')]).nullable(),
    stored: z.object({
      traces: z.number().int(),
      spans: z.number().int(),
      /** Bytes of span lines in R2 the project's spans point at (payloads). */
      payload_bytes: z.number().int(),
    }),
    /** The D1 database holding the project's index (operators move projects with `npm run shards`). */
    shard: z.object({
      name: z.string().meta({ description: 'The shard\'s binding name, e.g. DB or DB_SHARD_1' }),
      moving: z.boolean().meta({ description: 'A move to another shard is under way (writes answer 503 project_moving)' }),
      bytes: z.number().int().meta({ description: 'The whole shard\'s size (all its projects)' }),
      capacity_bytes: z.number().int(),
    }),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'RetentionOut' });
export type RetentionOut = z.infer<typeof RetentionOut>;

export const DeletionIn = z
  .object({
    trace_id: z.string().min(1).max(256).optional(),
    filter: z.string().min(1).max(4000).optional().meta({ description: 'Traces matching this filter (the filter language of GET /v1/traces?q=)' }),
    user_id: z.string().min(1).max(256).optional().meta({ description: 'Every trace with a span of this end user' }),
  })
  .strict()
  .meta({ id: 'DeletionIn', example: { user_id: 'u_123' } });
export type DeletionIn = z.infer<typeof DeletionIn>;

export const DeletionOut = z
  .object({
    id: z.string(),
    kind: z.enum(['trace', 'filter', 'user', 'retention']),
    target: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    deleted_traces: z.number().int(),
    rewritten_objects: z.number().int(),
    error: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'DeletionOut' });
export type DeletionOut = z.infer<typeof DeletionOut>;
