/**
 * Export jobs (workers/portability/export-job.ts): a project's export written to R2 in
 * bounded steps by the every-minute cron, for projects too large to stream in one request.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

export const exportJobs = sqliteTable(
  'export_jobs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    /** queued | running | done | failed | expired (the file was deleted: by age, or by a deletion job that ran after it) */
    status: text('status', { enum: ['queued', 'running', 'done', 'failed', 'expired'] }).notNull(),
    /** The R2 key of the file (exports/<project>/<id>.jsonl). */
    objectKey: text('object_key').notNull(),
    /** The R2 multipart upload in progress (null before the first part and once completed). */
    uploadId: text('upload_id'),
    /** JSON array of {partNumber, etag} uploaded so far. */
    parts: text('parts').notNull().default('[]'),
    /** JSON ExportCursor: where the next part starts. */
    cursor: text('cursor').notNull(),
    /** Bytes of records made but not yet uploaded (R2 parts must all be one size, but the last): kept in R2 beside the file until the next part. */
    carry: integer('carry').notNull().default(0),
    records: integer('records').notNull().default(0),
    bytes: integer('bytes').notNull().default(0),
    error: text('error'),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
    /** When the file is deleted (finished_at + the retention of export files). */
    expiresAt: integer('expires_at'),
  },
  (t) => [index('export_jobs_project').on(t.projectId, t.createdAt), index('export_jobs_status').on(t.status)],
);
