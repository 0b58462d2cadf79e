/**
 * The R2 batch format: NDJSON, one NormalizedSpan per line. A span row in D1 points at
 * its line with a ref "<key>#<offset>,<length>" (bytes), so the span's full input and
 * output load with one range read, and neighbouring spans share one read.
 */
import type { NormalizedSpan } from '../../schema/wire/span.ts';

/** A parsed line and where its bytes are. */
export interface BatchLine {
  span: NormalizedSpan;
  offset: number;
  length: number;
}

const decoder = new TextDecoder();

/** Splits an NDJSON batch into spans with byte offsets. Blank lines are skipped. */
export function parseBatch(bytes: Uint8Array): BatchLine[] {
  const lines: BatchLine[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    if (end > start) {
      lines.push({ span: JSON.parse(decoder.decode(bytes.subarray(start, end))), offset: start, length: end - start });
    }
    start = end + 1;
  }
  return lines;
}

/** A pointer to bytes inside an R2 object. */
export interface PayloadRef {
  key: string;
  offset: number;
  length: number;
}

/** Formats a ref for the `input_ref` / `output_ref` columns. */
export function formatRef(key: string, offset: number, length: number): string {
  return `${key}#${offset},${length}`;
}

/** Parses a ref column; null for malformed values. */
export function parseRef(ref: string | null | undefined): PayloadRef | null {
  if (!ref) return null;
  const hash = ref.lastIndexOf('#');
  if (hash < 0) return null;
  const [o, l] = ref.slice(hash + 1).split(',');
  const offset = Number(o);
  const length = Number(l);
  if (!Number.isInteger(offset) || !Number.isInteger(length)) return null;
  return { key: ref.slice(0, hash), offset, length };
}
