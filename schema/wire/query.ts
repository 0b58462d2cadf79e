/** Query-string parameters shared by the list endpoints. */
import { z } from 'zod';
import { parseTimestamp } from './time.ts';

/** A time in a query string: RFC 3339 or epoch ms (digits). */
export const QueryTime = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseTimestamp(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: 'RFC 3339 or epoch milliseconds', example: '2026-01-01T00:00:00Z' });

/** Largest page a list endpoint returns. */
export const MAX_PAGE = 500;

/** Common list parameters. */
export const ListQuery = z.object({
  q: z.string().max(4000).optional().meta({ description: 'A filter in the Loupe filter language (see docs/filter-language.md)', example: 'env=production feedback.thumbs=0 since:30d' }),
  from: QueryTime.optional(),
  to: QueryTime.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().max(1000).optional().meta({ description: 'next_cursor from the previous page' }),
});

/** GET /v1/traces parameters. */
export const TraceListQuery = ListQuery.extend({
  sort: z.enum(['start_time', 'latency', 'tokens', 'cost', 'spans']).default('start_time'),
  order: z.enum(['desc', 'asc']).default('desc'),
});
