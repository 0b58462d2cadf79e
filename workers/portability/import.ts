/**
 * Restores an export (export.ts) into a project, line by line, from a stream.
 * - Table rows are inserted with ON CONFLICT DO NOTHING on their primary key, so importing
 *   the same file again adds nothing, and an import into a project that already has data
 *   merges: rows whose ids exist are kept as they are (never overwritten), the rest are added.
 * - Span lines go through the normal ingest write path (R2 batch + ledger + ingest queue,
 *   then the indexer), so the D1 index and the R2 log agree as they do for any ingest. The
 *   lines of one source batch become one R2 object whose key is derived from the source
 *   batch's path and the file's line number, so a retried import rewrites the same objects
 *   (the log does not grow) and the indexer's upserts leave the index as it was.
 * - A bad line is reported (line number, field, reason) and skipped; a line is stored
 *   whole or not at all (each row is one statement; a span line is inside one R2 object).
 * Memory is bounded: lines stream in, and at most ROW_FLUSH rows and SPAN_FLUSH spans are held.
 */
import { dbFor } from '../platform/db.ts';
import { writeSpanBatch } from '../store/batch-writer.ts';
import type { NormalizedSpan } from '../../schema/wire/span.ts';
import { MAX_ID_LENGTH } from '../../schema/wire/span.ts';
import { portableTable, type PortableTable } from './tables.ts';

/** One rejected line. */
export interface ImportLineError {
  line: number;
  field: string;
  reason: string;
}

/** What an import did. */
export interface ImportResult {
  lines: number;
  rows: number;
  spans: number;
  batches: number;
  skipped: number;
  errors: ImportLineError[];
  /** More errors than MAX_ERRORS happened; only the first are listed. */
  errors_truncated: boolean;
}

/** Rows per D1 batch (one transaction); a failing batch is retried a row at a time to find the bad line. */
const ROW_FLUSH = 50;
/** Spans held before they go to R2 as one object (an ingest batch is capped near this too). */
const SPAN_FLUSH = 2_000;
/** Bytes of span lines held before a flush, whatever their count. */
const SPAN_FLUSH_BYTES = 8 * 1024 * 1024;
/** A longer line is refused: it could not have come from an export (R2 batches are capped well below). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** Errors listed in the answer; the count of skipped lines is always exact. */
const MAX_ERRORS = 1_000;

const ID = /^[\x21-\x7e]+$/;
/** A source batch path: what follows `spans/<project>/` in an R2 key. */
const BATCH_PATH = /^[0-9A-Za-z_-]+(\/[0-9A-Za-z_-]+)*\.ndjson$/;
const SPAN_KEYS = new Set(['id', 'trace_id', 'parent_id', 'name', 'kind', 'start_time', 'end_time', 'status', 'error', 'input', 'output', 'model', 'usage', 'tags', 'metadata', 'environment', 'release', 'session_id', 'user_id']);

class LineError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

interface PendingRow {
  line: number;
  table: PortableTable;
  row: Record<string, unknown>;
}

