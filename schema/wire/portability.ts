/** Export jobs (workers/portability/export-job.ts): /v1/exports. */
import { z } from 'zod';

export const ExportJobOut = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed', 'expired']).meta({
      description: '`expired`: the file is gone, after EXPORT_KEEP_DAYS or because a deletion finished after the export started (its file may have held the deleted data)',
    }),
    records: z.number().int().meta({ description: 'Records written so far (the file ends with an `end` record carrying the total)' }),
    bytes: z.number().int().meta({ description: 'Bytes written to R2 so far' }),
    error: z.string().nullable().meta({ description: 'The last step failure (retried on the next minute) or why the file expired' }),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    download: z.string().nullable().meta({ description: 'Path of the file once done (GET, same credentials)' }),
  })
  .meta({ id: 'ExportJob' });
export type ExportJobOut = z.infer<typeof ExportJobOut>;
