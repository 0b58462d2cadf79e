/**
 * POST /v1/spans: the native ingest API. Answers 202 once the batch is durable in R2 and
 * queued; 207 when some spans were rejected (the rest are kept); 400 when the envelope is
 * invalid or every span was rejected; 413 over the size limit.
 */
import { z } from 'zod';
import { newRouter } from '../platform/http.ts';
import { ApiError, fromZodError } from '../platform/errors.ts';
import { requireAuth } from '../auth/middleware.ts';
import { readJson } from './body.ts';
import { validateSpans } from './validate.ts';
import { writeSpanBatch } from '../store/batch-writer.ts';
import { SpanBatchIn, SpanIn } from '../../schema/wire/span.ts';
import { BatchAccepted, ErrorBody } from '../../schema/wire/errors.ts';

export const spansIngestRoutes = newRouter();

/** Limits from [vars], with safe fallbacks. */
export function ingestLimits(env: Env): { maxBytes: number; maxSpans: number } {
  return { maxBytes: Number(env.MAX_INGEST_BYTES) || 26_214_400, maxSpans: Number(env.MAX_INGEST_SPANS) || 5000 };
}

spansIngestRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/v1/spans',
  tags: ['ingest'],
  summary: 'Post a batch of spans',
  description:
    'Posts spans of one or more traces. A span may be posted twice (at start, then at end with its output): the second post merges into the first; posting the same span again changes nothing. Children may arrive before their parents. Limits: 25 MB body (MAX_INGEST_BYTES), 5,000 spans (MAX_INGEST_SPANS), JSON nested at most 64 levels. Needs the `ingest` scope.',
  security: [{ apiKey: [] }],
  request: { body: { content: { 'application/json': { schema: SpanBatchIn.extend({ spans: z.array(SpanIn) }) } } } },
  responses: {
    202: { description: 'Every span accepted and durable', content: { 'application/json': { schema: BatchAccepted } } },
    207: { description: 'Some spans rejected; the others accepted', content: { 'application/json': { schema: BatchAccepted } } },
    400: { description: 'Invalid envelope, body, or every span rejected', content: { 'application/json': { schema: ErrorBody } } },
    401: { description: 'Missing or revoked key', content: { 'application/json': { schema: ErrorBody } } },
    413: { description: 'Body or batch over the limit', content: { 'application/json': { schema: ErrorBody } } },
  },
});

spansIngestRoutes.post('/v1/spans', requireAuth('ingest'), async (c) => {
  const { maxBytes, maxSpans } = ingestLimits(c.env);
  const body = await readJson(c.req.raw, maxBytes);
  const envelope = SpanBatchIn.safeParse(body);
  if (!envelope.success) throw fromZodError(envelope.error);
  const items = envelope.data.spans;
  if (items.length > maxSpans) {
    throw new ApiError(413, 'too_many_spans', `a batch may carry at most ${maxSpans} spans; this one has ${items.length}`, 'spans');
  }
  const { spans, rejected } = validateSpans(items);
  if (!spans.length) {
    throw new ApiError(400, 'invalid_spans', `every span was rejected; first: ${rejected[0].path}: ${rejected[0].message}`, rejected[0].path, { rejected });
  }
  await writeSpanBatch(c.env, c.get('auth').projectId, spans, 'native');
  return c.json({ accepted: spans.map((s) => s.id), rejected }, rejected.length ? 207 : 202);
});
