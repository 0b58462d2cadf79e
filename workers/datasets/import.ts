/**
 * Import of examples from JSONL or CSV, in the line format export writes (docs/datasets.md,
 * "Import"), so an export imports back unchanged. Each bad line is reported (line number,
 * field, reason) and left out; the good lines become ONE version. Ids are kept, so
 * importing the same file again changes nothing; a line whose id exists with different
 * content is a per-line conflict (edits go through PATCH).
 */
import { ApiError } from '../platform/errors.ts';
import { CSV_COLUMNS } from './export.ts';
import { applyWrites, checkExampleWrite, mustFindDataset, type ExampleWriteChecked } from './examples.ts';

/** Workers hold the body in memory (128 MB per isolate), so an import is at most this many bytes. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Examples per import (one version, one D1 batch). */
export const MAX_IMPORT_LINES = 10_000;
/** Line errors listed in a response (`error_count` has them all). */
const MAX_ERRORS_LISTED = 100;

export interface LineError {
  line: number;
  field: string | null;
  reason: string;
}

export interface ImportResult {
  version: number;
  imported: number;
  unchanged: number;
  error_count: number;
  errors: LineError[];
}

/** Reads the body, refusing more than MAX_IMPORT_BYTES (413) whether or not Content-Length is sent. */
export async function readImportBody(req: Request): Promise<string> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `body: an import is at most ${MAX_IMPORT_BYTES} bytes (MAX_IMPORT_BYTES); split the file`, 'body', { limit_bytes: MAX_IMPORT_BYTES });
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_IMPORT_BYTES) throw tooLarge();
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_IMPORT_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_request', 'body: not valid UTF-8', 'body');
  }
}

/** A parsed line: its number in the file and the example it writes, or why it cannot. */
type Line = { line: number; value: unknown } | { line: number; error: LineError };

function jsonlLines(text: string): Line[] {
  const out: Line[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (!raw.trim()) continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (err) {
      out.push({ line: i + 1, error: { line: i + 1, field: null, reason: `not JSON (${(err as Error).message})` } });
    }
  }
  return out;
}

/** RFC 4180 records with the line each starts on (a quoted cell may span lines). */
export function csvRecords(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      any = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (any || cell) out.push({ line: start, cells: [...cells, cell] });
      cells = [];
      cell = '';
      any = false;
      line++;
      start = line;
    } else {
      cell += ch;
      any = true;
    }
  }
  if (any || cell) out.push({ line: start, cells: [...cells, cell] });
  return out;
}

/** Export prefixes `'` to cells starting with = + - @ (formula neutralising); import takes it off again. */
const unneutralise = (s: string) => (/^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s);
const TEXT_COLUMNS = new Set(['id', 'criteria']);

function csvLines(text: string): Line[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ''));
  if (!records.length) return [];
  const header = records[0].cells.map((h) => h.trim());
  const unknown = header.find((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown !== undefined) throw new ApiError(400, 'invalid_request', `header: unknown column '${unknown}' (columns: ${CSV_COLUMNS.join(', ')})`, 'header');
  if (!header.includes('inputs')) throw new ApiError(400, 'invalid_request', "header: an 'inputs' column is required", 'header');
  const out: Line[] = [];
  for (const r of records.slice(1)) {
    if (r.cells.length !== header.length) {
      out.push({ line: r.line, error: { line: r.line, field: null, reason: `${r.cells.length} cells; the header has ${header.length}` } });
      continue;
    }
    const value: Record<string, unknown> = {};
    let error: LineError | null = null;
    header.forEach((col, j) => {
      const cell = unneutralise(r.cells[j]);
      if (error || cell === '') return;
      if (TEXT_COLUMNS.has(col)) value[col] = cell;
      else {
        try {
          value[col] = JSON.parse(cell);
        } catch {
          error = { line: r.line, field: col, reason: 'not JSON' };
        }
      }
    });
    out.push(error ? { line: r.line, error } : { line: r.line, value });
  }
  return out;
}

/**
 * Imports a JSONL or CSV body into a dataset as one version (or none, when every good line
 * is already there). Lines that fail (shape, schema, a repeated id, an id that exists with
 * other content) are listed and skipped; when no line is good, it is a 400 with the list.
 */
export async function importExamples(env: Env, projectId: string, datasetId: string, text: string, format: 'jsonl' | 'csv'): Promise<ImportResult> {
  const d = await mustFindDataset(env, projectId, datasetId);
  const lines = format === 'csv' ? csvLines(text) : jsonlLines(text);
  if (lines.length > MAX_IMPORT_LINES) throw new ApiError(400, 'invalid_request', `body: ${lines.length} examples; an import is at most ${MAX_IMPORT_LINES} (MAX_IMPORT_LINES); split the file`, 'body', { limit_lines: MAX_IMPORT_LINES });
  if (!lines.length) throw new ApiError(400, 'invalid_request', `body: no examples (${format === 'csv' ? 'a header row, then one example per row' : 'one JSON example per line'})`, 'body');
  const errors: LineError[] = [];
  const writes: (ExampleWriteChecked & { line: number })[] = [];
  const firstLine = new Map<string, number>();
  for (const l of lines) {
    if ('error' in l) {
      errors.push(l.error);
      continue;
    }
    try {
      const w = checkExampleWrite(d, l.value, '');
      const first = firstLine.get(w.id);
      if (first !== undefined) {
        errors.push({ line: l.line, field: 'id', reason: `repeats the id of line ${first}` });
        continue;
      }
      firstLine.set(w.id, l.line);
      writes.push({ id: w.id, state: w.state, at: '', line: l.line });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const field = err.path ?? null;
      errors.push({ line: l.line, field, reason: field && err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message });
    }
  }
  if (!writes.length) {
    throw new ApiError(400, 'invalid_request', `no line could be imported; line ${errors[0].line}${errors[0].field ? ` ${errors[0].field}` : ''}: ${errors[0].reason}`, 'body', { error_count: errors.length, errors: errors.slice(0, MAX_ERRORS_LISTED) });
  }
  const r = await applyWrites(env, projectId, d, writes, { onExisting: 'conflict', collectConflicts: true, message: `imported ${writes.length} examples (${format})` });
  for (const c of r.conflicts) errors.push({ line: (c.write as (typeof writes)[number]).line, field: 'id', reason: c.reason });
  errors.sort((a, b) => a.line - b.line);
  return { version: r.version, imported: r.written.length, unchanged: r.unchanged.length, error_count: errors.length, errors: errors.slice(0, MAX_ERRORS_LISTED) };
}
