/**
 * GET /v1/traces/{id}/spans/{spanId}/attachments/{name} (read scope): a file sent with a
 * run (LangSmith `attachment.<run id>.<name>` parts), byte for byte from R2.
 *
 * The R2 key is derived from the key's project and the span id, never read from the span's
 * metadata: metadata is whatever a client posted, so trusting a key stored there would let
 * one project name another's object. The span must list the attachment (metadata
 * `attachments.<name>`), so a name it never had is 404 like any unknown one.
 *
 * The content is untrusted and this is the review UI's origin: it is always sent as a
 * download (Content-Disposition: attachment), with nosniff and a sandboxing CSP, so an
 * uploaded text/html or SVG file can never run as a page of Loupe.
 */
import { z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { dbFor } from '../platform/db.ts';
import { attachmentKey } from './batch-format.ts';

export const attachmentRoutes = newRouter();

attachmentRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/v1/traces/{id}/spans/{spanId}/attachments/{name}',
  tags: ['traces'],
  summary: "Download a span's attachment",
  description:
    "A file sent with a run through the LangSmith SDKs (the span's metadata `attachments` lists them with content type and size), as a download with its stored content type. Needs the `read` scope.",
  security: [{ apiKey: [] }],
  request: { params: z.object({ id: z.string().min(1).max(128), spanId: z.string().min(1).max(128), name: z.string().min(1).max(512) }) },
  responses: {
    200: { description: 'The file, byte for byte', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    404: { description: 'No such span in this project, or the span has no attachment of that name' },
  },
});

attachmentRoutes.get('/v1/traces/:id/spans/:spanId/attachments/:name', requireAuth('read'), async (c) => {
  const projectId = c.get('auth').projectId;
  const { id, spanId, name } = c.req.param();
  const row = await dbFor(c.env, projectId)
    .prepare(`SELECT json_extract(metadata, '$.attachments') AS attachments FROM spans WHERE project_id = ? AND trace_id = ? AND span_id = ?`)
    .bind(projectId, id, spanId)
    .first<{ attachments: string | null }>();
  if (!row) throw new ApiError(404, 'not_found', `span '${spanId}' of trace '${id}' not found in this project`, 'spanId');
  let listed = false;
  try {
    const refs = row.attachments ? (JSON.parse(row.attachments) as Record<string, unknown>) : {};
    listed = typeof refs === 'object' && refs !== null && Object.hasOwn(refs, name);
  } catch {
    listed = false;
  }
  const object = listed ? await c.env.BLOBS.get(attachmentKey(projectId, spanId, name)) : null;
  if (!object) throw new ApiError(404, 'not_found', `span '${spanId}' has no attachment '${name}'`, 'name');
  return new Response(object.body, {
    headers: {
      'content-type': object.httpMetadata?.contentType ?? 'application/octet-stream',
      'content-length': String(object.size),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
      'cache-control': 'private, max-age=300',
    },
  });
});
