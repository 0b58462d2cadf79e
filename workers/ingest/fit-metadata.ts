/**
 * Fitting translated metadata into the native limit. OTLP attributes and LangSmith extras
 * are kept as metadata, and senders do not know Loupe's 64 KB cap, so instead of rejecting
 * the span, long values are cut (with a marker) and, if needed, the largest keys dropped.
 */
import { MAX_METADATA_CHARS } from './validate.ts';

/** Longest single metadata string kept whole; longer ones are cut with a marker. */
const MAX_METADATA_VALUE_CHARS = 8_192;

/**
 * Keeps metadata within the native limit (64 KB as JSON, because it is indexed in D1 whose
 * rows are capped at 2 MB): long values are cut with a marker, and if that is not enough
 * the largest keys are dropped and named in `loupe.dropped_attributes`.
 */
export function fitMetadata(meta: Record<string, unknown>): Record<string, unknown> {
  if (JSON.stringify(meta).length <= MAX_METADATA_CHARS) return meta;
  const out: Record<string, unknown> = {};
  const sizes: [string, number][] = [];
  for (const [k, v] of Object.entries(meta)) {
    const json = JSON.stringify(v) ?? '';
    if (json.length > MAX_METADATA_VALUE_CHARS) {
      const textValue = typeof v === 'string' ? v : json;
      out[k] = `${textValue.slice(0, MAX_METADATA_VALUE_CHARS)}…[${textValue.length - MAX_METADATA_VALUE_CHARS} chars cut]`;
    } else out[k] = v;
    sizes.push([k, JSON.stringify(out[k])?.length ?? 0]);
  }
  sizes.sort((a, b) => b[1] - a[1]);
  const dropped: string[] = [];
  let size = JSON.stringify(out).length;
  for (const [k, n] of sizes) {
    if (size <= MAX_METADATA_CHARS - 4096) break;
    delete out[k];
    dropped.push(k);
    size -= n + k.length + 4;
  }
  if (dropped.length) out['loupe.dropped_attributes'] = dropped;
  return out;
}
