/**
 * POST /otel/v1/traces: OTLP/HTTP trace export, so `OTEL_EXPORTER_OTLP_ENDPOINT=<loupe>/otel`
 * works with any OpenTelemetry SDK or Collector. Binary protobuf or JSON, optionally gzip,
 * with the API key as `Authorization: Bearer` or `x-api-key`. Answers as the OTLP spec says:
 * 200 with an ExportTraceServiceResponse (with `partial_success` when some spans were
 * rejected), 400 for an undecodable body, 415 for another content type, 429 with
 * Retry-After when rate limited; error bodies are google.rpc.Status in the request's
 * encoding.
 */
import type { Context } from 'hono';
import { newRouter, onError, type AppEnv } from '../../platform/http.ts';
import { ApiError, errorBody } from '../../platform/errors.ts';
import { requireAuth } from '../../auth/middleware.ts';
import { readBody } from '../body.ts';
import { ingestLimits } from '../spans-route.ts';
import { enforceIngestRateLimit } from '../rate-limit.ts';
import { decodeRequest, encodeResponse, encodeStatus, otlpEncoding, OtlpDecodeError } from './codec.ts';
import { countSpans, ingestOtlp, rejectionMessage } from './ingest.ts';

export const otlpRoutes = newRouter();

/** gRPC status codes for the HTTP statuses this route answers with. */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 429: 8, 500: 13 };

otlpRoutes.onError((err: Error, c: Context<AppEnv>) => {
  const encoding = otlpEncoding(c.req.header('content-type')) ?? 'json';
  if (!(err instanceof ApiError)) return onError(err, c);
  const { body, contentType } = encodeStatus(encoding, GRPC_CODE[err.status] ?? 2, err.message, errorBody(err));
  return c.body(body as never, err.status, { 'content-type': contentType, ...err.headers });
});

otlpRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/otel/v1/traces',
  tags: ['ingest'],
  summary: 'Export spans over OTLP/HTTP',
  description:
    'The OpenTelemetry OTLP/HTTP trace endpoint: set `OTEL_EXPORTER_OTLP_ENDPOINT=<loupe>/otel` and `OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer <key>`. Accepts `application/x-protobuf` and `application/json`, gzip or not. GenAI semantic conventions, OpenInference and the Vercel AI SDK attributes are mapped to Loupe spans; every other attribute is kept as metadata. See docs/ingest-otel-langsmith.md. Needs the `ingest` scope.',
  security: [{ apiKey: [] }],
  responses: {
    200: { description: 'ExportTraceServiceResponse; `partialSuccess` counts rejected spans' },
    400: { description: 'Undecodable body (google.rpc.Status)' },
    401: { description: 'Missing or revoked key' },
    413: { description: 'Body or span count over the limit' },
    415: { description: 'Content-Type is not application/x-protobuf or application/json' },
    429: { description: 'Rate limited; see Retry-After' },
  },
});

otlpRoutes.post('/otel/v1/traces', requireAuth('ingest'), async (c) => {
  const contentType = c.req.header('content-type') ?? '';
  const encoding = otlpEncoding(contentType);
  if (!encoding) {
    throw new ApiError(415, 'unsupported_media_type', `Content-Type '${contentType || '(none)'}' is not supported; OTLP/HTTP sends application/x-protobuf or application/json`);
  }
  const projectId = c.get('auth').projectId;
  await enforceIngestRateLimit(c.env, projectId);
  const { maxBytes, maxSpans } = ingestLimits(c.env);
  const bytes = await readBody(c.req.raw, maxBytes);
  let decoded;
  try {
    decoded = decodeRequest(bytes, encoding);
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw new ApiError(400, 'invalid_otlp', err.message);
    throw err;
  }
  const total = countSpans(decoded);
  if (total > maxSpans) throw new ApiError(413, 'too_many_spans', `one export may carry at most ${maxSpans} spans; this one has ${total} (lower the exporter's max batch size)`);
  const result = await ingestOtlp(c.env, projectId, decoded);
  const { body, contentType: responseType } = encodeResponse(encoding, result.rejected.length, rejectionMessage(result.rejected));
  return c.body(body as never, 200, { 'content-type': responseType });
});
