/**
 * A queue's reviews as JSON Lines or CSV: one line/row per review, with the item's status
 * and final label. CSV is written by csv-stringify (RFC 4180: fields with commas, quotes or
 * line breaks are quoted, quotes doubled); rubric keys become columns, structured values
 * (a JSON correction) are JSON text. Comments, corrections and answers come from people
 * and from traces (untrusted), and the file is opened in spreadsheets: text starting with
 * = + - @ (a formula) gets a leading ' (csv-stringify's escape_formulas, OWASP "CSV
 * injection"); numbers, negative ones included, stay numbers.
 */
import { stringify } from 'csv-stringify/sync';
import type { RubricKey } from '../../schema/wire/review.ts';
import type { ExportRow } from './hub/contract.ts';

/** One JSON object per line. */
export function toJsonl(queueId: string, rows: ExportRow[]): string {
  return rows.map((r) => JSON.stringify({ queue_id: queueId, ...r })).join('\n') + (rows.length ? '\n' : '');
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v));

/** A CSV with a header row: trace, status, reviewer, time, one column per rubric key, correction, comment, final_<key>. */
export function toCsv(rubric: RubricKey[], rows: ExportRow[]): string {
  const keys = rubric.map((k) => k.key);
  const header = ['trace_id', 'item_status', 'reviewer_id', 'reviewer', 'submitted_at', ...keys, 'correction', 'comment', ...keys.map((k) => `final_${k}`)];
  const body = rows.map((r) => [r.trace_id, r.status, r.reviewer_id, r.reviewer ?? '', r.submitted_at, ...keys.map((k) => cell(r.values[k])), cell(r.correction), r.comment ?? '', ...keys.map((k) => cell(r.final?.[k]))]);
  return stringify([header, ...body], { record_delimiter: '\r\n', escape_formulas: true });
}
