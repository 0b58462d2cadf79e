/** GET /v1/review-queues/{id}/export?format=jsonl|csv: every review of a queue. Needs `read`. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { getQueue, hubFor } from './queues.ts';
import { toCsv, toJsonl } from './export.ts';

export const queueExportRoutes = newRouter();

queueExportRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/review-queues/{id}/export',
    tags: ['review'],
    summary: "Export a queue's reviews",
    description:
      "One line (JSONL) or row (CSV) per review: trace, item status, reviewer, time, the answer to each rubric key, correction, comment and the item's final label. CSV follows RFC 4180 (UTF-8, CRLF, quoted where needed).",
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    request: { params: z.object({ id: z.string().min(1).max(64) }), query: z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl') }) },
    responses: {
      200: { description: 'The reviews', content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } } },
      ...commonErrors,
      ...notFound,
    },
  }),
  async (c) => {
    const { projectId } = c.get('auth');
    const q = await getQueue(c.env, projectId, c.req.valid('param').id);
    const format = c.req.valid('query').format;
    const rows = await hubFor(c.env, projectId).exportRows(q.id);
    const name = `${q.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || q.id}.${format}`;
    // Reviewers' text is untrusted: an attachment the browser never sniffs into a page.
    const headers = { 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (format === 'csv') return c.body(toCsv(q.rubric, rows), 200, { ...headers, 'content-type': 'text/csv; charset=utf-8' });
    return c.body(toJsonl(q.id, rows), 200, { ...headers, 'content-type': 'application/x-ndjson; charset=utf-8' });
  },
);
