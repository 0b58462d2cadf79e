/**
 * OTLP traces -> native spans. Each OTLP span becomes one SpanIn: ids as lowercase hex,
 * times in epoch ms, status and exception events -> status and error, resource attributes
 * -> environment / release / metadata, and the AI conventions read by conventions.ts.
 * Every attribute no convention maps is kept in the span's metadata under its own name.
 * The result goes through the same `validateSpans` as the native API.
 */
import type { SpanIn } from '../../../schema/wire/span.ts';
import type { ItemError } from '../../../schema/wire/errors.ts';
import { fitMetadata } from '../fit-metadata.ts';
import { attributeMap, type Attributes } from './attributes.ts';
import { readConventions, type EventLike } from './conventions.ts';
import { Span_SpanKind, Status_StatusCode, type ResourceSpans } from './gen/opentelemetry/proto/trace/v1/trace_pb.ts';

/** One translated span and where it came from in the request (for error paths). */
export interface TranslatedSpan {
  span: SpanIn;
  path: string;
}

/** What a request translated to: spans to validate, and spans rejected already (bad ids). */
export interface Translation {
  spans: TranslatedSpan[];
  rejected: ItemError[];
  total: number;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes as lowercase hex, the form OTLP/JSON and every trace viewer show ids in. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

/** Checks an OTLP id: exactly `size` bytes, not all zero (the spec's "invalid id"). */
function idProblem(bytes: Uint8Array, size: number, field: string): string | null {
  if (bytes.length === 0) return `${field} is missing`;
  if (bytes.length !== size) return `${field} must be ${size} bytes (${size * 2} hex characters), got ${bytes.length}`;
  if (isZero(bytes)) return `${field} must not be all zeros`;
  return null;
}

const NS_PER_MS = 1_000_000n;

/**
 * Unix nanoseconds -> epoch ms, computed in bigint so no precision is lost on the way.
 * Starts round down and ends round up, so a child never appears to start before or end
 * after its parent because of rounding.
 */
function nanosToMs(nanos: bigint, round: 'floor' | 'ceil'): number | undefined {
  if (nanos <= 0n) return undefined;
  const ms = nanos / NS_PER_MS;
  return Number(round === 'ceil' && nanos % NS_PER_MS !== 0n ? ms + 1n : ms);
}

/** The window in which the native API takes an epoch-ms number as meant (schema/wire/time.ts). */
const PLAIN_MS_MIN = 1e11;
const PLAIN_MS_MAX = 7258118400000;

/**
 * Epoch ms for validateSpans. OTLP times are nanoseconds by definition, so there is no unit
 * to guess: a time the native API would read as "epoch seconds" (a test clock starting at
 * 1 s, a device without a real-time clock) is passed as RFC 3339, which it takes as is.
 */
function wireTime(ms: number): number | string {
  return ms >= PLAIN_MS_MIN && ms <= PLAIN_MS_MAX ? ms : new Date(ms).toISOString();
}

const SPAN_KIND_NAMES: Record<number, string> = {
  [Span_SpanKind.INTERNAL]: 'internal',
  [Span_SpanKind.SERVER]: 'server',
  [Span_SpanKind.CLIENT]: 'client',
  [Span_SpanKind.PRODUCER]: 'producer',
  [Span_SpanKind.CONSUMER]: 'consumer',
};

/** Resource-level facts shared by every span of one ResourceSpans. */
interface ResourceFacts {
  environment?: string;
  release?: string;
  metadata: Record<string, unknown>;
}

function resourceFacts(attrs: Attributes): ResourceFacts {
  const facts: ResourceFacts = { metadata: {} };
  const env = attrs['deployment.environment.name'] ?? attrs['deployment.environment'];
  if (typeof env === 'string' && env) facts.environment = env.slice(0, 64);
  const version = attrs['service.version'];
  if (typeof version === 'string' && version) facts.release = version.slice(0, 128);
  const rest: Attributes = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'deployment.environment.name' || k === 'deployment.environment' || k === 'service.version') continue;
    if (k === 'service.name') facts.metadata['service.name'] = v;
    else rest[k] = v;
  }
  if (Object.keys(rest).length) facts.metadata['otel.resource'] = rest;
  return facts;
}

