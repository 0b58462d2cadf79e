/**
 * Ingesting one OTLP export request: translate, validate like a native batch, write the
 * valid spans through the shared R2 + queue path, and count what was rejected for
 * OTLP's `partial_success`. No hono types, so tests and tools can call it.
 */
import type { ItemError } from '../../../schema/wire/errors.ts';
import { validateSpans } from '../validate.ts';
import { writeSpanBatch } from '../../store/batch-writer.ts';
import { translateResourceSpans } from './translate.ts';
import type { DecodedRequest } from './codec.ts';

/** What happened to an export request. */
export interface OtlpIngestResult {
  accepted: number;
  rejected: ItemError[];
}

/** Spans in a decoded request (to enforce MAX_INGEST_SPANS before translating). */
export function countSpans(decoded: DecodedRequest): number {
  let n = 0;
  for (const rs of decoded.request.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

/** Translates, validates and durably writes the spans of one request. */
export async function ingestOtlp(env: Env, projectId: string, decoded: DecodedRequest): Promise<OtlpIngestResult> {
  const translation = translateResourceSpans(decoded.request.resourceSpans, decoded.badIds);
  const { spans, rejected } = validateSpans(translation.spans.map((t) => t.span));
  // Name rejected fields by their place in the OTLP request, not in the translated list.
  const all: ItemError[] = [
    ...translation.rejected,
    ...rejected.map((r) => ({ ...r, path: r.path.replace(/^spans\[(\d+)\]/, (_, i) => translation.spans[Number(i)].path) })),
  ];
  if (spans.length) await writeSpanBatch(env, projectId, spans, 'otlp');
  return { accepted: spans.length, rejected: all };
}

/** The `partial_success.error_message`: the first few problems, each with its path. */
export function rejectionMessage(rejected: readonly ItemError[]): string {
  if (!rejected.length) return '';
  const shown = rejected.slice(0, 5).map((r) => `${r.path}: ${r.message}`);
  return `${rejected.length} span(s) rejected: ${shown.join('; ')}${rejected.length > 5 ? '; ...' : ''}`;
}
