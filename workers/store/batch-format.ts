/**
 * The R2 layout and the batch format, in one place. Keys:
 * - `spans/<project>/<yyyy>/<mm>/<dd>/<hh>/<time>-<random>.ndjson`: one batch of spans as
 *   NDJSON, one NormalizedSpan per line (the durable log D1 is indexed, and can be rebuilt, from);
 * - `attachments/<project>/<run id>/<name>`: a file sent with a LangSmith run;
 * - `langsmith/<project>/pending/<run id>/<time>-<uuid>.json`: a LangSmith patch waiting
 *   for its run to be created (patches carry outputs, too large for D1);
 * - `insights/<project>/<report>/report.json`: a finished Insights report (its work files
 *   sit beside it while it runs).
 * Every key starts with its project, so a key from a message can be checked against the
 * message's project. A span row in D1 points at its line with a ref
 * "<key>#<offset>,<length>" (bytes), so the span's full input and output load with one
 * range read, and neighbouring spans share one read.
 */
import type { NormalizedSpan } from '../../schema/wire/span.ts';

/** R2 key for a new batch: grouped by project and hour, sortable by time. */
export function batchKey(projectId: string, now = Date.now()): string {
  const d = new Date(now);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const rand = crypto.getRandomValues(new Uint32Array(2));
  return `spans/${projectId}/${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCHours())}/${now.toString(36)}-${rand[0].toString(36)}${rand[1].toString(36)}.ndjson`;
}

/** True when `key` names a batch of `projectId` (a message may only index its own project's objects). */
export function isBatchOf(projectId: string, key: string): boolean {
  return key.startsWith(`spans/${projectId}/`);
}

/** R2 key of an attachment: under the project's prefix, per run (run ids are UUIDs). */
export function attachmentKey(projectId: string, runId: string, name: string): string {
  return `attachments/${projectId}/${runId}/${encodeURIComponent(name)}`;
}

/** R2 key of a finished Insights report (read by the insights room, scrubbed by deletion). */
export function insightReportKey(projectId: string, reportId: string): string {
  return `insights/${projectId}/${reportId}/report.json`;
}

/** R2 key of a LangSmith patch waiting for its run, under the project's prefix. */
export function pendingPatchKey(projectId: string, runId: string, now = Date.now()): string {
  return `langsmith/${projectId}/pending/${runId}/${now.toString(36)}-${crypto.randomUUID()}.json`;
}

/** True when `key` names a pending patch of `projectId`. */
export function isPendingPatchOf(projectId: string, key: string): boolean {
  return key.startsWith(`langsmith/${projectId}/pending/`);
}

/** Serializes spans as NDJSON: one span per line (JSON never contains a raw newline). */
export function encodeBatch(spans: readonly NormalizedSpan[]): string {
  let out = '';
  for (const s of spans) out += JSON.stringify(s) + '\n';
  return out;
}

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

/**
 * The raw JSON text of the top-level `input` and `output` of one batch line (a JSON
 * object), found without parsing it, so a trace's payloads can be copied into a response
 * as they were stored. Lines are written by JSON.stringify, so the text is exactly what
 * JSON.stringify(JSON.parse(line).input) would give. Walks the top level key by key,
 * skipping values; string contents are skipped with indexOf, so cost is about the number
 * of structural characters, not of bytes.
 */
export function rawPayloads(line: string): { input?: string; output?: string } {
  const out: { input?: string; output?: string } = {};
  let i = line.indexOf('{') + 1;
  if (i === 0) return out;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 125 /* } */) break;
    if (c !== 34 /* " */) {
      i++; // a comma (or whitespace) between members
      continue;
    }
    const keyEnd = stringEnd(line, i);
    const key = line.slice(i + 1, keyEnd - 1);
    const valueStart = line.indexOf(':', keyEnd) + 1;
    const valueEnd = skipValue(line, valueStart);
    if (key === 'input' || key === 'output') out[key] = line.slice(valueStart, valueEnd);
    i = valueEnd;
  }
  return out;
}

/** Index just past the string literal starting at `start` (which holds its opening quote). */
function stringEnd(s: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) return s.length;
    let backslashes = 0;
    for (let b = q - 1; s.charCodeAt(b) === 92 /* \ */; b--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Index just past the JSON value starting at `start`. */
function skipValue(s: string, start: number): number {
  let i = start;
  while (s.charCodeAt(i) === 32) i++;
  const c = s.charCodeAt(i);
  if (c === 34) return stringEnd(s, i);
  if (c === 123 /* { */ || c === 91 /* [ */) {
    let depth = 0;
    for (; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 34) i = stringEnd(s, i) - 1;
      else if (ch === 123 || ch === 91) depth++;
      else if ((ch === 125 || ch === 93) && --depth === 0) return i + 1;
    }
    return s.length;
  }
  // A number, true, false or null: up to the next member or the end of the object.
  while (i < s.length) {
    const ch = s.charCodeAt(i);
    if (ch === 44 /* , */ || ch === 125 || ch === 93) break;
    i++;
  }
  return i;
}
