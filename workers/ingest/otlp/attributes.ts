/**
 * OTLP attribute values as plain JSON: `AnyValue` becomes a string, number, boolean,
 * array or object, and a `KeyValue[]` list becomes a flat record keyed by attribute name
 * (`gen_ai.usage.input_tokens` stays one key; dots are not nesting in OpenTelemetry).
 */
import type { AnyValue, KeyValue } from './gen/opentelemetry/proto/common/v1/common_pb.ts';

/** Attributes of one span (or resource, scope, event) keyed by their full name. */
export type Attributes = Record<string, unknown>;

/**
 * Int64 values become numbers when they fit exactly (token counts, sizes), else decimal
 * strings, so no value is silently rounded.
 */
function int64(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** Bytes are shown as base64, as the OTLP JSON encoding does for `bytesValue`. */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** One AnyValue as JSON; an empty AnyValue is null. */
export function anyValue(v: AnyValue | undefined): unknown {
  if (!v) return null;
  const value = v.value;
  switch (value.case) {
    case 'stringValue':
    case 'boolValue':
      return value.value;
    case 'doubleValue':
      // JSON has no NaN/Infinity; keep them readable instead of turning them into null.
      return Number.isFinite(value.value) ? value.value : String(value.value);
    case 'intValue':
      return int64(value.value);
    case 'bytesValue':
      return base64(value.value);
    case 'arrayValue':
      return value.value.values.map(anyValue);
    case 'kvlistValue':
      return attributeMap(value.value.values);
    default:
      return null;
  }
}

/** A KeyValue list as a record; a repeated key keeps its last value, as the spec allows. */
export function attributeMap(list: readonly KeyValue[]): Attributes {
  const out: Attributes = {};
  for (const kv of list) out[kv.key] = anyValue(kv.value);
  return out;
}
