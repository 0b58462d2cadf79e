/**
 * The OTLP/HTTP wire formats for traces, decoded and encoded with @bufbuild/protobuf and
 * code generated from the official opentelemetry-proto definitions (see ./proto):
 * - `application/x-protobuf`: binary ExportTraceServiceRequest / Response / google.rpc.Status;
 * - `application/json`: the protobuf JSON mapping with OTLP's one exception, trace and span
 *   ids as hex strings instead of base64 (converted before decoding, so the same
 *   library-checked decoder handles both formats).
 */
import { fromBinary, fromJson, toBinary, toJson, create, type JsonValue } from '@bufbuild/protobuf';
import {
  ExportTraceServiceRequestSchema,
  ExportTraceServiceResponseSchema,
  type ExportTraceServiceRequest,
} from './gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.ts';
import { StatusSchema } from './gen/google/rpc/status_pb.ts';

/** The two encodings OTLP/HTTP defines. */
export type OtlpEncoding = 'protobuf' | 'json';

/** Picks the encoding from a Content-Type header; null when it is neither OTLP encoding. */
export function otlpEncoding(contentType: string | null | undefined): OtlpEncoding | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

/** Why a body could not be decoded (the route answers 400 with it). */
export class OtlpDecodeError extends Error {}

const HEX_ID = /^[0-9a-fA-F]*$/;

/** Hex id -> base64 (what the protobuf JSON mapping expects for bytes); null if not hex. */
function hexToBase64(hex: string): string | null {
  if (hex.length % 2 || !HEX_ID.test(hex)) return null;
  let binary = '';
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

/** Field names as OTLP/JSON writes them (lowerCamelCase) and as the proto defines them. */
const RESOURCE_SPANS = ['resourceSpans', 'resource_spans'];
const SCOPE_SPANS = ['scopeSpans', 'scope_spans'];
const ID_FIELDS = ['traceId', 'trace_id', 'spanId', 'span_id', 'parentSpanId', 'parent_span_id'];

const list = (o: Record<string, unknown>, names: string[]): unknown[] => {
  for (const n of names) if (Array.isArray(o[n])) return o[n] as unknown[];
  return [];
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rewrites hex ids to base64 in place. An id that is not hex becomes empty bytes, and its
 * span is reported as invalid later (the translator rejects empty ids per span), so one
 * bad span does not fail the whole request.
 */
function convertHexIds(body: unknown): Map<string, string> {
  const badIds = new Map<string, string>();
  if (!isObj(body)) return badIds;
  list(body, RESOURCE_SPANS).forEach((rs, ri) => {
    if (!isObj(rs)) return;
    list(rs, SCOPE_SPANS).forEach((ss, si) => {
      if (!isObj(ss)) return;
      list(ss, ['spans']).forEach((span, i) => {
        if (!isObj(span)) return;
        const fix = (o: Record<string, unknown>, where: string) => {
          for (const f of ID_FIELDS) {
            if (typeof o[f] !== 'string') continue;
            const b64 = hexToBase64(o[f] as string);
            if (b64 === null) {
              badIds.set(`${ri}/${si}/${i}`, `${where}${f} must be hex, got ${JSON.stringify(String(o[f]).slice(0, 40))}`);
              o[f] = '';
            } else o[f] = b64;
          }
        };
        fix(span, '');
        if (Array.isArray(span.links)) span.links.forEach((l) => isObj(l) && fix(l, 'links.'));
      });
    });
  });
  return badIds;
}

/** A decoded request plus ids that were not hex (key `resource/scope/span` index). */
export interface DecodedRequest {
  request: ExportTraceServiceRequest;
  badIds: Map<string, string>;
}

/** Decodes a request body; throws OtlpDecodeError with the decoder's reason. */
export function decodeRequest(bytes: Uint8Array, encoding: OtlpEncoding): DecodedRequest {
  if (encoding === 'protobuf') {
    try {
      // Unknown fields (a newer proto's) are skipped, not kept: the translator never reads
      // them, and keeping them cost ~16% of decoding.
      return { request: fromBinary(ExportTraceServiceRequestSchema, bytes, { readUnknownFields: false }), badIds: new Map() };
    } catch (err) {
      throw new OtlpDecodeError(`the body is not a valid OTLP ExportTraceServiceRequest protobuf: ${(err as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (err) {
    throw new OtlpDecodeError(`the body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObj(json)) throw new OtlpDecodeError('the body must be a JSON object (an ExportTraceServiceRequest)');
  const badIds = convertHexIds(json);
  try {
    // Unknown fields are ignored, as the OTLP spec asks of receivers (forward compatibility).
    return { request: fromJson(ExportTraceServiceRequestSchema, json as JsonValue, { ignoreUnknownFields: true }), badIds };
  } catch (err) {
    throw new OtlpDecodeError(`the body is not a valid OTLP/JSON ExportTraceServiceRequest: ${(err as Error).message}`);
  }
}

/** The success answer: empty, or `partial_success` when some spans were rejected. */
export function encodeResponse(encoding: OtlpEncoding, rejectedSpans: number, errorMessage: string): { body: Uint8Array | string; contentType: string } {
  const response = create(ExportTraceServiceResponseSchema, rejectedSpans ? { partialSuccess: { rejectedSpans: BigInt(rejectedSpans), errorMessage } } : {});
  if (encoding === 'protobuf') return { body: toBinary(ExportTraceServiceResponseSchema, response), contentType: 'application/x-protobuf' };
  return { body: JSON.stringify(toJson(ExportTraceServiceResponseSchema, response)), contentType: 'application/json' };
}

/**
 * An error answer as google.rpc.Status, which OTLP/HTTP requires for 4xx/5xx bodies. The
 * JSON form also carries Loupe's usual `error` object, so both kinds of client read it.
 */
export function encodeStatus(encoding: OtlpEncoding, grpcCode: number, message: string, loupeError: Record<string, unknown>): { body: Uint8Array | string; contentType: string } {
  const status = create(StatusSchema, { code: grpcCode, message });
  if (encoding === 'protobuf') return { body: toBinary(StatusSchema, status), contentType: 'application/x-protobuf' };
  return { body: JSON.stringify({ ...(toJson(StatusSchema, status) as object), ...loupeError }), contentType: 'application/json' };
}