/** Translates an ExportTraceServiceRequest's spans. Ids are checked here; fields by validateSpans. */
export function translateResourceSpans(resourceSpans: readonly ResourceSpans[], badIds: ReadonlyMap<string, string> = new Map()): Translation {
  const spans: TranslatedSpan[] = [];
  const rejected: ItemError[] = [];
  let total = 0;
  resourceSpans.forEach((rs, ri) => {
    const resource = resourceFacts(attributeMap(rs.resource?.attributes ?? []));
    rs.scopeSpans.forEach((ss, si) => {
      const scope = ss.scope;
      ss.spans.forEach((s, i) => {
        const path = `resourceSpans[${ri}].scopeSpans[${si}].spans[${i}]`;
        const index = total++;
        const traceProblem = idProblem(s.traceId, 16, 'traceId');
        const spanProblem = idProblem(s.spanId, 8, 'spanId');
        const parentProblem = s.parentSpanId.length && s.parentSpanId.length !== 8 ? `parentSpanId must be 8 bytes (16 hex characters), got ${s.parentSpanId.length}` : null;
        const problem = badIds.get(`${ri}/${si}/${i}`) ?? traceProblem ?? spanProblem ?? parentProblem;
        const spanId = s.spanId.length === 8 ? toHex(s.spanId) : null;
        if (problem) {
          rejected.push({ index, id: spanId, path: `${path}.${problem.split(' ')[0]}`, message: problem });
          return;
        }
        const attrs = attributeMap(s.attributes);
        const events: (EventLike & { time: bigint })[] = s.events.map((e) => ({ name: e.name, attributes: attributeMap(e.attributes), time: e.timeUnixNano }));
        const conv = readConventions(attrs, events);
        const span: SpanIn = {
          id: spanId!,
          trace_id: toHex(s.traceId),
          parent_id: s.parentSpanId.length && !isZero(s.parentSpanId) ? toHex(s.parentSpanId) : null,
        };
        const name = conv.name ?? s.name;
        if (name) span.name = name.slice(0, 512);
        if (conv.kind) span.kind = conv.kind;
        const start = nanosToMs(s.startTimeUnixNano, 'floor');
        const end = nanosToMs(s.endTimeUnixNano, 'ceil');
        if (start !== undefined) span.start_time = wireTime(start);
        if (end !== undefined) span.end_time = wireTime(Math.max(end, start ?? end));

        const metadata: Record<string, unknown> = { ...resource.metadata, ...attrs, ...conv.metadata };
        if (scope?.name) metadata['otel.scope.name'] = scope.name;
        if (scope?.version) metadata['otel.scope.version'] = scope.version;
        if (s.kind !== Span_SpanKind.INTERNAL && SPAN_KIND_NAMES[s.kind]) metadata['otel.span_kind'] = SPAN_KIND_NAMES[s.kind];
        if (conv.name && s.name && conv.name !== s.name) metadata['otel.span_name'] = s.name;

        // Status: ERROR -> error; OK, or UNSET on a finished span (what most
        // instrumentations send on success) -> ok.
        const exception = events.find((e) => e.name === 'exception');
        if (s.status?.code === Status_StatusCode.ERROR) {
          span.status = 'error';
          const a = exception?.attributes ?? {};
          const fromException = [a['exception.type'], a['exception.message']].filter((x) => typeof x === 'string' && x).join(': ');
          span.error = (s.status.message || fromException || 'error').slice(0, 65_536);
          if (typeof a['exception.stacktrace'] === 'string') metadata['exception.stacktrace'] = a['exception.stacktrace'];
        } else if (s.status?.code === Status_StatusCode.OK || end !== undefined) {
          span.status = 'ok';
          if (s.status?.message) metadata['otel.status_message'] = s.status.message;
        }
        const otherEvents = events.filter((e) => !conv.usedEvents.has(e) && !(e === exception && span.status === 'error'));
        if (otherEvents.length) {
          metadata['otel.events'] = otherEvents.map((e) => ({ name: e.name, time: nanosToMs(e.time, 'floor') ?? null, ...(Object.keys(e.attributes).length ? { attributes: e.attributes } : {}) }));
        }
        if (s.links.length) {
          metadata['otel.links'] = s.links.map((l) => ({ trace_id: toHex(l.traceId), span_id: toHex(l.spanId), ...(l.attributes.length ? { attributes: attributeMap(l.attributes) } : {}) }));
        }

        if (conv.model) span.model = conv.model.slice(0, 256);
        if (conv.usage) span.usage = conv.usage;
        if (conv.input !== undefined) span.input = conv.input;
        if (conv.output !== undefined) span.output = conv.output;
        if (conv.session_id) span.session_id = conv.session_id.slice(0, 256);
        if (conv.user_id) span.user_id = conv.user_id.slice(0, 256);
        const environment = conv.environment ?? resource.environment;
        if (environment) span.environment = environment.slice(0, 64);
        if (resource.release) span.release = resource.release;
        if (conv.tags?.length) span.tags = [...new Set(conv.tags.map((t) => t.slice(0, 256)))].slice(0, 64);
        if (Object.keys(metadata).length) span.metadata = fitMetadata(metadata);
        spans.push({ span, path });
      });
    });
  });
  return { spans, rejected, total };
}