/** Imports JSONL from `body` into `projectId`. `firstLine` numbers the first line (a client sending a file in parts passes where the part starts). */
export async function importProject(env: Env, projectId: string, body: ReadableStream<Uint8Array>, firstLine = 1): Promise<ImportResult> {
  const db = dbFor(env, projectId);
  const result: ImportResult = { lines: 0, rows: 0, spans: 0, batches: 0, skipped: 0, errors: [], errors_truncated: false };
  const fail = (line: number, field: string, reason: string) => {
    result.skipped++;
    if (result.errors.length < MAX_ERRORS) result.errors.push({ line, field, reason });
    else result.errors_truncated = true;
  };

  let rows: PendingRow[] = [];
  let spans: NormalizedSpan[] = [];
  let spanBytes = 0;
  let spanLines: number[] = [];
  let batchPath: string | null = null;
  let batchFirstLine = 0;

  async function flushRows(): Promise<void> {
    if (!rows.length) return;
    const pending = rows;
    rows = [];
    const statements = pending.map((p) => insertRow(db, projectId, p));
    try {
      await db.batch(statements);
      result.rows += pending.length;
    } catch {
      // One bad row fails the whole transaction: redo them one by one to name it.
      for (let i = 0; i < pending.length; i++) {
        try {
          await statements[i].run();
          result.rows++;
        } catch (err) {
          fail(pending[i].line, 'row', d1Reason(err));
        }
      }
    }
  }

  async function flushSpans(): Promise<void> {
    if (!spans.length || batchPath === null) return;
    // The line number makes the key unique per part of a source batch and the same on a retry; zero-padded so parts sort in file order.
    const key = `spans/${projectId}/${batchPath.slice(0, -'.ndjson'.length)}-${String(batchFirstLine).padStart(10, '0')}.ndjson`;
    const pending = spans;
    const lines = spanLines;
    spans = [];
    spanLines = [];
    spanBytes = 0;
    try {
      await writeSpanBatch(env, projectId, pending, 'import', key);
      result.spans += pending.length;
      result.batches++;
    } catch (err) {
      for (const line of lines) fail(line, 'span', `could not be stored: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
    }
  }

  async function handle(text: string, n: number): Promise<void> {
    result.lines++;
    if (!text.trim()) return;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      return fail(n, '', `not JSON: ${(err as Error).message}`);
    }
    try {
      if (!record || typeof record !== 'object' || Array.isArray(record)) throw new LineError('', 'must be a JSON object');
      const r = record as Record<string, unknown>;
      if (typeof r.type !== 'string') throw new LineError('type', 'must be a string naming the record type');
      if (r.type === 'loupe_export') {
        if (r.version !== 1) throw new LineError('version', 'this Loupe reads export version 1');
        return;
      }
      if (r.type === 'end') return;
      if (r.type === 'span') {
        const path = r.batch;
        if (typeof path !== 'string' || !BATCH_PATH.test(path) || path.length > 512) throw new LineError('batch', 'must be the source batch path (segments of letters, digits, _ and -, ending in .ndjson)');
        const span = checkSpan(r.span);
        if (path !== batchPath || spans.length >= SPAN_FLUSH || spanBytes + text.length > SPAN_FLUSH_BYTES) {
          await flushSpans();
          batchPath = path;
          batchFirstLine = n;
        }
        spans.push(span);
        spanLines.push(n);
        spanBytes += text.length;
        return;
      }
      const table = portableTable(r.type);
      if (!table) throw new LineError('type', `unknown record type '${r.type.slice(0, 64)}'`);
      rows.push({ line: n, table, row: checkRow(table, r.row) });
      if (rows.length >= ROW_FLUSH) await flushRows();
    } catch (err) {
      if (err instanceof LineError) return fail(n, err.field, err.message);
      throw err;
    }
  }

  let n = firstLine;
  for await (const text of lines(body)) {
    if (text === null) fail(n, '', `line is longer than ${MAX_LINE_BYTES} bytes`);
    else await handle(text, n);
    n++;
  }
  await flushRows();
  await flushSpans();
  return result;
}

/** Validates a table row: an object of known columns with D1-storable values. */
function checkRow(table: PortableTable, row: unknown): Record<string, unknown> {
  if (!row || typeof row !== 'object' || Array.isArray(row)) throw new LineError('row', 'must be an object of column values');
  const known = new Set(table.columns);
  for (const [k, v] of Object.entries(row)) {
    if (!known.has(k)) throw new LineError(`row.${k}`, `is not a column of ${table.name}`);
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new LineError(`row.${k}`, 'must be a string, number, boolean or null (JSON columns travel as strings)');
  }
  return row as Record<string, unknown>;
}

/** Validates a span line: the shape the R2 batches hold (NormalizedSpan); the indexer reads nothing else. */
function checkSpan(span: unknown): NormalizedSpan {
  if (!span || typeof span !== 'object' || Array.isArray(span)) throw new LineError('span', 'must be an object');
  const s = span as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!SPAN_KEYS.has(k)) throw new LineError(`span.${k}`, 'is not a span field');
  for (const k of ['id', 'trace_id'] as const) {
    const v = s[k];
    if (typeof v !== 'string' || !v.length || v.length > MAX_ID_LENGTH || !ID.test(v)) throw new LineError(`span.${k}`, `must be 1-${MAX_ID_LENGTH} printable ASCII characters without spaces`);
  }
  if (s.parent_id != null && (typeof s.parent_id !== 'string' || s.parent_id.length > MAX_ID_LENGTH || !ID.test(s.parent_id))) throw new LineError('span.parent_id', 'must be a span id or null');
  for (const k of ['start_time', 'end_time'] as const) {
    if (s[k] !== undefined && (typeof s[k] !== 'number' || !Number.isFinite(s[k]))) throw new LineError(`span.${k}`, 'must be epoch milliseconds (as the export writes it)');
  }
  if (s.tags !== undefined && (!Array.isArray(s.tags) || s.tags.some((t) => typeof t !== 'string'))) throw new LineError('span.tags', 'must be an array of strings');
  if (s.metadata !== undefined && (!s.metadata || typeof s.metadata !== 'object' || Array.isArray(s.metadata))) throw new LineError('span.metadata', 'must be an object');
  if (s.status !== undefined && s.status !== 'ok' && s.status !== 'error') throw new LineError('span.status', "must be 'ok' or 'error'");
  return s as unknown as NormalizedSpan;
}

/** One row's insert. D1: 100 bound parameters per statement; the widest table has under 30 columns. */
function insertRow(db: D1Database, projectId: string, p: PendingRow): D1PreparedStatement {
  const cols = Object.keys(p.row);
  const names = ['project_id', ...cols].map((c) => `"${c}"`).join(', ');
  const marks = ['?1', ...cols.map((_, i) => `?${i + 2}`)].join(', ');
  const values = cols.map((c) => {
    const v = p.row[c];
    return typeof v === 'boolean' ? Number(v) : v;
  });
  return db.prepare(`INSERT INTO "${p.table.name}" (${names}) VALUES (${marks}) ON CONFLICT DO NOTHING`).bind(projectId, ...values);
}

/** A D1 error as a reason a user can act on (a NOT NULL column missing, a CHECK failing). */
function d1Reason(err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  const m = /(NOT NULL constraint failed: [\w.]+|CHECK constraint failed: \w+|datatype mismatch)/.exec(message);
  return m ? m[1] : message.slice(0, 200);
}

/** The lines of a UTF-8 stream; a line over MAX_LINE_BYTES comes out as null (and is skipped), so one huge line cannot exhaust memory. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string | null> {
  const decoder = new TextDecoder();
  let buffer = '';
  let oversized = false;
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (oversized) {
        oversized = false;
        yield null;
      } else yield text.endsWith('\r') ? text.slice(0, -1) : text;
    }
    if (buffer.length > MAX_LINE_BYTES) {
      // Keep counting the line but drop its bytes.
      oversized = true;
      buffer = '';
    }
  }
  buffer += decoder.decode();
  if (oversized) yield null;
  else if (buffer) yield buffer;
}
